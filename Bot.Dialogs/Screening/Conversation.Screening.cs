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
            .PermitIf(Trigger.Foreigners, Step.Rights, () => ScreeningFlow.Foreigner(_state), "from another country or unregulated status")
            .Permit(Trigger.NotNow, Step.Rights);
    }

    private bool HasNext() => ScreeningFlow.HasNext(_state, Plan);
    private bool OnList() => _state.Question is not null && ScreeningFlow.Kind(_state, Plan) != ScreenKind.Question;
    private bool YesNoWithNext() => !OnList() && HasNext();
    private bool YesNoAtEnd() => !OnList() && !HasNext();
    private bool ListWithNext() => OnList() && HasNext();
    private bool ListAtEnd() => OnList() && !HasNext();

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

    private string ScreeningPrompt() =>
        Pack.Text("screening.progress", ("n", _state.Asked.ToString(System.Globalization.CultureInfo.InvariantCulture)))
        + "\n" + ScreeningFlow.Question(_state, Pack);

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

    /// <summary>The answer is recorded before the trigger fires, so the guards see it.</summary>
    private void RecordScreeningAnswer(Offer offer)
    {
        switch (offer.Trigger)
        {
            case Trigger.Toggle:
                ScreeningFlow.Toggle(_state, offer.Value!);
                _redraw = true;
                return;
            case Trigger.Done:
                ScreeningFlow.Done(_state, Pack, Plan);
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
        if (answer is { } given && !OnList())
        {
            ScreeningFlow.Record(_state, Pack, Plan, given);
        }
    }

    private ScreeningOutcome Outcome() => ScreeningFlow.Outcome(_state, Pack, Plan);

    /// <summary>The level in plain words, then which parts matched (who, where, what), never a legal identification.</summary>
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
        if (outcome.Level != Level.None)
        {
            text += "\n\n" + MatchedParts(outcome);
            if (outcome.Forms.Count > 0 && !ScreeningFlow.ReaderIsChild(_state))
            {
                // Legal titles of the forms are for adults only: a child reads back what they told, in their words.
                var names = outcome.Forms.Select(f => Pack.Sections.First(s => s.Key == "what/" + f.Key()).Title);
                text += "\n" + Pack.Text("result.forms", ("forms", string.Join(", ", names)));
            }
        }
        // Appendix 1, who/adults 14-15: a foreign migrant or an unregulated status reads what rights 10-15 mean for them.
        return text + "\n\n" + Text("result.next") + (ScreeningFlow.Foreigner(_state) ? "\n\n" + Text("result.foreigners") : "");
    }

    private string MatchedParts(ScreeningOutcome outcome)
    {
        string Words(IEnumerable<SummaryItem> items) => string.Join("; ", items.Select(i => i.Words).Distinct());
        if (ScreeningFlow.ReaderIsChild(_state))
        {
            return Pack.Word("result.child", ("items", Words(outcome.Items)));
        }
        return string.Join("\n", new[] { (Part.Who, "result.who"), (Part.Where, "result.where"), (Part.What, "result.what") }
            .Where(p => outcome.Items.Any(i => i.Part == p.Item1))
            .Select(p => Pack.Word(p.Item2, ("items", Words(outcome.Items.Where(i => i.Part == p.Item1))))));
    }
}
