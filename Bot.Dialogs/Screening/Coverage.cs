using Bot.Content;

namespace Bot.Dialogs.Screening;

/// <summary>How many items of one Appendix 1 section some path puts in front of a person, and which it never does.</summary>
public sealed record SectionCoverage(string Section, int Items, int Reachable, IReadOnlyList<string> Unreachable);

/// <summary>
/// Which Appendix 1 items are reachable on some path within the budget: the real engine walks every path
/// that ticks one option of one choice screen (and the path that ticks nothing) for each kind of reader: an adult
/// and a child for themselves, a witness about an adult and about a child. An item is reached when a
/// screen shown names it: a choice option that records it, a sign of a list, a yes/no question.
/// </summary>
public static class Coverage
{
    private static readonly (Role Role, Age Age)[] Readers =
        [(Role.Self, Age.Adult), (Role.Self, Age.Under18), (Role.Witness, Age.Adult), (Role.Witness, Age.Under18)];

    public static IReadOnlyList<SectionCoverage> Report(BotContent content, string language = BotContent.Original)
    {
        var pack = content[language];
        var reached = Reached(content.Plan, pack);
        return pack.Sections.Select(section =>
        {
            var cites = section.Items.Select(i => i.Cite).Distinct().ToList();
            var missing = cites.Where(c => !section.Items.Any(i => i.Cite == c && reached.Contains(i.Id))).ToList();
            return new SectionCoverage(section.Key, cites.Count, cites.Count - missing.Count, missing);
        }).ToList();
    }

    /// <summary>Indicator ids some path shows.</summary>
    public static HashSet<string> Reached(ScreeningPlan plan, LanguagePack pack)
    {
        var reached = new HashSet<string>();
        foreach (var (role, age) in Readers)
        {
            reached.UnionWith(Walk(plan, pack, role, age, null));
            foreach (var (screen, options) in plan.Choices)
            {
                foreach (var option in options)
                {
                    reached.UnionWith(Walk(plan, pack, role, age, (screen, option.Id)));
                }
            }
        }
        return reached;
    }

    /// <summary>One path: only <paramref name="tick"/> is ticked, every yes/no question answered "no".</summary>
    private static HashSet<string> Walk(ScreeningPlan plan, LanguagePack pack, Role role, Age age, (string Screen, string Option)? tick)
    {
        var state = new ConversationState { Role = role, Age = age, Language = pack.Code, Abroad = false };
        var shown = new HashSet<string>();
        Screening.Begin(state, plan);
        while (Screening.Advance(state, plan, pack))
        {
            var screen = state.Question!;
            switch (Screening.Kind(state, plan))
            {
                case ScreenKind.Question:
                    shown.Add(screen);
                    Screening.Record(state, pack, plan, Answer.No);
                    break;
                case ScreenKind.Choice:
                    var offered = Screening.Options(state, pack, plan).Select(o => o.Id).ToList();
                    shown.UnionWith(plan.Choices[screen].Where(o => offered.Contains(o.Id)).SelectMany(o => o.Indicators));
                    if (tick is { } t && t.Screen == screen && offered.Contains(t.Option))
                    {
                        Screening.Toggle(state, t.Option);
                    }
                    Screening.Done(state, pack, plan);
                    break;
                default:
                    shown.UnionWith(Screening.Options(state, pack, plan).Select(o => o.Id));
                    Screening.Done(state, pack, plan);
                    break;
            }
        }
        return shown;
    }

    /// <summary>The report as printed by `check-content --coverage`.</summary>
    public static string Format(IReadOnlyList<SectionCoverage> report, Budget budget)
    {
        var lines = new List<string>
        {
            $"Appendix 1 items reachable on some path (at most {budget.Screens} screens, none started after {budget.ReadingSeconds} s of reading):",
        };
        lines.AddRange(report.Select(s => $"  {s.Section,-20} {s.Reachable,3} / {s.Items,-3}" + (s.Unreachable.Count == 0 ? "" : "  never: " + string.Join(", ", s.Unreachable))));
        lines.Add($"  {"all",-20} {report.Sum(s => s.Reachable),3} / {report.Sum(s => s.Items),-3}");
        return string.Join(Environment.NewLine, lines);
    }
}
