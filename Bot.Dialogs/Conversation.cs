using System.Security.Cryptography;
using System.Text;
using Bot.Content;
using Bot.Dialogs.Rights;
using Bot.Dialogs.Screening;
using Stateless;
using ScreeningFlow = Bot.Dialogs.Screening.Screening;

namespace Bot.Dialogs;

/// <summary>
/// One turn of the referral conversation (the path of the mission map, clauses 5–16, 26–27):
/// the state lives in <see cref="ConversationState"/>, loaded before and saved after each turn.
/// </summary>
public sealed class Conversation
{
    public enum Trigger
    {
        // Buttons, in the order they are shown.
        Choose, Toggle, Continue, ChangeLanguage, Danger, Doctor, Safe, Self, Witness, RightsOnly,
        Under18, Adult, InKazakhstan, Abroad, Yes, No, NotSure, Done, Skip, Stop, Talk, Rights, Leave, Next,
        Woman, Man, NoPreference, Hotline, Police, Agree, Disagree, Cancel, StartAgain, Menu,
        // Commands, typed or from a channel's menu; never shown as buttons.
        StartCommand, RightsCommand, TalkCommand, LanguageCommand,
    }

    private static readonly Dictionary<string, Trigger> Commands = new(StringComparer.OrdinalIgnoreCase)
    {
        ["/start"] = Trigger.StartCommand,
        ["/rights"] = Trigger.RightsCommand,
        ["/talk"] = Trigger.TalkCommand,
        ["/language"] = Trigger.LanguageCommand,
    };

    public static readonly IReadOnlyList<string> CommandNames = ["/start", "/help", "/rights", "/talk", "/language", "/exit", "/forget"];

    /// <summary>Deep links (`/start self`, `/start ru`, `/start poster-almaty-station`).</summary>
    private static readonly Dictionary<string, Role> RoleLinks = new(StringComparer.OrdinalIgnoreCase)
    {
        ["self"] = Dialogs.Role.Self, ["witness"] = Dialogs.Role.Witness, ["rights"] = Dialogs.Role.RightsOnly,
    };

    private readonly BotContent _content;
    private readonly TimeProvider _clock;
    private readonly StateMachine<Step, Trigger> _machine;
    // One turn's data: a configured machine is reused for turn after turn (building one costs more than the turn).
    private ConversationState _state = new();
    private List<BotMessage> _messages = [];
    private EscalationRequest? _escalation;
    private bool _refused;
    private bool _redraw;

    /// <remarks>Not thread-safe: one turn at a time per instance.</remarks>
    public Conversation(BotContent content, TimeProvider clock)
    {
        _content = content;
        _clock = clock;
        _machine = new StateMachine<Step, Trigger>(() => _state.Step, step => _state.Step = step);
        Configure();
    }

    private LanguagePack Pack => _content[_state.Language ?? "kk"];
    private ScreeningPlan Plan => _content.Plan;

    /// <summary>The state graph, for the README (Mermaid).</summary>
    public static string Graph(BotContent content) =>
        Stateless.Graph.MermaidGraph.Format(new Conversation(content, TimeProvider.System)._machine.GetInfo());

    private void Configure()
    {
        _machine.Configure(Step.Active)
            .Permit(Trigger.StartCommand, Step.Privacy)
            .Permit(Trigger.RightsCommand, Step.Rights)
            .Permit(Trigger.TalkCommand, Step.Gender)
            .Permit(Trigger.LanguageCommand, Step.Language);

        _machine.Configure(Step.Language).SubstateOf(Step.Active)
            .Permit(Trigger.Choose, Step.Privacy);

        _machine.Configure(Step.Privacy).SubstateOf(Step.Active)
            .OnEntryFrom(Trigger.StartCommand, () => Restart())
            .Permit(Trigger.Continue, Step.Safety)
            .Permit(Trigger.ChangeLanguage, Step.Language);

        // Clauses 26–27, 9.2: safety and urgent needs come before anything else.
        _machine.Configure(Step.Safety).SubstateOf(Step.Active)
            .Permit(Trigger.Danger, Step.Role)
            .Permit(Trigger.Doctor, Step.Role)
            .Permit(Trigger.Safe, Step.Role);

        _machine.Configure(Step.Role).SubstateOf(Step.Active)
            .OnEntryFrom(Trigger.Danger, () => { _state.InDanger = true; Say("safety.danger"); })
            .OnEntryFrom(Trigger.Doctor, () => { _state.NeedsDoctor = true; Say("safety.doctor"); })
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

        // Clause 5: the adaptive screening; the answer is recorded before the trigger fires.
        _machine.Configure(Step.Screening).SubstateOf(Step.Active)
            .OnEntryFrom(Trigger.InKazakhstan, () => BeginScreening(abroad: false))
            .OnEntryFrom(Trigger.Abroad, () => BeginScreening(abroad: true))
            .OnEntry(() => ScreeningFlow.Advance(_state, Plan, Pack))
            .PermitReentryIf(Trigger.Yes, YesNoWithNext).PermitIf(Trigger.Yes, Step.Result, YesNoAtEnd)
            .PermitReentryIf(Trigger.No, YesNoWithNext).PermitIf(Trigger.No, Step.Result, YesNoAtEnd)
            .PermitReentryIf(Trigger.NotSure, YesNoWithNext).PermitIf(Trigger.NotSure, Step.Result, YesNoAtEnd)
            .PermitReentryIf(Trigger.Skip, YesNoWithNext).PermitIf(Trigger.Skip, Step.Result, YesNoAtEnd)
            // "Tap all that apply": a tap redraws the screen; "Done" (or "None of these") moves on.
            .InternalTransitionIf(Trigger.Toggle, _ => OnList(), _ => { })
            .PermitReentryIf(Trigger.Done, ListWithNext).PermitIf(Trigger.Done, Step.Result, ListAtEnd)
            .Permit(Trigger.Stop, Step.Result);

        _machine.Configure(Step.Result).SubstateOf(Step.Active)
            .OnEntry(() => _state.Question = null)
            .Permit(Trigger.Talk, Step.Gender)
            .Permit(Trigger.Rights, Step.Rights)
            .Permit(Trigger.Leave, Step.Rights);

        // Clauses 13, 33: refusing help always ends with the information card.
        _machine.Configure(Step.Rights).SubstateOf(Step.Active)
            .OnEntry(() => _state.RightsPage = 0)
            .OnEntryFrom(Trigger.Leave, () => { _refused = true; Say("rights.refused"); })
            .OnEntryFrom(Trigger.Disagree, () => { _refused = true; Say("consent.refused"); })
            .InternalTransitionIf(Trigger.Next, _ => _state.RightsPage < RightsCardPages.Count - 1, _ => _state.RightsPage++)
            .Permit(Trigger.Talk, Step.Gender)
            .Permit(Trigger.Menu, Step.Menu);

        // Clauses 8, 15: the contact of the gender the person prefers.
        _machine.Configure(Step.Gender).SubstateOf(Step.Active)
            .Permit(Trigger.Woman, Step.Destination)
            .Permit(Trigger.Man, Step.Destination)
            .Permit(Trigger.NoPreference, Step.Destination);

        // Clauses 16, 20: minors and crime reports default to the police; minors are not asked.
        _machine.Configure(Step.Destination).SubstateOf(Step.Active)
            .OnEntryFrom(Trigger.Woman, () => _state.Gender = Dialogs.Gender.Woman)
            .OnEntryFrom(Trigger.Man, () => _state.Gender = Dialogs.Gender.Man)
            .OnEntryFrom(Trigger.NoPreference, () => _state.Gender = Dialogs.Gender.NoPreference)
            .Permit(Trigger.Hotline, Step.Consent)
            .Permit(Trigger.Police, Step.Consent);

        // Clause 7: informed consent before anything leaves the conversation.
        _machine.Configure(Step.Consent).SubstateOf(Step.Active)
            .OnEntryFrom(Trigger.Hotline, () => _state.Destination = Dialogs.Destination.Hotline)
            .OnEntryFrom(Trigger.Police, () => _state.Destination = Dialogs.Destination.Police)
            .InternalTransitionIf(Trigger.Toggle, _ => ScreeningFlow.Matched(_state, Pack, Plan).Count > 0, _ => { })
            .Permit(Trigger.Agree, Step.Waiting)
            .Permit(Trigger.Disagree, Step.Rights);

        // Clause 9: the hand-over happens at once; clause 16: a minor is never left without a route.
        _machine.Configure(Step.Waiting).SubstateOf(Step.Active)
            .OnEntryFrom(Trigger.Agree, Escalate)
            .Ignore(Trigger.StartCommand)
            .Ignore(Trigger.TalkCommand)
            .InternalTransition(Trigger.RightsCommand, _ => SayRightsCard(Enumerable.Range(0, RightsCardPages.Count)))
            .Permit(Trigger.Cancel, Step.Menu);

        _machine.Configure(Step.Menu).SubstateOf(Step.Active)
            .OnEntryFrom(Trigger.Cancel, () => { _state.EscalationId = null; _state.WithOperator = false; Say("waiting.cancelled"); })
            .Permit(Trigger.StartAgain, Step.Safety)
            .Permit(Trigger.Rights, Step.Rights)
            .Permit(Trigger.Talk, Step.Gender);
    }

    /// <summary>
    /// The person said under 18 or not sure: the police route only (clause 16). With no age given at
    /// all (/talk at once) both routes stay open, and the escalation is still flagged as a minor's.
    /// </summary>
    private bool SaidMinor => _state.Age is Dialogs.Age.Under18 or Dialogs.Age.NotSure;

    private bool HasNext() => ScreeningFlow.HasNext(_state, Plan);
    private bool OnList() => _state.Question is not null && ScreeningFlow.Kind(_state, Plan) != ScreenKind.Question;
    private bool YesNoWithNext() => !OnList() && HasNext();
    private bool YesNoAtEnd() => !OnList() && !HasNext();
    private bool ListWithNext() => OnList() && HasNext();
    private bool ListAtEnd() => OnList() && !HasNext();

    /// <summary>Handles one user turn on the conversation's state; the caller saves the state afterwards.</summary>
    public async Task<TurnResult> HandleAsync(ConversationState state, UserTurn turn)
    {
        Begin(state);
        if (_state.Step == Step.Waiting && _state.WithOperator && turn.Option is null
            && turn.Text is { } typed && !string.IsNullOrWhiteSpace(typed) && !typed.TrimStart().StartsWith('/'))
        {
            // Clause 9: with an operator the bot stays silent; the text is the operator's to read.
            return new TurnResult([], TurnEffect.None, null, typed.Trim());
        }
        if (_state.Language is null && BotLanguage(turn.Locale) is { } preselected)
        {
            _state.Language = preselected;
            if (_state.Step == Step.Language)
            {
                _state.Step = Step.Privacy;
            }
        }
        var effect = turn.Option is { } option ? await PressAsync(option) : await TypeAsync(turn.Text ?? "");
        if (effect == TurnEffect.None)
        {
            if (_refused && _state.Step == Step.Rights)
            {
                // The whole card, the last page with the options under it.
                SayRightsCard(Enumerable.Range(0, RightsCardPages.Count - 1));
                _state.RightsPage = RightsCardPages.Count - 1;
            }
            _messages.Add(await CurrentPromptAsync());
        }
        return new TurnResult(_messages, effect, _escalation);
    }

    // What operators do reaches the person only while they wait on that very request (the escalation's id is
    // the ticket's): an old ticket's late action must not land in a newer request, or in a conversation that moved on.

    /// <summary>An operator claimed the ticket: the person learns the operator's display name and gender, nothing more.</summary>
    public TurnResult OperatorJoined(ConversationState state, Guid ticket, string displayName, Gender gender, Destination destination)
    {
        if (!Waiting(state, ticket))
        {
            return Nothing;
        }
        _state.WithOperator = true;
        var who = Pack.Text(gender == Dialogs.Gender.Man ? "operator.gender.man" : "operator.gender.woman");
        _messages.Add(new BotMessage(Pack.Text(destination == Dialogs.Destination.Police ? "operator.joined.police" : "operator.joined.hotline",
            ("name", displayName), ("gender", who)), []));
        return new TurnResult(_messages, TurnEffect.None, null);
    }

    /// <summary>The operator's words, as they wrote them.</summary>
    public TurnResult OperatorWrote(ConversationState state, Guid ticket, string text) =>
        Waiting(state, ticket) && _state.WithOperator ? new TurnResult([new BotMessage(text, [])], TurnEffect.None, null) : Nothing;

    /// <summary>The operator passed the request to the other team: the person is told where it went, and the bot answers again until someone there joins.</summary>
    public TurnResult OperatorTransferred(ConversationState state, Guid ticket, Destination to)
    {
        if (!Waiting(state, ticket))
        {
            return Nothing;
        }
        (_state.WithOperator, _state.Destination) = (false, to);
        Say(to == Dialogs.Destination.Police ? "operator.transferred.police" : "operator.transferred.hotline");
        return new TurnResult(_messages, TurnEffect.None, null);
    }

    /// <summary>The operator ended the conversation: back to the bot menu, with the rights card.</summary>
    public async Task<TurnResult> OperatorEndedAsync(ConversationState state, Guid ticket)
    {
        if (!Waiting(state, ticket))
        {
            return Nothing;
        }
        _state.WithOperator = false;
        _state.EscalationId = null;
        _state.Step = Step.Menu;
        Say("operator.ended");
        SayRightsCard(Enumerable.Range(0, RightsCardPages.Count));
        _messages.Add(await CurrentPromptAsync());
        return new TurnResult(_messages, TurnEffect.None, null);
    }

    /// <summary>Nobody claimed in time, or outside working hours: say so honestly, with 116 16 and 102; the ticket stays open.</summary>
    public TurnResult NoOperatorYet(ConversationState state, Guid ticket, bool outsideHours)
    {
        if (!Waiting(state, ticket) || _state.WithOperator)
        {
            return Nothing;
        }
        Say(outsideHours ? "operator.closed" : "operator.none");
        return new TurnResult(_messages, TurnEffect.None, null);
    }

    private static TurnResult Nothing => new([], TurnEffect.None, null);

    private bool Waiting(ConversationState state, Guid ticket)
    {
        Begin(state);
        return _state.Step == Step.Waiting && _state.EscalationId == ticket;
    }

    private void Begin(ConversationState state) => (_state, _messages, _escalation, _refused, _redraw) = (state, [], null, false, false);

    private async Task<TurnEffect> PressAsync(string option)
    {
        var dot = option.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0 || option[..dot] != _state.Prompt.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            Say("input.expired");
            return TurnEffect.None;
        }
        var name = option[(dot + 1)..];
        var offered = (await OfferedAsync()).FirstOrDefault(o => o.Name == name);
        if (offered is null)
        {
            Say("input.expired");
            return TurnEffect.None;
        }
        await FireOfferedAsync(offered);
        return TurnEffect.None;
    }

    private async Task<TurnEffect> TypeAsync(string text)
    {
        text = text.Trim();
        if (text.StartsWith('/'))
        {
            return await CommandAsync(text);
        }
        var offered = await OfferedAsync();
        var number = int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= 1 && n <= offered.Count ? offered[n - 1] : null;
        var match = number ?? offered.FirstOrDefault(o => string.Equals(o.Label, text, StringComparison.OrdinalIgnoreCase));
        if (match is null)
        {
            Say("input.choose");
            return TurnEffect.None;
        }
        await FireOfferedAsync(match);
        return TurnEffect.None;
    }

    private async Task<TurnEffect> CommandAsync(string text)
    {
        var parts = text.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var name = parts[0].Split('@')[0];   // Telegram appends @botname in groups
        switch (name.ToLowerInvariant())
        {
            case "/exit":
                Say("exit.done");
                Reset();
                return TurnEffect.QuickExit;
            case "/forget":
                Say("forget.done");
                Reset();
                return TurnEffect.Forget;
            case "/help":
                Say("help.text");
                return TurnEffect.None;
            case "/start" when parts.Length > 1:
                OpenDeepLink(parts[1]);
                return TurnEffect.None;
        }
        if (!Commands.TryGetValue(name, out var trigger))
        {
            Say("input.unknown-command");
            return TurnEffect.None;
        }
        if (trigger == Trigger.StartCommand && _state.Language is null)
        {
            _state.Step = Step.Language;
            return TurnEffect.None;
        }
        if (_machine.CanFire(trigger))
        {
            await _machine.FireAsync(trigger);
        }
        else
        {
            Say("waiting.still");
        }
        return TurnEffect.None;
    }

    /// <summary>A poster's deep link: `/start ru`, `/start witness`, `/start station-almaty`.</summary>
    private void OpenDeepLink(string payload)
    {
        var words = payload.Split(['-', '_', ' '], StringSplitOptions.RemoveEmptyEntries);
        if (_state.Step == Step.Waiting)
        {
            Say("waiting.still");
            return;
        }
        Restart();
        _state.Source = payload.Length <= 32 && payload.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') ? payload.ToLowerInvariant() : null;
        _state.Language = words.Select(BotLanguage).FirstOrDefault(l => l is not null) ?? _state.Language;
        var role = words.Select(w => RoleLinks.TryGetValue(w, out var r) ? r : (Role?)null).FirstOrDefault(r => r is not null);
        _state.Step = _state.Language is null ? Step.Language : Step.Privacy;
        if (_state.Language is not null && role is { } chosen)
        {
            Say("privacy.ask");
            _state.Step = Step.Safety;
            _state.Role = chosen;
        }
    }

    private async Task FireOfferedAsync(Offer offer)
    {
        if (offer.Trigger == Trigger.Choose && _state.Step == Step.Language)
        {
            _state.Language = offer.Value;
        }
        else if (offer.Trigger == Trigger.Toggle)
        {
            if (_state.Step == Step.Consent)
            {
                ScreeningFlow.Withhold(_state, offer.Value!);
            }
            else
            {
                ScreeningFlow.Toggle(_state, offer.Value!);
            }
            _redraw = true;
        }
        else if (offer.Trigger == Trigger.Done)
        {
            ScreeningFlow.Done(_state, Pack, Plan);
        }
        else if (_state.Step == Step.Screening && offer.Trigger is Trigger.Yes or Trigger.No or Trigger.NotSure or Trigger.Skip)
        {
            var answer = offer.Trigger switch
            {
                Trigger.Yes => Answer.Yes,
                Trigger.No => Answer.No,
                Trigger.NotSure => Answer.NotSure,
                _ => Answer.Skipped,
            };
            if (!OnList())
            {
                ScreeningFlow.Record(_state, Pack, Plan, answer);
            }
        }
        else if (_state.Step == Step.Safety && _state.Role is { } linked && offer.Trigger is Trigger.Danger or Trigger.Doctor or Trigger.Safe)
        {
            // A deep link chose the role already: skip the role question.
            await _machine.FireAsync(offer.Trigger);
            await _machine.FireAsync(linked switch { Dialogs.Role.Witness => Trigger.Witness, Dialogs.Role.RightsOnly => Trigger.RightsOnly, _ => Trigger.Self });
            return;
        }
        await _machine.FireAsync(offer.Trigger);
    }

    private sealed record Offer(Trigger Trigger, string Name, string Label, string? Value = null);

    /// <summary>The options on screen, from the machine's permitted triggers, so a button can never offer a move the machine refuses.</summary>
    private async Task<List<Offer>> OfferedAsync()
    {
        var permitted = (await _machine.GetPermittedTriggersAsync()).Where(t => t < Trigger.StartCommand).Distinct().Order();
        var offers = new List<Offer>();
        foreach (var trigger in permitted)
        {
            if (trigger == Trigger.Toggle)
            {
                offers.AddRange(ToggleOffers());
                continue;
            }
            if (trigger == Trigger.Done)
            {
                // Nothing ticked: the same move reads "None of these".
                offers.Add(new Offer(trigger, "done", Pack.Text(_state.Ticked.Count == 0 ? "button.none" : "button.done")));
                continue;
            }
            if (trigger != Trigger.Choose)
            {
                if (!(_state.Step == Step.Destination && SaidMinor && trigger == Trigger.Hotline))
                {
                    offers.Add(new Offer(trigger, Kebab(trigger), Pack.Text("button." + Kebab(trigger))));
                }
                continue;
            }
            if (_state.Step == Step.Language)
            {
                offers.AddRange(BotContent.LanguageCodes.Select(code => new Offer(trigger, "c." + code, _content[code].Text("language.name"), code)));
            }
        }
        return offers;
    }

    /// <summary>The ticks of a "tap all that apply" screen, or the lines of the consent screen the person can take out.</summary>
    private IEnumerable<Offer> ToggleOffers()
    {
        if (_state.Step == Step.Consent)
        {
            return ScreeningFlow.Matched(_state, Pack, Plan).Select(item => new Offer(Trigger.Toggle, "t." + item.IndicatorId,
                Pack.Word(_state.Withheld.Contains(item.IndicatorId) ? "consent.put-back" : "consent.take-out", ("item", item.Words)), item.IndicatorId));
        }
        return ScreeningFlow.Options(_state, Pack, Plan).Select(o => new Offer(Trigger.Toggle, "t." + o.Id, (o.Ticked ? "✓ " : "") + o.Label, o.Id));
    }

    private async Task<BotMessage> CurrentPromptAsync()
    {
        _state.Prompt++;
        var text = _state.Step switch
        {
            Step.Language => string.Join("\n", BotContent.LanguageCodes.Select(code => _content[code].Text("language.ask"))),
            Step.Screening => ScreeningQuestion(),
            Step.Result => ResultText(),
            Step.Rights => RightsCardPages.Page(Pack, _state.RightsPage),
            Step.Destination => Text(SaidMinor ? "destination.ask.minor" : "destination.ask"),
            Step.Consent => ConsentScreen(),
            _ => Text(Kebab(_state.Step) + ".ask"),
        };
        var prefix = _state.Prompt.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".";
        return new BotMessage(text, (await OfferedAsync()).Select(o => new BotOption(prefix + o.Name, o.Label)).ToList(), _redraw);
    }

    private string ScreeningQuestion() =>
        Pack.Text("screening.progress", ("n", _state.Asked.ToString(System.Globalization.CultureInfo.InvariantCulture)))
        + "\n" + ScreeningFlow.Question(_state, Pack);

    /// <summary>The level in plain words, then which parts matched (who, where, what), never a legal identification.</summary>
    private string ResultText()
    {
        var outcome = ScreeningFlow.Outcome(_state, Pack, Plan);
        var text = Text("result." + outcome.Level.ToString().ToLowerInvariant());
        if (outcome.Level != Level.None)
        {
            text += "\n\n" + MatchedParts(outcome);
            if (outcome.Forms.Count > 0 && !ScreeningFlow.ReaderIsChild(_state))
            {
                // Legal titles of the forms are for adults only (a child reads what they told, in their words).
                var names = outcome.Forms.Select(f => Pack.Sections.First(s => s.Key == "what/" + f.Key()).Title);
                text += "\n" + Pack.Text("result.forms", ("forms", string.Join(", ", names)));
            }
        }
        return text + "\n\n" + Text("result.next");
    }

    private string MatchedParts(Bot.Dialogs.Screening.ScreeningOutcome outcome)
    {
        string Words(Part part) => string.Join("; ", outcome.Items.Where(i => i.Part == part).Select(i => i.Words).Distinct());
        if (ScreeningFlow.ReaderIsChild(_state))
        {
            return Pack.Word("result.child", ("items", string.Join("; ", outcome.Items.Select(i => i.Words).Distinct())));
        }
        return string.Join("\n", new[] { (Part.Who, "result.who"), (Part.Where, "result.where"), (Part.What, "result.what") }
            .Where(p => outcome.Items.Any(i => i.Part == p.Item1)).Select(p => Pack.Word(p.Item2, ("items", Words(p.Item1)))));
    }

    private string ConsentText() => Text(_state.Destination == Dialogs.Destination.Police ? "consent.ask.police" : "consent.ask.hotline");

    /// <summary>Clause 7: the consent text, then exactly the lines that will be sent.</summary>
    private string ConsentScreen() => ConsentText() + "\n\n" + Pack.Word("consent.intro") + "\n" + string.Join("\n",
        ConsentPreview.Lines(ConsentPreview.Pending(_state, Pack, Plan), Pack).Select(line => "• " + line));

    private void BeginScreening(bool abroad)
    {
        _state.Abroad = abroad;
        if (abroad)
        {
            Say("location.abroad");   // clauses 21–23: Kazakhstan's embassies and consulates
        }
        Say("screening.intro");
        ScreeningFlow.Begin(_state, Plan);
    }

    private void Escalate()
    {
        var now = _clock.GetUtcNow();
        _state.ConsentAt = now;
        _state.EscalationId = Guid.NewGuid();
        var urgent = _state.InDanger || _state.NeedsDoctor;
        var outcome = ScreeningFlow.Outcome(_state, Pack, Plan, kept: true);
        _escalation = new EscalationRequest(
            _state.EscalationId.Value, Pack.Code, _state.Role ?? Dialogs.Role.Self,
            outcome.Level, outcome.Forms,
            _state.Minor, _state.Abroad == true, urgent, _state.Gender ?? Dialogs.Gender.NoPreference,
            _state.Destination ?? Dialogs.Destination.Hotline, now, ConsentVersion(),
            ConsentPreview.Agreed(_state, Pack, Plan, now, ConsentVersion()));
        Say(_state.Destination == Dialogs.Destination.Police ? "waiting.found.police" : "waiting.found.hotline");
    }

    /// <summary>The exact consent wording the person agreed to, as a short hash of its text.</summary>
    private string ConsentVersion() =>
        $"{Pack.Code}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ConsentText())))[..12]}";

    private void SayRightsCard(IEnumerable<int> pages) =>
        _messages.AddRange(pages.Select(page => new BotMessage(RightsCardPages.Page(Pack, page), [])));

    /// <summary>/start: a fresh conversation in the same language.</summary>
    private void Restart()
    {
        var language = _state.Language;
        var source = _state.Source;
        var prompt = _state.Prompt;
        CopyFrom(new ConversationState { Language = language, Source = source, Prompt = prompt, Step = _state.Step });
    }

    private void Reset() => CopyFrom(new ConversationState { Prompt = _state.Prompt, Step = Step.Language });

    private void CopyFrom(ConversationState fresh)
    {
        foreach (var property in typeof(ConversationState).GetProperties().Where(p => p.CanWrite))
        {
            property.SetValue(_state, property.GetValue(fresh));
        }
    }

    private void Say(string key) => _messages.Add(new BotMessage(Text(key), []));

    /// <summary>A child hears simpler words where the content has them (key + ".child"), a witness the witness form.</summary>
    private string Text(string key)
    {
        var variant = _state.Minor && _state.Role != Dialogs.Role.Witness && _state.Age is not null ? key + ".child"
            : _state.Role == Dialogs.Role.Witness ? key + ".witness" : null;
        return variant is not null && Pack.Ui.ContainsKey(variant) ? Pack.Text(variant) : Pack.Text(key);
    }

    private static string? BotLanguage(string? locale) =>
        locale is null ? null : BotContent.LanguageCodes.FirstOrDefault(code => locale.StartsWith(code, StringComparison.OrdinalIgnoreCase));

    internal static string Kebab<T>(T value) where T : Enum =>
        string.Concat(value.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
