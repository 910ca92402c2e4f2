using Bot.Content;
using Bot.Tests.Host;
using Microsoft.Playwright;

namespace Bot.Tests.Browser;

/// <summary>One host and one Chromium for the class: each test has a page of its own (its own browser context) and its own conversation.</summary>
public sealed class WebChatBrowserHost : IAsyncLifetime
{
    public HostProcess Host { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    private IPlaywright _playwright = null!;

    public async Task InitializeAsync()
    {
        Host = await HostProcess.StartAsync(settings: new Dictionary<string, string> { ["WebChat:ExitUrl"] = WebChatBrowserTests.ExitUrl });
        _playwright = await Playwright.CreateAsync();
        Browser = await WebChatBrowserTests.LaunchChromiumAsync(_playwright);
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
        await Host.DisposeAsync();
    }
}

/// <summary>Debian's Chromium, driven by Playwright, walks the web chat as a person would.</summary>
public class WebChatBrowserTests(WebChatBrowserHost shared) : IClassFixture<WebChatBrowserHost>
{
    internal const string ExitUrl = "https://neutral.example/weather";

    public static async Task<IBrowser> LaunchChromiumAsync(IPlaywright playwright) =>
        await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium",
            Headless = true,
            // The machine has no internet: keep Chromium from reaching for it.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
        });

    /// <summary>
    /// Waits until <paramref name="predicate"/> (a JavaScript function) returns true in the page. Not Playwright's
    /// WaitForFunctionAsync: its polling calls eval, which our pages' CSP (script-src 'self') refuses.
    /// </summary>
    internal static async Task UntilAsync(IPage page, string predicate, int timeoutMs = 15_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!await page.EvaluateAsync<bool>(predicate))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Still false after {timeoutMs} ms: {predicate}");
            }
            await Task.Delay(100);
        }
    }

    [Theory]
    [InlineData("en")]
    [InlineData("ru")]
    [InlineData("kk")]
    [InlineData("uz")]   // issue 15: the new languages too, the exit button in each
    [InlineData("ky")]
    [InlineData("tg")]
    public async Task A_person_walks_from_the_greeting_to_the_rights_card_and_leaves_by_quick_exit(string language)
    {
        var pack = TestContent.Content[language];
        var (host, browser) = (shared.Host, shared.Browser);
        await using var context = await browser.NewContextAsync(new() { Locale = language, ViewportSize = new() { Width = 360, Height = 640 } });
        var page = await context.NewPageAsync();
        await page.RouteAsync(ExitUrl, route => route.FulfillAsync(new() { Body = "<title>Weather</title>", ContentType = "text/html" }));
        await page.GotoAsync(host.BaseAddress.ToString());

        var log = page.GetByRole(AriaRole.Log);
        await Assertions.Expect(log).ToContainTextAsync(pack.Text("privacy.ask").Split('\n')[0]);
        foreach (var key in new[] { "continue", "safe", "rights-only" })
        {
            await page.GetByRole(AriaRole.Button, new() { Name = pack.Text("button." + key), Exact = true }).ClickAsync();
        }
        await Assertions.Expect(log).ToContainTextAsync(pack.Text("rights.summary").Split('\n')[0]);
        await page.GetByRole(AriaRole.Button, new() { Name = pack.Text("button.next"), Exact = true }).ClickAsync();
        await Assertions.Expect(log).ToContainTextAsync(pack.Rights.Title);
        await page.GetByRole(AriaRole.Button, new() { Name = pack.Text("button.next"), Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = pack.Text("button.next"), Exact = true }).ClickAsync();
        await Assertions.Expect(log).ToContainTextAsync(pack.Rights.Closing);
        Assert.NotEqual("null", await page.EvaluateAsync<string>("() => String(sessionStorage.getItem('chat'))"));

        // The exit in the person's language once it is known (web.exit), the only "Exit" on the page.
        await page.GetByRole(AriaRole.Button, new() { Name = "✕ " + pack.Text("web.exit"), Exact = true }).ClickAsync();
        // Left once the neutral page is committed and shown; its "load" event says nothing more about the exit.
        await page.WaitForURLAsync(ExitUrl, new() { WaitUntil = WaitUntilState.Commit });
        await Assertions.Expect(page).ToHaveTitleAsync("Weather");
        await page.GoBackAsync();   // location.replace: "back" must not return to the chat
        Assert.NotEqual(host.BaseAddress.ToString(), page.Url);
    }

    [Fact]
    public async Task A_page_whose_token_has_expired_starts_a_new_conversation()
    {
        var (host, browser) = (shared.Host, shared.Browser);
        await using var context = await browser.NewContextAsync(new() { Locale = "en" });
        var page = await context.NewPageAsync();
        var privacy = TestContent.Content["en"].Text("privacy.ask").Split('\n')[0];
        await page.GotoAsync(host.BaseAddress.ToString());
        await Assertions.Expect(page.GetByRole(AriaRole.Log)).ToContainTextAsync(privacy);
        var before = await page.EvaluateAsync<string>("() => JSON.parse(sessionStorage.getItem('chat')).id");

        // As after an hour asleep: the stored token no longer opens the conversation.
        await page.EvaluateAsync("() => { const s = JSON.parse(sessionStorage.getItem('chat')); s.token = 'expired'; sessionStorage.setItem('chat', JSON.stringify(s)); }");
        await page.ReloadAsync();
        await UntilAsync(page, $"() => JSON.parse(sessionStorage.getItem('chat') || 'null')?.id !== '{before}'");
        await Assertions.Expect(page.GetByRole(AriaRole.Log)).ToContainTextAsync(privacy);
    }

    [Fact]
    public async Task Typed_text_is_shown_as_text_never_as_html()
    {
        var (host, browser) = (shared.Host, shared.Browser);
        await using var context = await browser.NewContextAsync(new() { Locale = "en" });
        var page = await context.NewPageAsync();
        var dialogs = 0;
        page.Dialog += (_, dialog) => { dialogs++; _ = dialog.DismissAsync(); };
        await page.GotoAsync(host.BaseAddress.ToString());
        await Assertions.Expect(page.GetByRole(AriaRole.Log)).ToContainTextAsync(TestContent.Content["en"].Text("privacy.ask").Split('\n')[0]);

        await page.GetByLabel("Message").FillAsync("<img src=x onerror=alert(1)>");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Log)).ToContainTextAsync("<img src=x onerror=alert(1)>");
        await Assertions.Expect(page.GetByRole(AriaRole.Log)).ToContainTextAsync(TestContent.Content["en"].Text("input.choose"));
        Assert.Equal(0, await page.Locator("#log img").CountAsync());
        Assert.Equal(0, dialogs);
    }
}
