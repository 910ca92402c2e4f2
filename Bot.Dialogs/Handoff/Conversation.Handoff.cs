using System.Security.Cryptography;
using System.Text;
using Bot.Dialogs.Screening;
using ScreeningFlow = Bot.Dialogs.Screening.Screening;

namespace Bot.Dialogs;

/// <summary>The hand-over to a person (clauses 7–9, 15–16): gender, destination, consent, waiting, and the menu after.</summary>
public sealed partial class Conversation
{
    private void ConfigureHandoff()
    {
        // Danger or a doctor: who and where in one screen, then the plain consent.
        _machine.Configure(Step.Contact).SubstateOf(Step.Active)
            .Permit(Trigger.Choose, Step.Consent);

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
            // Clause 7: the person can take any answer out of what is sent (and put it back) before agreeing.
            .InternalTransitionIf(Trigger.Toggle, _ => ScreeningFlow.Matched(_state, Pack, Plan).Count > 0, _ => { })
            .PermitIf(Trigger.Agree, Step.Waiting, () => _mayEscalate, "room in the queue")
            // The queue's caps (a flood from one address or conversation): never silence, the numbers to call instead.
            .PermitIf(Trigger.Agree, Step.Menu, () => !_mayEscalate, "queue capped for this address or conversation")
            .Permit(Trigger.Disagree, Step.Rights);

        // Clause 9: the hand-over happens at once; clause 16: a minor is never left without a route.
        _machine.Configure(Step.Waiting).SubstateOf(Step.Active)
            .OnEntryFrom(Trigger.Agree, Escalate)
            .Ignore(Trigger.StartCommand)
            .Ignore(Trigger.TalkCommand)
            .InternalTransition(Trigger.DeepLink, _ => Say("waiting.still"))
            .InternalTransition(Trigger.RightsCommand, _ => SayRightsSummary())
            .InternalTransition(_operatorJoined, (name, gender, destination, _) => JoinOperator(name, gender, destination))
            .InternalTransition(_operatorWrote, (text, name, team, _) => SayFromOperator(text, name, team))
            .InternalTransition(_operatorTransferred, (to, _) => TransferTo(to))
            .InternalTransition(_noOperatorYet, (outsideHours, _) => _waitingLine = Text(outsideHours ? "operator.closed" : "operator.none"))
            .Permit(Trigger.OperatorEnded, Step.Menu)
            .Permit(Trigger.Cancel, Step.Menu);

        _machine.Configure(Step.Menu).SubstateOf(Step.Active)
            .OnEntryFrom(Trigger.Cancel, () => { LeaveWaiting(); Say("waiting.cancelled"); })
            .OnEntryFrom(Trigger.Agree, () => { _capped = true; Say("waiting.capped"); })
            .OnEntryFrom(Trigger.OperatorEnded, () => { LeaveWaiting(); Say("operator.ended"); SayRightsSummary(); })
            .Permit(Trigger.StartAgain, Step.Safety)
            .Permit(Trigger.Rights, Step.Rights)
            .Permit(Trigger.Talk, Step.Gender);
    }

    /// <summary>
    /// The person said under 18 or not sure: the police route only (clause 16). With no age given at
    /// all (/talk at once) both routes stay open, and the escalation is still flagged as a minor's.
    /// </summary>
    private bool SaidMinor => _state.Age is Dialogs.Age.Under18 or Dialogs.Age.NotSure;

    private string DestinationPrompt() => Text(SaidMinor ? "destination.ask.minor" : "destination.ask");

    private string ConsentText() =>
        Text(UrgentPath ? "consent.ask.urgent" : _state.Destination == Dialogs.Destination.Police ? "consent.ask.police" : "consent.ask.hotline");

    /// <summary>Came straight from "someone is in danger" or "needs a doctor", without the questions.</summary>
    private bool UrgentPath => (_state.InDanger || _state.NeedsDoctor) && _state.Role is null && _state.Question is null && _state.Asked == 0;

    /// <summary>Who answers and where, in one screen (the age is not asked on this path, so both routes stay open).</summary>
    private IEnumerable<Offer> ContactOffers() =>
        from destination in new[] { Dialogs.Destination.Hotline, Dialogs.Destination.Police }
        from gender in new[] { Dialogs.Gender.Woman, Dialogs.Gender.Man, Dialogs.Gender.NoPreference }
        select new Offer(Trigger.Choose, $"c.{Kebab(gender)}.{Kebab(destination)}",
            Pack.Text("button." + Kebab(gender)) + " · " + Pack.Text("button." + Kebab(destination)), $"{gender}.{destination}");

    private void ChooseContact(string value)
    {
        var parts = value.Split('.');
        _state.Gender = Enum.Parse<Gender>(parts[0]);
        _state.Destination = Enum.Parse<Destination>(parts[1]);
    }

    /// <summary>Clause 9: what the person writes while they wait is the operator's to read on claiming; it is kept, and they are told so.</summary>
    private void KeepForOperator(string text)
    {
        _forOperator = text;
        _waitingLine = Text("waiting.saved");
    }

    /// <summary>Clause 7: the consent text, then exactly the lines that will be sent.</summary>
    private string ConsentScreen() => ConsentText() + "\n\n" + Pack.Word(ScreeningFlow.ReaderIsChild(_state) ? "consent.intro.child" : "consent.intro") + "\n" + string.Join("\n",
        ConsentPreview.Lines(ConsentPreview.Pending(_state, Pack, Plan), Pack).Select(line => "• " + line));

    private void Escalate()
    {
        var now = _clock.GetUtcNow();
        _state.ConsentAt = now;
        _state.EscalationId = Guid.NewGuid();
        var urgent = _state.InDanger || _state.NeedsDoctor;
        var outcome = ScreeningFlow.Outcome(_state, Pack, Plan, kept: true);   // what the person left in
        _escalation = new EscalationRequest(
            _state.EscalationId.Value, Pack.Code, _state.Role ?? Dialogs.Role.Self,
            outcome.Level, outcome.Forms,
            _state.Minor, _state.Abroad == true, urgent, _state.Gender ?? Dialogs.Gender.NoPreference,
            _state.Destination ?? Dialogs.Destination.Hotline, now, ConsentVersion(),
            ConsentPreview.Agreed(_state, Pack, Plan, now, ConsentVersion()));
        // Where the answers went; the waiting prompt under it is the one "we are finding a person" line.
        Say(_state.Destination == Dialogs.Destination.Police ? "waiting.found.police" : "waiting.found.hotline");
    }

    /// <summary>The exact consent wording the person agreed to, as a short hash of its text.</summary>
    private string ConsentVersion() =>
        $"{Pack.Code}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ConsentText())))[..12]}";

    private void LeaveWaiting() => (_state.EscalationId, _state.WithOperator) = (null, false);
}
