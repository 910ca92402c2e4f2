using Bot.Tests.Host;
using Microsoft.Playwright;
using static Bot.Tests.Host.Operators.OperatorHarness;

namespace Bot.Tests.Browser;

/// <summary>
/// Issue 15, item 6, in Debian's Chromium: a person writes in Tajik to a hotline whose operator on shift reads Kazakh and
/// Russian; the queue warns, the ticket says the person's language, the canned replies are Tajik, and once the operator
/// declares Tajik in their account the warning goes.
/// </summary>
public class OperatorLanguagesBrowserTests
{
    [Theory]
    [InlineData("kk")]
    [InlineData("ru")]
    public async Task A_ticket_in_a_language_nobody_on_shift_reads_is_marked_in_the_queue_until_the_operator_declares_it(string language)
    {
        var (words, tajik) = (TestContent.Content[language], TestContent.Content["tg"]);
        await using var host = await HostProcess.StartAsync();
        var (code, added) = await AddOperatorAsync(host, "olga", "hotline", "f", "Olga", OperatorShiftBrowserTests.Password, reads: "kk,ru");
        Assert.True(code == 0, added);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await WebChatBrowserTests.LaunchChromiumAsync(playwright);
        var console = await OperatorShiftBrowserTests.SignInAsync(browser, host, "olga", language);

        await OperatorShiftBrowserTests.PersonAsync(host, "tg", danger: false, child: false, "hotline");
        var ticket = console.Locator("#tickets .ticket").First;
        var warning = ticket.Locator(".badge.no-reader");
        await Assertions.Expect(warning).ToHaveTextAsync("✎ " + words.Operator("flag.no-reader", ("language", words.Operator("person.tg"))),
            new() { Timeout = 15_000 });
        await Assertions.Expect(ticket.Locator(".line")).ToContainTextAsync(words.Operator("person.tg"));

        // The ticket says whose language it is; "/" offers the canned replies in Tajik.
        await ticket.ClickAsync();
        await console.Locator("#claim").ClickAsync();
        await Assertions.Expect(console.Locator("#side .person").First)
            .ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^" + System.Text.RegularExpressions.Regex.Escape(
                words.Operator("ticket.speaks", ("language", words.Operator("person.tg"))))));
        await console.Locator("#reply").FillAsync("/");
        var canned = tajik.Ui.Where(p => p.Key.StartsWith("operator.canned.", StringComparison.Ordinal)).OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => p.Value).ToArray();
        await Assertions.Expect(console.Locator("#canned li")).ToHaveTextAsync(canned);

        // The operator declares Tajik in the account screen: the warning goes, and the account keeps it across a reload.
        await console.Locator("#account summary").ClickAsync();
        await console.GetByRole(AriaRole.Checkbox, new() { Name = words.Operator("person.tg"), Exact = true }).CheckAsync();
        await console.GetByRole(AriaRole.Button, new() { Name = words.Operator("account.save"), Exact = true }).ClickAsync();
        await Assertions.Expect(console.Locator("#said")).ToHaveTextAsync(words.Operator("account.saved"));
        await Assertions.Expect(warning).ToHaveCountAsync(0);
        await console.ReloadAsync();
        await Assertions.Expect(console.Locator("#take-next")).ToBeVisibleAsync();
        await Assertions.Expect(console.Locator("#tickets .ticket").First).ToBeVisibleAsync();
        await Assertions.Expect(warning).ToHaveCountAsync(0);
        await console.Locator("#account summary").ClickAsync();
        await Assertions.Expect(console.GetByRole(AriaRole.Checkbox, new() { Name = words.Operator("person.tg"), Exact = true })).ToBeCheckedAsync();
        await Assertions.Expect(console.GetByRole(AriaRole.Checkbox, new() { Name = words.Operator("person.uz"), Exact = true })).Not.ToBeCheckedAsync();
    }
}
