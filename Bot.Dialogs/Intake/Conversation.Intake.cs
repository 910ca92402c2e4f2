namespace Bot.Dialogs;

/// <summary>Intake: language, privacy, safety first, who is writing, age and where (clauses 5, 14, 26–27).</summary>
public sealed partial class Conversation
{
    /// <summary>Deep links (`/start self`, `/start ru`, `/start poster-almaty-station`).</summary>
    private static readonly Dictionary<string, Role> RoleLinks = new(StringComparer.OrdinalIgnoreCase)
    {
        ["self"] = Dialogs.Role.Self, ["witness"] = Dialogs.Role.Witness, ["rights"] = Dialogs.Role.RightsOnly,
    };

    /// <summary>A poster's deep link, read this turn: where the person came from, and the language and role it names.</summary>
    private sealed record DeepLinkPayload(string? Source, string? Language, Role? Role);

    private DeepLinkPayload? _link;

    private string? LinkedLanguage => _link?.Language ?? _state.Language;

    private void ConfigureIntake()
    {
        _machine.Configure(Step.Language).SubstateOf(Step.Active)
            .OnEntryFrom(Trigger.StartCommand, StartOver)
            .OnEntryFrom(Trigger.DeepLink, OpenDeepLink)
            .OnEntryFrom(Trigger.Reset, () => _state.Clear())
            .Permit(Trigger.LocaleKnown, Step.Privacy)
            .Permit(Trigger.Choose, Step.Privacy);

        _machine.Configure(Step.Privacy).SubstateOf(Step.Active)
            .OnEntryFrom(Trigger.StartCommand, StartOver)
            .OnEntryFrom(Trigger.DeepLink, OpenDeepLink)
            .Permit(Trigger.Continue, Step.Safety)
            .Permit(Trigger.ChangeLanguage, Step.Language);

        // Clauses 26–27, 9.2: safety and urgent needs come before anything else.
        _machine.Configure(Step.Safety).SubstateOf(Step.Active)
            .OnEntryFrom(Trigger.DeepLink, () => { OpenDeepLink(); Say("privacy.ask"); })
            .Permit(Trigger.Danger, Step.Urgent)
            .Permit(Trigger.Doctor, Step.Urgent)
            .Permit(Trigger.Safe, Step.Role);

        // Danger or a doctor: the numbers and a person at once; the questions only if the person wants them.
        _machine.Configure(Step.Urgent).SubstateOf(Step.Active)
            .OnEntryFrom(Trigger.Danger, () => _state.InDanger = true)
            .OnEntryFrom(Trigger.Doctor, () => _state.NeedsDoctor = true)
            .Permit(Trigger.TalkNow, Step.Contact)
            .Permit(Trigger.Questions, Step.Role);

        _machine.Configure(Step.Role).SubstateOf(Step.Active)
            .Permit(Trigger.Self, Step.Age)
            .Permit(Trigger.Witness, Step.Age)
            .Permit(Trigger.RightsOnly, Step.Rights);

        _machine.Configure(Step.Age).SubstateOf(Step.Active)
            .OnEntryFrom(Trigger.Self, () => _state.Role = Dialogs.Role.Self)
            .OnEntryFrom(Trigger.Witness, () => _state.Role = Dialogs.Role.Witness)
            .Permit(Trigger.Under18, Step.Location)
            .Permit(Trigger.Adult, Step.Location)
            .Permit(Trigger.NotSure, Step.Location);

        // Clause 14: "not sure" is presumed a minor.
        _machine.Configure(Step.Location).SubstateOf(Step.Active)
            .OnEntryFrom(Trigger.Under18, () => _state.Age = Dialogs.Age.Under18)
            .OnEntryFrom(Trigger.Adult, () => _state.Age = Dialogs.Age.Adult)
            .OnEntryFrom(Trigger.NotSure, () => _state.Age = Dialogs.Age.NotSure)
            .Permit(Trigger.InKazakhstan, Step.Screening)
            .Permit(Trigger.Abroad, Step.Screening);
    }

    /// <summary>The channel's locale names one of our languages: the language question is not needed.</summary>
    private async Task PreselectLanguageAsync(string? locale)
    {
        if (_state.Language is null && BotLanguage(locale) is { } preselected)
        {
            _state.Language = preselected;
            if (_machine.CanFire(Trigger.LocaleKnown))
            {
                await _machine.FireAsync(Trigger.LocaleKnown);
            }
        }
    }

    /// <summary>The emergency numbers first (they are links on the web), then the way to a person.</summary>
    private string UrgentPrompt() => Text(_state.InDanger ? "safety.danger" : "safety.doctor") + "\n\n" + Text("urgent.ask");

    private IEnumerable<Offer> LanguageOffers() =>
        _content.LanguageCodes.Select(code => new Offer(Trigger.Choose, "c." + code, _content[code].Text("language.name"), code));

    private string LanguagePrompt() =>
        string.Join("\n", _content.LanguageCodes.Select(code => _content[code].Text("language.ask")));

    /// <summary>`/start ru`, `/start witness`, `/start station-almaty`: read here, applied when the machine opens it.</summary>
    private DeepLinkPayload ReadDeepLink(string payload)
    {
        var words = payload.Split(['-', '_', ' '], StringSplitOptions.RemoveEmptyEntries);
        var source = payload.Length <= 32 && payload.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') ? payload.ToLowerInvariant() : null;
        var language = words.Select(BotLanguage).FirstOrDefault(l => l is not null);
        var role = words.Select(w => RoleLinks.TryGetValue(w, out var r) ? r : (Role?)null).FirstOrDefault(r => r is not null);
        return new DeepLinkPayload(source, language, role);
    }

    /// <summary>A fresh conversation from the link: its source, its language (or the one chosen before), its role once the language is known.</summary>
    private void OpenDeepLink()
    {
        var language = LinkedLanguage;
        _state.Clear(language, _link!.Source);
        _state.Role = language is null ? null : _link.Role;
    }

    /// <summary>/start: a fresh conversation in the same language.</summary>
    private void StartOver() => _state.Clear(_state.Language, _state.Source);

    private string? BotLanguage(string? locale) => _content.LanguageOf(locale);
}
