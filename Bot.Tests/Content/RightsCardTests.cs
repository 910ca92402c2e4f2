using System.Text.RegularExpressions;
using Bot.Content;

namespace Bot.Tests.Content;

/// <summary>
/// The Kazakh information card is the seed's Appendix 2, item by item: the same words (order aside:
/// the seed's text layer has a few lines out of order), nothing added, nothing lost. A drift fails here.
/// </summary>
public partial class RightsCardTests
{
    private const string SeedFile = "referral-rules-2024-kk.txt";

    private sealed record SeedCard(IReadOnlyList<string> Rights, IReadOnlyList<string> Duties, string Closing);

    // The seed sits in shared/ beside the repository (../shared/seed in CI; higher up from a worktree).
    private static string SeedPath()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, "shared", "seed", SeedFile);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException($"shared/seed/{SeedFile} not found above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex(@"^\s*(?<n>\d+)\)\s+(?<text>.*)$")]
    private static partial Regex ItemLine();

    [GeneratedRegex(@"^\s*2\.\s+Адам саудасының құрбаны ретінде сәйкестендірілген адам:")]
    private static partial Regex DutiesHeading();

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex Word();

    private static SeedCard ReadSeed()
    {
        var lines = File.ReadAllLines(SeedPath());
        var start = Array.FindIndex(lines, l => l.Trim() == "АҚПАРАТТЫҚ КАРТОЧКА");
        Assert.True(start > 0, "Appendix 2 heading not found in the seed");
        List<string> rights = [], duties = [];
        var closing = new List<string>();
        var current = rights;
        List<string>? item = null;
        var items = new List<(List<string> List, List<string> Words)>();
        foreach (var line in lines.Skip(start + 1))
        {
            if (DutiesHeading().IsMatch(line))
            {
                current = duties;
                item = null;
                continue;
            }
            if (line.TrimStart().StartsWith("Егер сіз", StringComparison.Ordinal))
            {
                item = closing;
            }
            else if (ItemLine().Match(line) is { Success: true } match && item != closing)
            {
                item = [match.Groups["text"].Value];
                items.Add((current, item));
                continue;
            }
            item?.Add(line);
        }
        foreach (var (list, words) in items)
        {
            list.Add(string.Join(" ", words));
        }
        return new SeedCard(rights, duties, string.Join(" ", closing));
    }

    private static List<string> Words(string text) =>
        Word().Matches(text.ToLowerInvariant()).Select(m => m.Value).Order(StringComparer.Ordinal).ToList();

    [Fact]
    public void The_kazakh_card_is_the_seeds_appendix_2_item_by_item()
    {
        var seed = ReadSeed();
        var card = TestContent.Content["kk"].Rights;
        Assert.Equal(17, seed.Rights.Count);
        Assert.Equal(2, seed.Duties.Count);

        for (var n = 1; n <= 17; n++)
        {
            var expected = seed.Rights[n - 1];
            // The seed's list runs "адамның: 1) ...; 17) ... құқығы бар.": the frame lives in the intro.
            if (n == 17)
            {
                expected = expected.Replace("құқығы бар", "", StringComparison.Ordinal);
            }
            Assert.True(Words(expected).SequenceEqual(Words(card.Rights[n - 1].Text)),
                $"right {n} differs from the seed:\n  seed: {expected}\n  card: {card.Rights[n - 1].Text}");
        }
        // The duties bind only the identified person: the seed's heading is part of each duty.
        const string heading = "Адам саудасының құрбаны ретінде сәйкестендірілген адам";
        for (var n = 1; n <= 2; n++)
        {
            var expected = heading + " " + seed.Duties[n - 1] + (seed.Duties[n - 1].Contains("міндетті", StringComparison.Ordinal) ? "" : " міндетті");
            Assert.True(Words(expected).SequenceEqual(Words(card.Duties[n - 1].Text)),
                $"duty {n} differs from the seed:\n  seed: {expected}\n  card: {card.Duties[n - 1].Text}");
        }
        Assert.True(Words(seed.Closing).SequenceEqual(Words(card.Closing)), $"closing differs:\n  seed: {seed.Closing}\n  card: {card.Closing}");
        Assert.Contains("17-бабына", card.Intro, StringComparison.Ordinal);
        Assert.Contains("сәйкестендірілген", card.Intro, StringComparison.Ordinal);
    }

    [Fact]
    public void The_comparison_catches_an_added_sentence_and_a_lost_word()
    {
        var seed = ReadSeed();
        var right16 = TestContent.Content["kk"].Rights.Rights[15].Text;
        Assert.True(Words(seed.Rights[15]).SequenceEqual(Words(right16)));
        Assert.False(Words(seed.Rights[15]).SequenceEqual(Words(right16 + " Әдетте алдымен жоғары тұрған органға, содан кейін сотқа шағымданады.")));
        var right1 = TestContent.Content["kk"].Rights.Rights[0].Text;
        Assert.False(Words(seed.Rights[0]).SequenceEqual(Words(right1.Replace("субъектілері", "органдары", StringComparison.Ordinal))));
    }

    [Theory]
    [InlineData("ru", "идентифицирован", "О государственной защите лиц, участвующих в уголовном процессе", "просим")]
    [InlineData("en", "identified", "On State Protection of Persons Participating in Criminal Proceedings", "please")]
    public void Every_language_keeps_the_identified_scope_the_law_of_right_7_and_the_request(string code, string identified, string law, string request)
    {
        var card = TestContent.Content[code].Rights;
        Assert.All(card.Duties, d => Assert.Contains(identified, d.Text, StringComparison.OrdinalIgnoreCase));
        Assert.Contains(law, card.Rights[6].Text, StringComparison.Ordinal);
        Assert.Contains(request, card.Closing, StringComparison.OrdinalIgnoreCase);
        // One sentence per item, as in the seed: nothing appended to right 16 or any other.
        Assert.All(card.Rights.Concat(card.Duties), item => Assert.Single(Regex.Matches(item.Text, @"[.!?](\s|$)")));
    }
}
