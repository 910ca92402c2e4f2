using Bot.Content;

namespace Bot.Dialogs.Screening;

/// <summary>What the screening found, for the result screen and the ticket: the stage's only output.</summary>
/// <param name="Rule">The level rule of screening.yaml that decided, or null when none held.</param>
public sealed record ScreeningOutcome(Level Level, IReadOnlyList<Form> Forms, IReadOnlyList<SummaryItem> Items, LevelRule? Rule);

/// <summary>An option on a choice or list screen: its id, its label as this reader sees it, ticked or not.</summary>
public sealed record ScreenOption(string Id, string Label, bool Ticked);

/// <summary>
/// The adaptive screening of clause 5 as Appendix 1 means it: who + where + what. Everyone is offered the
/// start screens (who, place, situation); each choice queues its follow-ups, the situation's before the
/// place's and the place's before who's; closing screens fill what the budget of screens and reading time
/// leaves. The level comes from the rules in screening.yaml. The conversation uses only this entry.
/// </summary>
public static class Screening
{
    private const int ClosingRank = 100;

    public static void Begin(ConversationState state, ScreeningPlan plan)
    {
        (state.Answers, state.Choices, state.PointedForms, state.Shown, state.Ticked, state.Withheld) = ([], [], [], [], [], []);
        (state.Asked, state.ReadingSeconds, state.Question) = (0, 0, null);
        state.Pending = [.. plan.Start.Select((id, i) => new QueuedScreen(id, i - plan.Start.Count)),
            .. plan.Closing.Select((id, i) => new QueuedScreen(id, ClosingRank + i))];
    }

    public static bool HasNext(ConversationState state, ScreeningPlan plan) =>
        state.Asked < plan.Budget.Screens && state.ReadingSeconds < plan.Budget.ReadingSeconds
        && state.Pending.Any(q => Askable(state, plan, q.Id));

    /// <summary>Moves to the next screen the person is to see; false when the screening is over.</summary>
    public static bool Advance(ConversationState state, ScreeningPlan plan, LanguagePack pack)
    {
        state.Question = null;
        state.Ticked = [];
        if (!HasNext(state, plan))
        {
            return false;
        }
        var next = state.Pending.First(q => Askable(state, plan, q.Id));
        state.Pending.RemoveAll(q => q.Id == next.Id);
        state.Question = next.Id;
        state.Shown.Add(next.Id);
        state.Asked++;
        state.ReadingSeconds += Words(Question(state, pack)) * 60.0 / plan.Budget.WordsPerMinute
            + Options(state, pack, plan).Sum(o => Words(o.Label)) * 60.0 / plan.Budget.WordsPerMinute;
        return true;
    }

    public static ScreenKind Kind(ConversationState state, ScreeningPlan plan) => KindOf(plan, state.Question!);

    /// <summary>The prompt on screen, in the words for who is reading: a child, a witness or the person themself.</summary>
    public static string Question(ConversationState state, LanguagePack pack)
    {
        var id = state.Question!;
        if (pack.Indicators.TryGetValue(id, out var indicator))
        {
            return QuestionText(state, indicator);
        }
        var texts = pack.Choices[id];
        return ReaderIsChild(state) ? texts.Child : state.Role == Role.Witness ? texts.Witness : texts.Self;
    }

    /// <summary>The options of the choice or list on screen, for this audience; none for a yes/no question.</summary>
    public static IReadOnlyList<ScreenOption> Options(ConversationState state, LanguagePack pack, ScreeningPlan plan)
    {
        var id = state.Question!;
        var child = ReaderIsChild(state);
        return KindOf(plan, id) switch
        {
            ScreenKind.Choice => plan.Choices[id].Where(o => For(state, o.For))
                .Select(o => new ScreenOption(o.Id, pack.Choices[id].Label(o.Id, child), state.Ticked.Contains(o.Id))).ToList(),
            ScreenKind.List => plan.Screens[id].Indicators
                .Select(i => new ScreenOption(i, pack.Sign(i, child), state.Ticked.Contains(i))).ToList(),
            _ => [],
        };
    }

    public static bool IsOption(ConversationState state, LanguagePack pack, ScreeningPlan plan, string option) =>
        Options(state, pack, plan).Any(o => o.Id == option);

    /// <summary>"Tap all that apply": a tap ticks an option, a second tap unticks it.</summary>
    public static void Toggle(ConversationState state, string option)
    {
        if (!state.Ticked.Remove(option))
        {
            state.Ticked.Add(option);
        }
    }

    /// <summary>The person is done with the choice or list on screen (nothing ticked: "none of these").</summary>
    public static void Done(ConversationState state, LanguagePack pack, ScreeningPlan plan)
    {
        var id = state.Question!;
        var rank = RankOf(plan, id);
        var ticked = Options(state, pack, plan).Where(o => o.Ticked).Select(o => o.Id).ToList();
        if (KindOf(plan, id) == ScreenKind.Choice)
        {
            state.Choices[id] = ticked;
            foreach (var option in plan.Choices[id].Where(o => ticked.Contains(o.Id)))
            {
                state.Abroad |= option.Abroad;
                foreach (var form in option.Forms)
                {
                    Point(state, plan, form, rank);
                }
                Queue(state, plan, option.Then, rank);
            }
        }
        else
        {
            foreach (var indicator in plan.Screens[id].Indicators)
            {
                state.Answers[indicator] = ticked.Contains(indicator) ? Answer.Yes : Answer.No;
                if (ticked.Contains(indicator) && pack.Indicators[indicator].Form is { } form)
                {
                    Point(state, plan, form, rank);
                }
            }
        }
        state.Ticked = [];
    }

    /// <summary>The answer to the yes/no question on screen.</summary>
    public static void Record(ConversationState state, LanguagePack pack, ScreeningPlan plan, Answer answer)
    {
        var id = state.Question!;
        state.Answers[id] = answer;
        if (answer == Answer.Yes && pack.Indicators[id].Form is { } form)
        {
            Point(state, plan, form, RankOf(plan, id));
        }
    }

    /// <summary>Clause 7: on the consent screen the person takes an item out (or puts it back): it is not sent.</summary>
    public static void Withhold(ConversationState state, string indicator)
    {
        if (!state.Withheld.Remove(indicator))
        {
            state.Withheld.Add(indicator);
        }
    }

    /// <summary>Everything that matched, in the words the person saw; <paramref name="kept"/>: without what they took out.</summary>
    public static IReadOnlyList<SummaryItem> Matched(ConversationState state, LanguagePack pack, ScreeningPlan plan, bool kept = false)
    {
        var child = ReaderIsChild(state);
        var fromChoices = plan.Start.Concat(plan.Choices.Keys).Distinct()
            .Where(state.Choices.ContainsKey)
            .SelectMany(screen => state.Choices[screen].SelectMany(option => plan.Choices[screen].First(o => o.Id == option).Indicators
                .Select(id => Item(pack.Indicators[id], $"{screen}/{option}", pack.Choices[screen].Label(option, child)))));
        var answered = state.Answers.Where(a => a.Value == Answer.Yes)
            .Select(a => Item(pack.Indicators[a.Key], null, pack.Sign(a.Key, child)));
        var items = fromChoices.Concat(answered).DistinctBy(i => i.IndicatorId);
        return (kept ? items.Where(i => !state.Withheld.Contains(i.IndicatorId)) : items).ToList();
    }

    public static IReadOnlyList<Circumstance> Flags(ConversationState state) =>
    [
        .. state.Minor ? [Circumstance.Under18] : Array.Empty<Circumstance>(),
        .. state.Abroad == true ? [Circumstance.Abroad] : Array.Empty<Circumstance>(),
        .. state.InDanger ? [Circumstance.Danger] : Array.Empty<Circumstance>(),
        .. state.NeedsDoctor ? [Circumstance.Doctor] : Array.Empty<Circumstance>(),
    ];

    /// <summary>The level, the forms and what matched; <paramref name="kept"/>: only what the person left in for sending.</summary>
    public static ScreeningOutcome Outcome(ConversationState state, LanguagePack pack, ScreeningPlan plan, bool kept = false)
    {
        var items = Matched(state, pack, plan, kept);
        var rule = Levels.Decide(state, plan, items);
        var level = rule is null ? Level.None : Enum.Parse<Level>(rule.Level, ignoreCase: true);
        // Likely forms: those the person named on the situation screen (the first source of `order:`) or confirmed by a
        // sign; a place only points at a form's questions (a home is not labour exploitation).
        var situation = plan.Order.Count > 0 ? plan.Order[0] : "";
        var chosen = state.Choices.GetValueOrDefault(situation, []).SelectMany(option => plan.Choices[situation].First(o => o.Id == option).Forms);
        var confirmed = items.Select(i => pack.Indicators[i.IndicatorId].Form).OfType<Form>();
        var forms = level == Level.None ? [] : chosen.Concat(confirmed).Distinct().Order().ToList();
        return new ScreeningOutcome(level, forms, items, rule);
    }

    /// <summary>The yes/no question as this person is asked it: a witness about "the person", a child in simpler words.</summary>
    public static string QuestionText(ConversationState state, Indicator indicator) =>
        state.Role == Role.Witness ? indicator.Witness : ReaderIsChild(state) ? indicator.Child ?? indicator.Self : indicator.Self;

    /// <summary>The reader is a child (clause 14: age unknown counts), not an adult reporting about one.</summary>
    /// <summary>Appendix 1 risk groups of foreigners: a labour migrant from another country, an unregulated legal status.</summary>
    public static readonly IReadOnlyList<string> ForeignerSigns = ["adults-foreign-labour-migrants", "adults-unregulated-status"];

    /// <summary>The screening has shown someone from another country or with an unregulated status (a "yes" to either sign).</summary>
    public static bool Foreigner(ConversationState state) =>
        ForeignerSigns.Any(id => state.Answers.TryGetValue(id, out var answer) && answer == Answer.Yes);

    public static bool ReaderIsChild(ConversationState state) => state.Minor && state.Role != Role.Witness;

    public static Part PartOf(string section) => section[..section.IndexOf('/', StringComparison.Ordinal)] switch
    {
        "who" => Part.Who,
        "where" => Part.Where,
        _ => Part.What,
    };

    internal static bool For(ConversationState state, Audience audience) =>
        audience == Audience.Everyone || (audience == Audience.Minor) == state.Minor;

    private static ScreenKind KindOf(ScreeningPlan plan, string id) => plan.Screens.TryGetValue(id, out var screen) ? screen.Kind : ScreenKind.Question;

    private static bool Askable(ConversationState state, ScreeningPlan plan, string id) =>
        !state.Shown.Contains(id) && (plan.Screens.TryGetValue(id, out var screen)
            ? For(state, screen.For) && (screen.Kind != ScreenKind.List || screen.Indicators.Any(i => !state.Answers.ContainsKey(i)))
            : !state.Answers.ContainsKey(id));

    /// <summary>Follow-ups come in the order of their source (screening.yaml `order:`); an answer inside a follow-up keeps its rank.</summary>
    private static int RankOf(ScreeningPlan plan, string screen)
    {
        var source = plan.Order.ToList().IndexOf(screen);
        return source >= 0 ? source : plan.Order.Count;
    }

    private static void Point(ConversationState state, ScreeningPlan plan, Form form, int rank)
    {
        if (state.PointedForms.Contains(form.Key()))
        {
            return;
        }
        state.PointedForms.Add(form.Key());
        Queue(state, plan, plan.FollowUps[form], rank);
    }

    private static void Queue(ConversationState state, ScreeningPlan plan, IEnumerable<string> screens, int rank)
    {
        foreach (var id in screens.Where(id => !state.Shown.Contains(id)))
        {
            var queued = state.Pending.FindIndex(q => q.Id == id);
            if (queued >= 0 && state.Pending[queued].Rank <= rank)
            {
                continue;
            }
            if (queued >= 0)
            {
                state.Pending.RemoveAt(queued);
            }
            var at = state.Pending.FindIndex(q => q.Rank > rank);
            state.Pending.Insert(at < 0 ? state.Pending.Count : at, new QueuedScreen(id, rank));
        }
    }

    private static SummaryItem Item(Indicator indicator, string? option, string words) =>
        new(PartOf(indicator.Section), indicator.Section, indicator.Cite, indicator.Id, option, words);

    private static int Words(string text) => text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
}
