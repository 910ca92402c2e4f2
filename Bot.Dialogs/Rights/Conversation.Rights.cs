using Bot.Dialogs.Rights;

namespace Bot.Dialogs;

/// <summary>The rights card of Appendix 2 (clauses 13, 33): on request, and always after a refusal, summary first.</summary>
public sealed partial class Conversation
{
    private void ConfigureRights()
    {
        // Clauses 13, 33: refusing help always ends with the information card: its summary, the rest a page at a time.
        _machine.Configure(Step.Rights).SubstateOf(Step.Active)
            .OnEntry(() => _state.RightsPage = RightsCardPages.Summary)
            .OnEntryFrom(Trigger.NotNow, () => Say("rights.refused"))
            .OnEntryFrom(Trigger.Disagree, () => Say("consent.refused"))
            .OnEntryFrom(Trigger.Foreigners, () => _state.RightsPage = RightsCardPages.Foreigners)
            .InternalTransitionIf(Trigger.Next, _ => RightsCardPages.HasNext(_state.RightsPage), _ => _state.RightsPage++, "more to read")
            .InternalTransitionIf(Trigger.Foreigners, _ => _state.RightsPage != RightsCardPages.Foreigners,
                _ => _state.RightsPage = RightsCardPages.Foreigners, "not on that page")
            .Permit(Trigger.Talk, Step.Gender)
            .Permit(Trigger.Menu, Step.Menu);
    }

    private string RightsPrompt() => RightsCardPages.Page(Pack, _state.RightsPage);

    /// <summary>The card's summary as a message of its own (after an operator's end, or /rights while waiting).</summary>
    private void SayRightsSummary() => Add(new BotMessage(RightsCardPages.Page(Pack, RightsCardPages.Summary), []));
}
