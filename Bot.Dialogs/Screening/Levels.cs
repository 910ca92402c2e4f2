using Bot.Content;

namespace Bot.Dialogs.Screening;

/// <summary>
/// Appendix 1: "a combination of three elements" — who + where + what. The rules are content
/// (screening.yaml `levels:`, each with its citation); this only counts and finds the first rule that holds.
/// </summary>
public static class Levels
{
    public static LevelRule? Decide(ConversationState state, ScreeningPlan plan, IReadOnlyList<SummaryItem> items)
    {
        var counts = Count(state, items);
        return plan.Levels.FirstOrDefault(rule => Screening.For(state, rule.For)
            && rule.When.All(need => counts.GetValueOrDefault(need.Key) >= need.Value));
    }

    /// <summary>Matched Appendix 1 items by element; a seed item asked as several questions counts once (its citation).</summary>
    public static IReadOnlyDictionary<string, int> Count(ConversationState state, IReadOnlyList<SummaryItem> items)
    {
        int Cites(Func<SummaryItem, bool> which) => items.Where(which).Select(i => i.Cite).Distinct().Count();
        return new Dictionary<string, int>
        {
            ["who"] = Cites(i => i.Part == Part.Who),
            ["where"] = Cites(i => i.Part == Part.Where),
            ["what"] = Cites(i => i.Part == Part.What),
            ["general"] = Cites(i => i.Section == "what/general"),
            ["minors"] = Cites(i => i.Section == "what/minors"),
            ["border"] = Cites(i => i.Section == "what/border"),
            ["form"] = Cites(i => i.Part == Part.What && Forms.ByKey.ContainsKey(i.Section["what/".Length..])),
            ["danger"] = state.InDanger || state.NeedsDoctor ? 1 : 0,
        };
    }
}
