using System.Text.RegularExpressions;
using Bot.Content;

namespace Bot.Tests.Content;

/// <summary>The operators' pages take every word from operators.yaml: a key the pages use and the content lacks would show as a raw id.</summary>
public partial class OperatorStringsTests
{
    private static readonly string Root = AppContext.BaseDirectory;

    [GeneratedRegex(@"\bt\('(?<key>[a-z0-9.-]+)'")]
    private static partial Regex ScriptKey();

    [GeneratedRegex(@"\{\{t:(?<key>[a-z0-9.-]+)\}\}")]
    private static partial Regex PageKey();

    [GeneratedRegex(@"\bt\('(?<prefix>[a-z0-9-]+\.[a-z0-9-]*)' \+")]
    private static partial Regex ScriptPrefix();

    [Fact]
    public void Every_key_the_console_sign_in_and_supervisor_pages_use_is_in_every_language()
    {
        var script = File.ReadAllText(Path.Combine(Root, "wwwroot", "operators", "console.js"));
        var pages = string.Concat(Directory.GetFiles(Path.Combine(Root, "Operators"), "*.html").Select(File.ReadAllText));
        var used = ScriptKey().Matches(script).Concat(PageKey().Matches(pages)).Select(m => m.Groups["key"].Value)
            .Where(key => !key.EndsWith('.') && !key.EndsWith('-')).ToHashSet();   // a prefix: its values are listed below
        Assert.True(used.Count > 80, $"only {used.Count} keys found: the pattern no longer matches the script");
        // Keys made of a prefix and a value: every value the host can send.
        var values = new Dictionary<string, string[]>
        {
            ["status."] = [.. Enum.GetNames<Bot.Host.Operators.TicketStatus>(), "Ended"],
            ["level."] = Enum.GetNames<Bot.Dialogs.Level>(),
            ["team."] = Enum.GetNames<Bot.Dialogs.Destination>(),
            ["ticket.transfer-"] = Enum.GetNames<Bot.Dialogs.Destination>(),
            ["ticket.referral-"] = Enum.GetNames<Bot.Dialogs.Destination>(),
            ["channel."] = ["webchat", "telegram", "botframework"],
            ["role."] = Enum.GetNames<Bot.Dialogs.Role>(),
            ["person."] = [.. TestContent.Content.LanguageCodes],
            ["disposition."] = [.. Bot.Host.Operators.Dispositions.All],
            ["summary."] = ["who", "where", "what"],
            ["audit-reason."] = ["outside-hours", "no-claim"],
            ["audit-gender."] = ["Woman", "Man"],
            ["audit."] = ["created", "viewed", "listed", "claimed", "gender-override", "blocked", "operator-message", "user-message", "transferred",
                "note", "police-note", "safe-place-asked", "referred", "ended", "closed", "no-operator-told", "quick-exit", "cancelled", "forgotten"],
        };
        foreach (var prefix in ScriptPrefix().Matches(script).Select(m => m.Groups["prefix"].Value).Distinct())
        {
            Assert.True(values.ContainsKey(prefix), $"the script builds keys from '{prefix}' + …: list its values here");
            used.UnionWith(values[prefix].Select(v => prefix + v));
        }
        foreach (var code in TestContent.Content.ConsoleLanguages)
        {
            var missing = used.Where(key => !TestContent.Content[code].Operators.ContainsKey(key)).Order().ToList();
            Assert.True(missing.Count == 0, $"{code}/operators.yaml lacks: {string.Join(", ", missing)}");
        }
    }
}
