using Bot.Dialogs.Rights;

namespace Bot.Dialogs;

/// <summary>The rights card of Appendix 2 (clauses 13, 33): on request, and always after a refusal.</summary>
public sealed partial class Conversation
{
    private void ConfigureRights()
    {
        // Clauses 13, 33: refusing help always ends with the information card.
        _machine.Configure(Step.Rights).SubstateOf(Step.Active)
            .OnEntry(() => _state.RightsPage = 0)
            .OnEntryFrom(Trigger.Leave, () => { _refused = true; Say("rights.refused"); })
            .OnEntryFrom(Trigger.Disagree, () => { _refused = true; Say("consent.refused"); })
            .InternalTransitionIf(Trigger.Next, _ => _state.RightsPage < RightsCardPages.Count - 1, _ => _state.RightsPage++)
            .Permit(Trigger.Talk, Step.Gender)
            .Permit(Trigger.Menu, Step.Menu);
    }

    private string RightsPrompt() => RightsCardPages.Page(Pack, _state.RightsPage);

    /// <summary>After a refusal: the whole card, the last page with the options under it.</summary>
    private void SayWholeRightsCard()
    {
        SayRightsCard(Enumerable.Range(0, RightsCardPages.Count - 1));
        _state.RightsPage = RightsCardPages.Count - 1;
    }

    private void SayRightsCard(IEnumerable<int> pages) =>
        _messages.AddRange(pages.Select(page => new BotMessage(RightsCardPages.Page(Pack, page), [])));

    private void SayAllRightsPages() => SayRightsCard(Enumerable.Range(0, RightsCardPages.Count));
}
