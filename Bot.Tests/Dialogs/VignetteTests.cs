using System.Globalization;
using System.Text;
using Bot.Content;
using Bot.Dialogs;
using Bot.Dialogs.Screening;

namespace Bot.Tests.Dialogs;

/// <summary>The vignette suite: every scripted persona, in Kazakh, Russian and English, through the real engine.</summary>
public class VignetteTests
{
    private const string Begin = "<!-- vignettes:begin -->";
    private const string End = "<!-- vignettes:end -->";

    public static TheoryData<Persona, string> Cases()
    {
        var cases = new TheoryData<Persona, string>();
        foreach (var persona in Vignettes.All)
        {
            foreach (var language in TestContent.Content.LanguageCodes)
            {
                cases.Add(persona, language);
            }
        }
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Each_persona_gets_its_expected_level_and_forms(Persona persona, string language)
    {
        var walked = await Vignettes.Walk(persona, language);
        var chat = walked.Chat;

        Assert.Equal(persona.Expected, walked.Level);
        Assert.Equal(persona.Forms.Order(), walked.Forms.Order());
        Assert.Equal(Step.Result, chat.State.Step);
        Assert.StartsWith(ResultText(chat, walked.Level), chat.Prompt.Text, StringComparison.Ordinal);
        Assert.InRange(walked.Screens, 3, chat.Content.Plan.Budget.Screens);
        if (persona.FalseAlarm)
        {
            Assert.NotEqual(Level.Strong, walked.Level);
        }
        if (Screening.ReaderIsChild(chat.State))
        {
            // Legal titles of the forms are never shown to a child.
            var titles = chat.Pack.Sections.Where(s => s.Key.StartsWith("what/", StringComparison.Ordinal)).Select(s => s.Title);
            Assert.All(titles, title => Assert.DoesNotContain(title, chat.Prompt.Text, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void The_suite_covers_the_people_the_issue_names()
    {
        var all = Vignettes.All;
        Assert.True(all.Count >= 30);
        Assert.Contains(all, p => p.Role == "witness" && p.Age == "adult");
        Assert.Contains(all, p => p.Role == "witness" && p.Age != "adult");
        Assert.Contains(all, p => p.Role == "self" && p.Age != "adult");
        Assert.All(Enum.GetValues<Form>(), form => Assert.Contains(all, p => p.Forms.Contains(form)));
        Assert.Contains(all, p => p.Who.Contains("came-to-work"));
        Assert.Contains(all, p => p.Who.Contains("works-abroad"));
        Assert.Contains(all, p => p.Who.Contains("home-worker"));
        Assert.Contains(all, p => p.Role == "witness" && p.Place.Contains("border"));
        Assert.True(all.Count(p => p.FalseAlarm) >= 4);
    }

    [Fact]
    public async Task A_single_sign_never_makes_a_childs_result_strong()
    {
        var content = TestContent.Content;
        foreach (var sign in content["en"].Indicators.Values.Where(i => i.Section.StartsWith("what/", StringComparison.Ordinal)))
        {
            var chat = new Chat();
            await chat.Intake("self", "under18");
            await chat.AnswerScreening(_ => [], i => i.Id == sign.Id ? "yes" : "no");
            Assert.NotEqual(Level.Strong, Screening.Outcome(chat.State, chat.Pack, content.Plan).Level);
        }
    }

    /// <summary>The README's vignette table is the suite's own result (in English). UPDATE_VIGNETTES=1 rewrites it.</summary>
    [Fact]
    public async Task The_readme_shows_the_current_vignette_table()
    {
        var table = new StringBuilder("\n| persona | who for | expected | got | screens | items asked | reading s |\n|---|---|---|---|---:|---:|---:|\n");
        foreach (var persona in Vignettes.All)
        {
            var walked = await Vignettes.Walk(persona, "en");
            table.Append(CultureInfo.InvariantCulture,
                $"| {persona.Name}{(persona.FalseAlarm ? " (false alarm)" : "")} | {persona.Role}, {persona.Age} | {Describe(persona.Expected, persona.Forms)} | "
                + $"{Describe(walked.Level, walked.Forms)} | {walked.Screens} | {walked.Items} | {walked.ReadingSeconds:0} |\n");
        }
        var readme = Path.Combine(DialogGraphTests.RepositoryRoot(), "README.md");
        var text = File.ReadAllText(readme);
        var start = text.IndexOf(Begin, StringComparison.Ordinal) + Begin.Length;
        var end = text.IndexOf(End, StringComparison.Ordinal);
        if (Environment.GetEnvironmentVariable("UPDATE_VIGNETTES") == "1")
        {
            File.WriteAllText(readme, text[..start] + table + text[end..]);
            return;
        }
        Assert.True(start > Begin.Length - 1 && end > start, "README.md has no vignette table markers");
        Assert.Equal(table.ToString(), text[start..end]);
    }

    private static string Describe(Level level, IEnumerable<Form> forms) =>
        level.ToString().ToLowerInvariant() + (forms.Any() ? " (" + string.Join(", ", forms.Order().Select(f => f.Key())) + ")" : "");

    private static string ResultText(Chat chat, Level level)
    {
        var key = "result." + level.ToString().ToLowerInvariant();
        var variant = Screening.ReaderIsChild(chat.State) ? key + ".child" : chat.State.Role == Role.Witness ? key + ".witness" : null;
        return variant is not null && chat.Pack.Ui.ContainsKey(variant) ? chat.Pack.Ui[variant] : chat.Pack.Ui[key];
    }
}
