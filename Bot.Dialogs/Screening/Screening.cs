using Bot.Content;

namespace Bot.Dialogs.Screening;

/// <summary>What the screening found, for the result screen and the ticket: the stage's only output.</summary>
public sealed record ScreeningOutcome(Level Level, IReadOnlyList<Form> Forms);

/// <summary>
/// The adaptive screening of clause 5 by Appendix 1: place → core signs → situation → minors'
/// signs → follow-ups of the forms the answers point at, never more than the plan's limit.
/// The conversation uses only its entry: <see cref="Begin"/>, <see cref="Question"/> and <see cref="Options"/>
/// for the screen, <see cref="Record"/> / <see cref="Choose"/> for an answer, <see cref="HasNext"/> /
/// <see cref="Advance"/> for the next screen and <see cref="Outcome"/> for the result; what leaves with the
/// ticket is <see cref="ConsentPreview"/>'s.
/// </summary>
public static class Screening
{
    public const string ChoicePrefix = "choice:";
    public const string PlaceChoice = ChoicePrefix + "place";
    public const string SituationChoice = ChoicePrefix + "situation";

    public static void Begin(ConversationState state, ScreeningPlan plan)
    {
        state.Answers.Clear();
        state.Choices.Clear();
        state.PointedForms.Clear();
        state.Asked = 0;
        state.Pending = [PlaceChoice, .. plan.Core, SituationChoice, .. state.Minor ? plan.Minor : []];
        state.Question = null;
    }

    public static bool IsChoice(string? question) => question?.StartsWith(ChoicePrefix, StringComparison.Ordinal) == true;

    public static string ChoiceKey(string question) => question[ChoicePrefix.Length..];

    public static bool HasNext(ConversationState state, ScreeningPlan plan) =>
        state.Pending.Count > 0 && state.Asked < plan.MaxQuestions;

    /// <summary>Moves to the next question; false when the screening is over.</summary>
    public static bool Advance(ConversationState state, ScreeningPlan plan)
    {
        state.Question = null;
        if (!HasNext(state, plan))
        {
            return false;
        }
        state.Question = state.Pending[0];
        state.Pending.RemoveAt(0);
        state.Asked++;
        return true;
    }

    public static void Record(ConversationState state, LanguagePack pack, ScreeningPlan plan, Answer answer)
    {
        var id = state.Question!;
        state.Answers[id] = answer;
        if (answer == Answer.Yes && pack.Indicators[id].Form is { } form)
        {
            Point(state, plan, form);
        }
    }

    /// <summary>The question on screen, in the words for who is answering: a child, a witness or the person themself.</summary>
    public static string Question(ConversationState state, LanguagePack pack)
    {
        var question = state.Question!;
        var position = pack.Text("screening.progress", ("n", state.Asked.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        if (IsChoice(question))
        {
            var choice = pack.Choices[ChoiceKey(question)];
            // A witness is asked about the person, also when that person is a child.
            return position + "\n" + (state.Role == Role.Witness ? choice.Witness : state.Minor ? choice.Child : choice.Self);
        }
        return position + "\n" + QuestionText(state, pack.Indicators[question]);
    }

    /// <summary>The options of a choice question on screen (id, label); none for a yes/no question.</summary>
    public static IEnumerable<(string Id, string Label)> Options(ConversationState state, LanguagePack pack, ScreeningPlan plan)
    {
        if (state.Question is not { } question || !IsChoice(question))
        {
            return [];
        }
        var key = ChoiceKey(question);
        return plan.Choices[key].Select(o => (o.Id, pack.Choices[key].Options[o.Id]));
    }

    public static void Choose(ConversationState state, ScreeningPlan plan, string option)
    {
        var key = ChoiceKey(state.Question!);
        var chosen = plan.Choices[key].First(o => o.Id == option);
        state.Choices[key] = option;
        foreach (var form in chosen.Forms)
        {
            Point(state, plan, form);
        }
    }

    private static void Point(ConversationState state, ScreeningPlan plan, Form form)
    {
        if (state.PointedForms.Contains(form.Key()))
        {
            return;
        }
        state.PointedForms.Add(form.Key());
        state.Pending.AddRange(plan.FollowUps[form].Where(id => !state.Answers.ContainsKey(id) && !state.Pending.Contains(id) && id != state.Question));
    }

    public static ScreeningOutcome Outcome(ConversationState state, LanguagePack pack, ScreeningPlan plan) =>
        new(Assess(state, pack, plan), LikelyForms(state, pack, plan));

    /// <summary>The items recorded as present (clause 7: only these leave, never a "no"), in the words the person saw.</summary>
    public static IReadOnlyList<SummaryItem> Summary(ConversationState state, LanguagePack pack, ScreeningPlan plan)
    {
        var fromChoices = state.Choices.SelectMany(choice => plan.Choices[choice.Key].First(o => o.Id == choice.Value).Indicators
            .Select(id => Item(pack.Indicators[id], $"{choice.Key}/{choice.Value}", pack.Choices[choice.Key].Options[choice.Value])));
        var answered = state.Answers.Where(a => a.Value == Answer.Yes)
            .Select(a => Item(pack.Indicators[a.Key], null, QuestionText(state, pack.Indicators[a.Key])));
        return [.. fromChoices, .. answered];
    }

    /// <summary>The yes/no question as this person is asked it: a witness about "the person", a child in simpler words.</summary>
    public static string QuestionText(ConversationState state, Indicator indicator) =>
        state.Role == Role.Witness ? indicator.Witness : state.Minor ? indicator.Child ?? indicator.Self : indicator.Self;

    public static IReadOnlyList<Circumstance> Flags(ConversationState state) =>
    [
        .. state.Minor ? [Circumstance.Under18] : Array.Empty<Circumstance>(),
        .. state.Abroad == true ? [Circumstance.Abroad] : Array.Empty<Circumstance>(),
        .. state.InDanger ? [Circumstance.Danger] : Array.Empty<Circumstance>(),
        .. state.NeedsDoctor ? [Circumstance.Doctor] : Array.Empty<Circumstance>(),
    ];

    private static SummaryItem Item(Indicator indicator, string? option, string words) =>
        new(PartOf(indicator.Section), indicator.Section, indicator.Cite, indicator.Id, option, words);

    public static Part PartOf(string section) => section[..section.IndexOf('/', StringComparison.Ordinal)] switch
    {
        "who" => Part.Who,
        "where" => Part.Where,
        _ => Part.What,
    };

    /// <summary>Appendix 1: who + where + what together make the signs strong.</summary>
    public static Level Assess(ConversationState state, LanguagePack pack, ScreeningPlan plan)
    {
        var present = Summary(state, pack, plan).Select(a => pack.Indicators[a.IndicatorId]).ToList();
        var what = present.Count(i => i.Section.StartsWith("what/", StringComparison.Ordinal));
        var who = state.Minor || state.Abroad == true || present.Any(i => i.Section.StartsWith("who/", StringComparison.Ordinal));
        var where = present.Any(i => i.Section.StartsWith("where/", StringComparison.Ordinal));
        var level = what == 0 ? Level.None : what >= 3 || (who && where) ? Level.Strong : Level.Some;
        return level != Level.None && (state.InDanger || state.NeedsDoctor) ? Level.Urgent : level;
    }

    /// <summary>The forms a choice named or a "yes" to one of their own signs confirmed.</summary>
    public static IReadOnlyList<Form> LikelyForms(ConversationState state, LanguagePack pack, ScreeningPlan plan)
    {
        var chosen = state.Choices.TryGetValue("situation", out var option)
            ? plan.Choices["situation"].First(o => o.Id == option).Forms
            : [];
        var confirmed = state.Answers.Where(a => a.Value == Answer.Yes).Select(a => pack.Indicators[a.Key].Form).OfType<Form>();
        return chosen.Concat(confirmed).Distinct().Order().ToList();
    }
}
