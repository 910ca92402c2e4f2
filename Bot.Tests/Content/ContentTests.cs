using Bot.Content;
using Bot.Dialogs;

namespace Bot.Tests.Content;

public class ContentTests
{
    private static readonly BotContent Content = TestContent.Content;

    [Fact]
    public void Every_language_has_every_appendix_1_item_with_the_same_ids_and_citations()
    {
        var kk = Content["kk"];
        Assert.Equal(ContentLoader.SectionKeys, kk.Sections.Select(s => s.Key));
        foreach (var code in Content.LanguageCodes)
        {
            var pack = Content[code];
            Assert.Equal(kk.Indicators.Keys.Order(), pack.Indicators.Keys.Order());
            Assert.All(pack.Indicators.Values, i => Assert.Equal(kk.Indicators[i.Id].Cite, i.Cite));
            Assert.All(pack.Sections, s => Assert.NotEmpty(s.Items));
        }
        // The seed's longest list: the general signs run to well over twenty items.
        Assert.True(kk.Sections.Single(s => s.Key == "what/general").Items.Count >= 20);
    }

    [Fact]
    public void Every_language_has_the_whole_information_card()
    {
        foreach (var code in Content.LanguageCodes)
        {
            var card = Content[code].Rights;
            Assert.Equal(Enumerable.Range(1, 17).Select(n => $"appendix-2/rights/{n}"), card.Rights.Select(r => r.Cite));
            Assert.Equal(["appendix-2/duties/1", "appendix-2/duties/2"], card.Duties.Select(r => r.Cite));
            Assert.Contains("102", card.Closing, StringComparison.Ordinal);
            Assert.Contains("116 16", card.Closing, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Contacts_are_the_four_numbers_in_every_language()
    {
        foreach (var code in Content.LanguageCodes)
        {
            var numbers = Content[code].Contacts.ToDictionary(c => c.Id, c => c.Number);
            Assert.Equal("116 16", numbers["hotline"]);
            Assert.Equal("102", numbers["police"]);
            Assert.Equal("103", numbers["ambulance"]);
            Assert.Equal("112", numbers["emergency"]);
        }
    }

    [Fact]
    public void Screening_plan_keeps_the_typical_path_short_and_points_at_every_form()
    {
        var plan = Content.Plan;
        Assert.InRange(plan.Budget.Screens, 6, 10);
        Assert.All(Enum.GetValues<Form>(), form => Assert.NotEmpty(plan.FollowUps[form]));
        Assert.All(Enum.GetValues<Form>(), form => Assert.Contains(plan.Choices["situation"], o => o.Forms.Contains(form)));
        Assert.Equal(["who", "place", "situation"], plan.Start);
    }

    [Fact]
    public void Nothing_the_bot_sends_exceeds_the_channel_limits()
    {
        foreach (var code in Content.LanguageCodes)
        {
            var pack = Content[code];
            Assert.All(pack.Ui, t => Assert.InRange(t.Value.Length, 1, ContentLoader.MessageLimit));
            for (var page = 0; page < Bot.Dialogs.Rights.RightsCardPages.Count; page++)
            {
                Assert.InRange(Bot.Dialogs.Rights.RightsCardPages.Page(pack, page).Length, 1, ContentLoader.MessageLimit);
            }
            // Option ids travel as "<prompt>.c.<id>" in 64-byte callback data.
            Assert.All(pack.Indicators.Keys, id => Assert.True(System.Text.Encoding.UTF8.GetByteCount(id) <= ContentLoader.IdLimit));
        }
    }

    [Fact]
    public void A_broken_file_is_reported_with_file_line_and_key()
    {
        var copy = CopyContent();
        var file = Path.Combine(copy, "ru", "rights.yaml");
        var lines = File.ReadAllLines(file).ToList();
        var at = lines.FindIndex(l => l.TrimStart().StartsWith("closing:", StringComparison.Ordinal));
        lines[at] = "closing: \"\"";
        File.WriteAllLines(file, lines);

        var error = Assert.Single(ContentLoader.Check(copy, UiKeys.Required));
        Assert.Equal("ru/rights.yaml", error.File);
        Assert.Equal(at + 1, error.Line);
        Assert.Equal("closing", error.Key);
        Assert.Contains("ru/rights.yaml:" + (at + 1) + "  closing", Assert.Throws<ContentException>(() => ContentLoader.Load(copy, UiKeys.Required)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_yaml_and_a_missing_item_are_reported()
    {
        var copy = CopyContent();
        File.AppendAllText(Path.Combine(copy, "en", "ui.yaml"), "\nbroken: [unclosed\n");
        var general = Path.Combine(copy, "kk", "indicators", "general.yaml");
        File.WriteAllText(general, File.ReadAllText(general).Replace("id: general-", "id: General_", StringComparison.Ordinal));

        var errors = ContentLoader.Check(copy, UiKeys.Required);
        Assert.Contains(errors, e => e.File == "en/ui.yaml" && e.Message.StartsWith("not valid YAML", StringComparison.Ordinal) && e.Line > 0);
        Assert.Contains(errors, e => e.File == "kk/indicators/general.yaml" && e.Message.Contains("lowercase", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.File.StartsWith("ru/", StringComparison.Ordinal) && e.Message == "not in kk");
    }

    [Fact]
    public void A_seed_item_split_into_several_questions_shares_its_citation_but_a_gap_is_still_an_error()
    {
        var kk = Content["kk"];
        // general/18 ("deceived, blackmailed, humiliated, ... fines") is asked one idea at a time.
        Assert.True(kk.Indicators.Values.Count(i => i.Cite == "appendix-1/what/general/18") > 1);
        Assert.All(ContentLoader.SectionKeys, key =>
        {
            var numbers = kk.Sections.Single(s => s.Key == key).Items.Select(i => int.Parse(i.Cite.Split('/')[^1], System.Globalization.CultureInfo.InvariantCulture)).Distinct();
            Assert.Equal(Enumerable.Range(1, numbers.Count()), numbers);
        });

        var copy = CopyContent();
        var general = Path.Combine(copy, "kk", "indicators", "general.yaml");
        File.WriteAllText(general, File.ReadAllText(general).Replace("cite: appendix-1/what/general/19", "cite: appendix-1/what/general/20", StringComparison.Ordinal));
        var error = Assert.Single(ContentLoader.Check(copy, UiKeys.Required), e => e.File == "kk/indicators/general.yaml");
        Assert.Equal("general-injuries-beatings", error.Key);
        Assert.Contains("expected appendix-1/what/general/19", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_new_folder_is_a_new_language_checked_against_kazakh_and_warned_about_until_reviewed()
    {
        var copy = CopyContent();
        CopyFolder(Path.Combine(copy, "en"), Path.Combine(copy, "xx"));
        File.WriteAllText(Path.Combine(copy, "xx", "meta.yaml"), "order: 99\nreview:\n  reviewed: false\n");
        File.Delete(Path.Combine(copy, "xx", "operators.yaml"));    // persons only: the console stays in its own languages

        var content = ContentLoader.Load(copy, UiKeys.Required);
        Assert.Equal("xx", content.LanguageCodes[^1]);
        Assert.Equal("kk", content.LanguageCodes[0]);
        Assert.DoesNotContain("xx", content.ConsoleLanguages);
        Assert.Contains(Bot.Host.ContentSetup.BotContentSetup.ReviewLines(content), l => l.StartsWith("warning: xx/meta.yaml", StringComparison.Ordinal));
        Assert.Equal("xx", content.LanguageOf("xx-Latn-ZZ"));
        Assert.Null(content.LanguageOf("xxl"));

        // The same ids and citations as kk, nothing empty, buttons within the channels' limits.
        var general = Path.Combine(copy, "xx", "indicators", "general.yaml");
        File.WriteAllText(general, File.ReadAllText(general).Replace("cite: appendix-1/what/general/19", "cite: appendix-1/what/general/18", StringComparison.Ordinal));
        var ui = Path.Combine(copy, "xx", "ui.yaml");
        var lines = File.ReadAllLines(ui).ToList();
        var ask = lines.FindIndex(l => l.TrimStart().StartsWith("ask:", StringComparison.Ordinal));
        lines[ask] = lines[ask][..lines[ask].IndexOf("ask:", StringComparison.Ordinal)] + "ask: \"\"";
        var button = lines.FindIndex(l => l.TrimStart().StartsWith("change-language:", StringComparison.Ordinal));
        lines[button] = "  change-language: " + new string('x', ContentLoader.ButtonLabelLimit + 1);
        File.WriteAllLines(ui, lines);
        File.WriteAllText(Path.Combine(copy, "xx", "meta.yaml"), "order: 99\nreview:\n  reviewed: true\n");

        var errors = ContentLoader.Check(copy, UiKeys.Required);
        Assert.Contains(errors, e => e.File == "xx/indicators/" && e.Message.Contains("differs from kk", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.File == "xx/ui.yaml" && e.Line == ask + 1 && e.Message == "must be non-empty text");
        Assert.Contains(errors, e => e.File == "xx/ui.yaml" && e.Key == "button.change-language" && e.Message.StartsWith("longer than", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.File == "xx/meta.yaml" && e.Message.Contains("by:", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_language_says_whether_a_native_speaker_has_signed_it_off()
    {
        var lines = Bot.Host.ContentSetup.BotContentSetup.ReviewLines(Content).ToList();
        Assert.Equal(Content.LanguageCodes.Count, lines.Count);
        Assert.All(Content.LanguageCodes.Where(code => !Content[code].Review.Reviewed),
            code => Assert.Contains(lines, l => l.StartsWith($"warning: {code}/meta.yaml", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_shipped_content_is_valid() => Assert.Empty(ContentLoader.Check(TestContent.Path, UiKeys.Required));

    private static string CopyContent()
    {
        var target = Directory.CreateTempSubdirectory("content-").FullName;
        CopyFolder(TestContent.Path, target);
        return target;
    }

    private static void CopyFolder(string source, string target)
    {
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
    }
}
