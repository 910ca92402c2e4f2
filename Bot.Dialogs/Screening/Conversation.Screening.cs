using Bot.Content;
using Bot.Dialogs.Screening;
using ScreeningFlow = Bot.Dialogs.Screening.Screening;

namespace Bot.Dialogs;

/// <summary>
/// The screening stage and its result (clause 5, Appendix 1): the machine's side only; what is asked and
/// what it means is <see cref="ScreeningFlow"/>'s, reached through its entry and nothing else.
/// </summary>
public sealed partial class Conversation
{
    private void ConfigureScreening()
    {
        // Clause 5: the adaptive screening; the answer is recorded before the trigger fires.
        _machine.Configure(Step.Screening).SubstateOf(Step.Active)
            .OnEntryFrom(Trigger.InKazakhstan, () => BeginScreening(abroad: false))
            .OnEntryFrom(Trigger.Abroad, () => BeginScreening(abroad: true))
            .OnEntry(() => ScreeningFlow.Advance(_state, Plan))
            .PermitReentryIf(Trigger.Yes, YesNoWithNext).PermitIf(Trigger.Yes, Step.Result, YesNoAtEnd)
            .PermitReentryIf(Trigger.No, YesNoWithNext).PermitIf(Trigger.No, Step.Result, YesNoAtEnd)
            .PermitReentryIf(Trigger.NotSure, YesNoWithNext).PermitIf(Trigger.NotSure, Step.Result, YesNoAtEnd)
            .PermitReentryIf(Trigger.Choose, ChoiceWithNext).PermitIf(Trigger.Choose, Step.Result, ChoiceAtEnd)
            .PermitReentryIf(Trigger.Skip, HasNext).PermitIf(Trigger.Skip, Step.Result, () => !HasNext())
            .Permit(Trigger.Stop, Step.Result);

        _machine.Configure(Step.Result).SubstateOf(Step.Active)
            .OnEntry(() => _state.Question = null)
            .Permit(Trigger.Talk, Step.Gender)
            .Permit(Trigger.Rights, Step.Rights)
            .Permit(Trigger.NotNow, Step.Rights);
    }

    private bool HasNext() => ScreeningFlow.HasNext(_state, Plan);
    private bool OnChoice() => ScreeningFlow.IsChoice(_state.Question);
    private bool YesNoWithNext() => !OnChoice() && HasNext();
    private bool YesNoAtEnd() => !OnChoice() && !HasNext();
    private bool ChoiceWithNext() => OnChoice() && HasNext();
    private bool ChoiceAtEnd() => OnChoice() && !HasNext();

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

    private string ScreeningPrompt() => ScreeningFlow.Question(_state, Pack);

    private IEnumerable<Offer> ScreeningChoiceOffers() =>
        ScreeningFlow.Options(_state, Pack, Plan).Select(o => new Offer(Trigger.Choose, "c." + o.Id, o.Label, o.Id));

    private void RecordScreeningAnswer(Offer offer)
    {
        if (offer.Trigger == Trigger.Choose)
        {
            ScreeningFlow.Choose(_state, Plan, offer.Value!);
            return;
        }
        Answer? answer = offer.Trigger switch
        {
            Trigger.Yes => Answer.Yes,
            Trigger.No => Answer.No,
            Trigger.NotSure => Answer.NotSure,
            Trigger.Skip => Answer.Skipped,
            _ => null,
        };
        if (answer is { } given && !OnChoice())
        {
            ScreeningFlow.Record(_state, Pack, Plan, given);
        }
    }

    private ScreeningOutcome Outcome() => ScreeningFlow.Outcome(_state, Pack, Plan);

    private string ResultText()
    {
        if (_state.Answers.Count == 0 && _state.Choices.Count == 0)
        {
            // Stopping before any answer says nothing about signs, either way.
            return Text("result.stopped");
        }
        var outcome = Outcome();
        // After "someone is in danger" a result without signs still puts 102 / 112 first.
        var text = Text("result." + outcome.Level.ToString().ToLowerInvariant() + (outcome.Level == Level.None && _state.InDanger ? ".danger" : ""));
        if (outcome.Forms.Count > 0 && outcome.Level != Level.None)
        {
            var names = outcome.Forms.Select(f => Pack.Sections.First(s => s.Key == "what/" + f.Key()).Title);
            text += "\n\n" + Pack.Text("result.forms", ("forms", string.Join(", ", names)));
        }
        return text + "\n\n" + Text("result.next");
    }
}
