using System.Net.Http.Json;
using Bot.Tests.Host;
using Microsoft.Playwright;
using static Bot.Tests.Host.Operators.OperatorHarness;

namespace Bot.Tests.Browser;

/// <summary>Issue 12, item 8: on the web page an operator's message is a person's, not the bot's: their name, their role, their own bubble.</summary>
public class OperatorLabelBrowserTests
{
    [Fact]
    public async Task On_a_phone_an_operators_message_shows_their_name_and_role_in_a_bubble_of_its_own_also_after_a_reload()
    {
        var kk = TestContent.Content["kk"];
        await using var host = await HostProcess.StartAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await WebChatBrowserTests.LaunchChromiumAsync(playwright);
        var page = await browser.NewPageAsync(new() { Locale = "kk", ViewportSize = new() { Width = 360, Height = 740 } });
        await page.GotoAsync(host.BaseAddress.ToString());
        var log = page.GetByRole(AriaRole.Log);
        await Assertions.Expect(log).ToContainTextAsync(kk.Text("privacy.ask").Split('\n')[0]);
        foreach (var key in new[] { "continue", "safe", "self", "adult", "in-kazakhstan", "stop", "talk", "woman", "hotline", "agree" })
        {
            await page.GetByRole(AriaRole.Button, new() { Name = kk.Text("button." + key), Exact = true }).Last.ClickAsync();
        }
        await Assertions.Expect(log).ToContainTextAsync(kk.Text("waiting.ask"));

        using var hotline = await OperatorAsync(host, "aigerim", name: "Айгерім");
        var id = (await WaitForTicketAsync(hotline)).GetProperty("id").GetString();
        (await hotline.PostAsync($"api/operator/tickets/{id}/claim", null)).EnsureSuccessStatusCode();
        (await hotline.PostAsJsonAsync($"api/operator/tickets/{id}/messages", new { text = "Сәлеметсіз бе. Мен осындамын." })).EnsureSuccessStatusCode();

        var said = page.Locator("#log .msg.operator");
        await Assertions.Expect(said).ToHaveCountAsync(1, new() { Timeout = 15_000 });
        await Assertions.Expect(said.Locator(".who")).ToHaveTextAsync(kk.Text("operator.says.hotline", ("name", "Айгерім")));
        await Assertions.Expect(said).ToContainTextAsync("Сәлеметсіз бе. Мен осындамын.");
        // The bot's "an operator has joined" stays the bot's; the operator's own bubble looks different (colour and a border).
        await Assertions.Expect(page.Locator("#log .msg.bot", new() { HasText = "Айгерім" })).ToHaveCountAsync(1);
        const string look = "e => { const s = getComputedStyle(e); return s.backgroundColor + ' ' + s.borderLeftWidth; }";
        Assert.NotEqual(await page.Locator("#log .msg.bot").First.EvaluateAsync<string>(look), await said.EvaluateAsync<string>(look));
        await page.ScreenshotAsync(new() { Path = Path.Combine(OperatorShiftBrowserTests.Artefacts, "webchat-operator-kk.png") });

        await page.ReloadAsync();   // the transcript of the tab keeps who said what
        await Assertions.Expect(page.Locator("#log .msg.operator .who")).ToHaveTextAsync(kk.Text("operator.says.hotline", ("name", "Айгерім")));
    }
}
