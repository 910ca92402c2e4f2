using Bot.Content;
using Stateless;
using ScreeningFlow = Bot.Dialogs.Screening.Screening;

namespace Bot.Dialogs;

/// <summary>
/// One turn of the referral conversation (the path of the mission map, clauses 5–16, 26–27):
/// the state lives in <see cref="ConversationState"/>, loaded before and saved after each turn.
/// Each stage configures its own steps in its own folder (Intake, Screening, Rights, Handoff);
/// every change of step is a transition of this one machine.
/// </summary>
public sealed partial class Conversation
{
    public enum Trigger
    {
        // Buttons, in the order they are shown.
        Choose, Toggle, Continue, ChangeLanguage, Danger, Doctor, Safe, TalkNow, Questions, Self, Witness, RightsOnly,
        Under18, Adult, InKazakhstan, Abroad, Yes, No, NotSure, Done, Skip, Stop, Talk, Rights, NotNow, Next, Foreigners,
        Woman, Man, NoPreference, Hotline, Police, Agree, Disagree, Cancel, StartAgain, Menu,
        // Commands, typed or from a channel's menu; never shown as buttons.
        StartCommand, RightsCommand, TalkCommand, LanguageCommand,
        // What happens to the conversation rather than a choice on screen; never shown as buttons.
        LocaleKnown, DeepLink, Reset, OperatorJoined, OperatorWrote, OperatorTransferred, OperatorEnded, NoOperatorYet,
    }

    private readonly BotContent _content;
    private readonly TimeProvider _clock;
    private readonly StateMachine<Step, Trigger> _machine;
    // One turn's data: a configured machine is reused for turn after turn (building one costs more than the turn).
    private ConversationState _state = new();
    private List<BotMessage> _messages = [];
    private EscalationRequest? _escalation;
    private string? _forOperator;
    // The line the waiting prompt carries this turn instead of its usual one (what just happened while waiting).
    private string? _waitingLine;
    // A tap on a "tap all that apply" screen: the prompt that follows redraws the one on screen.
    private bool _redraw;
    // The host's word on this turn: whether the operators' queue takes one more escalation from here (its caps).
    private bool _mayEscalate = true;
    private bool _capped;
    // This turn came from our own web page, which has the quick-exit and erase buttons (UserTurn.ExitButton).
    private bool _exitButton;

    /// <remarks>Not thread-safe: one turn at a time per instance.</remarks>
    public Conversation(BotContent content, TimeProvider clock)
    {
        _content = content;
        _clock = clock;
        _machine = new StateMachine<Step, Trigger>(() => _state.Step, step => _state.Step = step);
        Configure();
    }

    private LanguagePack Pack => _content[_state.Language ?? BotContent.Original];
    private ScreeningPlan Plan => _content.Plan;

    /// <summary>The state graph, for the README (Mermaid).</summary>
    public static string Graph(BotContent content) =>
        Stateless.Graph.MermaidGraph.Format(new Conversation(content, TimeProvider.System)._machine.GetInfo());

    private void Configure()
    {
        DeclareOperatorTriggers();
        _machine.Configure(Step.Active)
            .PermitIf(Trigger.StartCommand, Step.Language, () => _state.Language is null, "no language yet")
            .PermitIf(Trigger.StartCommand, Step.Privacy, () => _state.Language is not null, "language known")
            .Permit(Trigger.RightsCommand, Step.Rights)
            .Permit(Trigger.TalkCommand, Step.Gender)
            .Permit(Trigger.LanguageCommand, Step.Language)
            .PermitIf(Trigger.DeepLink, Step.Language, () => LinkedLanguage is null, "no language yet")
            .PermitIf(Trigger.DeepLink, Step.Privacy, () => LinkedLanguage is not null && _link?.Role is null, "language, no role")
            .PermitIf(Trigger.DeepLink, Step.Safety, () => LinkedLanguage is not null && _link?.Role is not null, "language and role")
            .Permit(Trigger.Reset, Step.Language);

        ConfigureIntake();
        ConfigureScreening();
        ConfigureRights();
        ConfigureHandoff();
    }

    /// <summary>Handles one user turn on the conversation's state; the caller saves the state afterwards.</summary>
    /// <param name="mayEscalate">
    /// False when the queue's caps are reached for this person's address or conversation: agreeing then gives the numbers to call
    /// and the menu instead of a ticket (<see cref="TurnResult.EscalationCapped"/>).
    /// </param>
    public async Task<TurnResult> HandleAsync(ConversationState state, UserTurn turn, bool mayEscalate = true)
    {
        Begin(state);
        (_mayEscalate, _capped, _exitButton) = (mayEscalate, false, turn.ExitButton);
        if (_state.Step == Step.Waiting && _state.WithOperator && turn.Option is null
            && turn.Text is { } typed && !string.IsNullOrWhiteSpace(typed) && !typed.TrimStart().StartsWith('/'))
        {
            // Clause 9: with an operator the bot stays silent; the text is the operator's to read.
            return new TurnResult([], TurnEffect.None, null, typed.Trim());
        }
        await PreselectLanguageAsync(turn.Locale);
        var effect = turn switch
        {
            { Option: { } option } => await PressAsync(option),
            { Text: { } text } => await TypeAsync(text),
            { TooLong: true } => TooLong(),
            _ => Unreadable(),
        };
        if (effect == TurnEffect.None)
        {
            Add(CurrentPrompt());
        }
        return new TurnResult(_messages, effect, _escalation, _forOperator, EscalationCapped: _capped);
    }

    /// <summary>A turn from this state may escalate (the consent screen is showing): the host reserves room in the queue first.</summary>
    public static bool MayEscalate(ConversationState state) => state.Step == Step.Consent;

    private static TurnResult Nothing => new([], TurnEffect.None, null);

    private void Begin(ConversationState state) =>
        (_state, _messages, _escalation, _forOperator, _waitingLine, _link, _redraw, _exitButton) = (state, [], null, null, null, null, false, false);

    private static readonly Trigger[] Buttons = Enum.GetValues<Trigger>().Where(t => t < Trigger.StartCommand).ToArray();

    private sealed record Offer(Trigger Trigger, string Name, string Label, string? Value = null);

    /// <summary>The options on screen, from the machine's permitted triggers, so a button can never offer a move the machine refuses.</summary>
    private List<Offer> Offered()
    {
        var permitted = Buttons.Where(_machine.CanFire).OrderBy(OfferOrder);
        var offers = new List<Offer>();
        foreach (var trigger in permitted)
        {
            if (trigger == Trigger.Toggle)
            {
                offers.AddRange(ToggleOffers());
            }
            else if (trigger == Trigger.Done)
            {
                // Nothing ticked: the same move reads "None of these".
                offers.Add(new Offer(trigger, "done", Pack.Text(_state.Ticked.Count == 0 ? "button.none" : "button.done")));
            }
            else if (trigger != Trigger.Choose)
            {
                if (!(_state.Step == Step.Destination && SaidMinor && _state.Role != Dialogs.Role.Witness && trigger == Trigger.Hotline))
                {
                    offers.Add(new Offer(trigger, Kebab(trigger), Pack.Text("button." + Kebab(trigger))));
                }
            }
            else if (_state.Step == Step.Language)
            {
                offers.AddRange(LanguageOffers());
            }
            else if (_state.Step == Step.Contact)
            {
                offers.AddRange(ContactOffers());
            }
        }
        return offers;
    }

    private BotMessage CurrentPrompt()
    {
        _state.Prompt++;
        var text = _state.Step switch
        {
            Step.Language => LanguagePrompt(),
            Step.Urgent => UrgentPrompt(),
            Step.Waiting => _waitingLine ?? Text("waiting.ask"),
            Step.Screening => ScreeningPrompt(),
            Step.Result => ResultText(),
            Step.Rights => RightsPrompt(),
            Step.Destination => DestinationPrompt(),
            Step.Consent => ConsentScreen(),
            _ => Text(Kebab(_state.Step) + ".ask"),
        };
        var prefix = _state.Prompt.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".";
        return new BotMessage(text, Offered().Select(o => new BotOption(prefix + o.Name, o.Label)).ToList(), _redraw);
    }

    /// <summary>A pressed or typed option fires its trigger; the stage on screen records what the option means first.</summary>
    private async Task FireOfferedAsync(Offer offer)
    {
        switch (_state.Step)
        {
            case Step.Language when offer.Trigger == Trigger.Choose:
                _state.Language = offer.Value;
                break;
            case Step.Screening:
                RecordScreeningAnswer(offer);
                break;
            case Step.Contact:
                ChooseContact(offer.Value!);
                break;
            case Step.Consent when offer.Trigger == Trigger.Toggle:
                ScreeningFlow.Withhold(_state, offer.Value!);
                _redraw = true;
                break;
        }
        await _machine.FireAsync(offer.Trigger);
        if (_state.Step == Step.Role && _state.Role is { } linked)
        {
            // A deep link chose the role already: skip the role question.
            await _machine.FireAsync(linked switch { Dialogs.Role.Witness => Trigger.Witness, Dialogs.Role.RightsOnly => Trigger.RightsOnly, _ => Trigger.Self });
        }
    }

    /// <summary>The buttons in the machine's order, except that for a child the police come first (clauses 15–16: the default).</summary>
    private int OfferOrder(Trigger trigger) =>
        _state.Step == Step.Destination && SaidMinor && trigger == Trigger.Police ? (int)Trigger.Hotline - 1 : (int)trigger;
}
