using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Bot.Content;
using Bot.Tests.Host;
using System.Net.Http.Json;
using Microsoft.Playwright;
using static Bot.Tests.Host.Operators.OperatorHarness;

namespace Bot.Tests.Browser;

/// <summary>
/// Issue 12, item 9: the web page on a 360 × 740 phone. Erasing and quick exit leave nothing on the page or in the tab's storage,
/// the numbers are phone links, the page speaks the conversation's language, the buttons carry the numbers the bot says to type,
/// and a message too long to send is refused before it is sent, with the text kept.
/// </summary>
public class WebChatPageBrowserTests
{
    private static Task<IPage> PhoneAsync(IBrowser browser, string locale) =>
        browser.NewPageAsync(new() { Locale = locale, ViewportSize = new() { Width = 360, Height = 740 } });

    private static ILocator Button(IPage page, LanguagePack pack, string key) =>
        page.GetByRole(AriaRole.Button, new() { Name = pack.Text("button." + key), Exact = true }).Last;

    private static Task<string?> StoredChatAsync(IPage page) => page.EvaluateAsync<string?>("() => sessionStorage.getItem('chat')");

    private static async Task SendAsync(IPage page, string text)
    {
        await page.GetByLabel("Message").FillAsync(text);
        await page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
    }

    [Fact]
    public async Task On_a_phone_the_numbers_are_links_the_buttons_numbered_the_waiting_line_said_once_and_forget_leaves_an_empty_page_and_storage()
    {
        var ru = TestContent.Content["ru"];
        await using var host = await HostProcess.StartAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await WebChatBrowserTests.LaunchChromiumAsync(playwright);
        var page = await PhoneAsync(browser, "ru");
        await page.GotoAsync(host.BaseAddress.ToString());
        var log = page.GetByRole(AriaRole.Log);

        // The privacy line names the page's buttons, as the page shows them, not the commands.
        await Assertions.Expect(log).ToContainTextAsync(ru.Text("privacy.ask.web").Split('\n')[^1]);
        await Assertions.Expect(log).Not.ToContainTextAsync("/exit");
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "ru");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "✕ " + ru.Text("web.exit"), Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = ru.Text("web.forget"), Exact = true })).ToBeVisibleAsync();

        // "Or type its number": each button shows its number, and typing it is that button.
        await Assertions.Expect(page.Locator("#log .options button .n")).ToHaveTextAsync(["1", "2"]);
        await Assertions.Expect(page.Locator("#log .options button").First).ToHaveTextAsync("1" + ru.Text("button.continue"));
        await SendAsync(page, "1");
        await Assertions.Expect(log).ToContainTextAsync(ru.Text("safety.ask"));

        await Button(page, ru, "danger").ClickAsync();
        await Assertions.Expect(page.Locator("#log a[href='tel:102']").First).ToHaveTextAsync("102");
        await Assertions.Expect(page.Locator("#log a[href='tel:112']").First).ToHaveTextAsync("112");
        await Button(page, ru, "talk-now").ClickAsync();
        await Assertions.Expect(page.Locator("#log a[href='tel:11616']").First).ToHaveTextAsync("116 16");
        await page.GetByRole(AriaRole.Button, new() { Name = ru.Text("button.woman") + " · " + ru.Text("button.hotline"), Exact = true }).ClickAsync();
        await Button(page, ru, "agree").ClickAsync();
        var looking = ru.Text("waiting.ask").Split('\n')[0];
        await Assertions.Expect(log).ToContainTextAsync(looking);
        await SendAsync(page, "Мне страшно, тут кто-нибудь есть?");
        await Assertions.Expect(log).ToContainTextAsync(ru.Text("waiting.saved"));
        // One "we are looking for a person" line, not two in a row (the line where the answers went says only that).
        await Assertions.Expect(page.Locator("#log .msg", new() { HasText = looking })).ToHaveCountAsync(1);

        // An operator's words: a number in them is a link, anything like HTML stays text.
        var dialogs = 0;
        page.Dialog += (_, dialog) => { dialogs++; _ = dialog.DismissAsync(); };
        using var hotline = await OperatorAsync(host, "aigerim", name: "Айгерим");
        var ticket = (await WaitForTicketAsync(hotline)).GetProperty("id").GetString();
        (await hotline.PostAsync($"api/operator/tickets/{ticket}/claim", null)).EnsureSuccessStatusCode();
        const string said = "<img src=x onerror=alert(1)> Если что, звоните 102.";
        (await hotline.PostAsJsonAsync($"api/operator/tickets/{ticket}/messages", new { text = said })).EnsureSuccessStatusCode();
        var words = page.Locator("#log .msg.operator");
        await Assertions.Expect(words).ToContainTextAsync(said);
        await Assertions.Expect(words.Locator("a[href='tel:102']")).ToHaveTextAsync("102");
        Assert.Equal(0, await page.Locator("#log img").CountAsync());
        Assert.Equal(0, dialogs);
        await page.ScreenshotAsync(new() { Path = Path.Combine(OperatorShiftBrowserTests.Artefacts, "webchat-operator-ru.png") });

        var before = JsonDocument.Parse((await StoredChatAsync(page))!).RootElement;
        await SendAsync(page, "/forget");
        await Assertions.Expect(page.Locator("#log .msg")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#log .msg")).ToContainTextAsync(ru.Text("forget.done"));
        Assert.Null(await StoredChatAsync(page));
        Assert.Equal("", await page.GetByLabel("Message").InputValueAsync());
        // On the host too: the old conversation's token opens nothing.
        using (var request = new HttpRequestMessage(HttpMethod.Get, $"v3/directline/conversations/{before.GetProperty("id").GetString()}"))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", before.GetProperty("token").GetString());
            Assert.Equal(HttpStatusCode.Unauthorized, (await host.Http.SendAsync(request)).StatusCode);
        }

        // A new conversation only when the person asks for one.
        await Button(page, ru, "start-again").ClickAsync();
        await Assertions.Expect(log).ToContainTextAsync(ru.Text("privacy.ask.web").Split('\n')[0]);
        Assert.NotEqual(before.GetProperty("id").GetString(),
            JsonDocument.Parse((await StoredChatAsync(page))!).RootElement.GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_message_whose_answer_is_lost_is_sent_once_more_by_the_page_and_handled_once()
    {
        var en = TestContent.Content["en"];
        await using var host = await HostProcess.StartAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await WebChatBrowserTests.LaunchChromiumAsync(playwright);
        var page = await PhoneAsync(browser, "en");
        var posts = 0;
        // A weak signal: the first message reaches the host, but its answer never reaches the phone.
        await page.RouteAsync("**/activities", async route =>
        {
            if (route.Request.Method == "POST" && Interlocked.Increment(ref posts) == 1)
            {
                await route.FetchAsync();
                await route.AbortAsync();
                return;
            }
            await route.ContinueAsync();
        });
        await page.GotoAsync(host.BaseAddress.ToString());
        var log = page.GetByRole(AriaRole.Log);
        await Assertions.Expect(log).ToContainTextAsync(en.Text("privacy.ask.web").Split('\n')[0]);

        await Button(page, en, "continue").ClickAsync();
        await Assertions.Expect(log).ToContainTextAsync(en.Text("safety.ask"));
        for (var deadline = DateTime.UtcNow.AddSeconds(30); Volatile.Read(ref posts) < 2; await Task.Delay(100))
        {
            Assert.True(DateTime.UtcNow < deadline, "the page did not send the message again");
        }
        // The next press is answered after whatever the second try brought, so a second turn would show by now.
        await Button(page, en, "safe").ClickAsync();
        await Assertions.Expect(log).ToContainTextAsync(en.Text("role.ask"));

        await Assertions.Expect(page.Locator("#log .msg", new() { HasText = en.Text("safety.ask") })).ToHaveCountAsync(1);
        await Assertions.Expect(log).Not.ToContainTextAsync(en.Text("input.expired"));
        await Assertions.Expect(log).Not.ToContainTextAsync(en.Text("web.not-sent"));
        Assert.Equal(3, Volatile.Read(ref posts));
    }

    [Fact]
    public async Task Quick_exit_empties_the_page_and_storage_and_another_tab_of_that_conversation_starts_clean_without_an_error()
    {
        var kk = TestContent.Content["kk"];
        await using var host = await HostProcess.StartAsync(settings: new Dictionary<string, string> { ["WebChat:ExitUrl"] = "/left" });
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await WebChatBrowserTests.LaunchChromiumAsync(playwright);
        await using var context = await browser.NewContextAsync(new() { Locale = "kk", ViewportSize = new() { Width = 360, Height = 740 } });
        // A page of the chat's own origin: its sessionStorage is the chat's.
        await context.RouteAsync("**/left", route => route.FulfillAsync(new() { Body = "<title>Weather</title>", ContentType = "text/html" }));
        var page = await context.NewPageAsync();
        await page.GotoAsync(host.BaseAddress.ToString());
        var log = page.GetByRole(AriaRole.Log);
        await Assertions.Expect(log).ToContainTextAsync(kk.Text("privacy.ask.web").Split('\n')[0]);
        await Button(page, kk, "continue").ClickAsync();
        await Assertions.Expect(log).ToContainTextAsync(kk.Text("safety.ask"));
        var stored = (await StoredChatAsync(page))!;
        var id = JsonDocument.Parse(stored).RootElement.GetProperty("id").GetString();

        // The same conversation in a second tab (as a duplicated tab has it), open when the person leaves from the first.
        var other = await context.NewPageAsync();
        await other.AddInitScriptAsync($"if (!sessionStorage.getItem('chat')) sessionStorage.setItem('chat', {JsonSerializer.Serialize(stored)});");
        await other.GotoAsync(host.BaseAddress.ToString());
        var otherLog = other.GetByRole(AriaRole.Log);
        await Assertions.Expect(otherLog).ToContainTextAsync(kk.Text("safety.ask"));

        await page.GetByRole(AriaRole.Button, new() { Name = "✕ " + kk.Text("web.exit"), Exact = true }).ClickAsync();
        await page.WaitForURLAsync("**/left", new() { WaitUntil = WaitUntilState.Commit });
        await Assertions.Expect(page).ToHaveTitleAsync("Weather");
        Assert.Null(await StoredChatAsync(page));

        // The second tab's token now gets 401 and its stream is closed: that conversation was left, which is no error.
        // It starts clean: none of the old conversation on the screen or in its storage.
        await Assertions.Expect(otherLog).Not.ToContainTextAsync(kk.Text("safety.ask"));
        await Assertions.Expect(otherLog).ToContainTextAsync(kk.Text("privacy.ask.web").Split('\n')[0]);
        await Assertions.Expect(other.Locator("#log .msg")).ToHaveCountAsync(1);
        Assert.NotEqual(id, JsonDocument.Parse((await StoredChatAsync(other))!).RootElement.GetProperty("id").GetString());
        await Assertions.Expect(otherLog).Not.ToContainTextAsync("⚠");
    }

    [Fact]
    public async Task The_page_follows_the_chosen_language_with_its_buttons_on_screen_and_refuses_a_message_too_long_to_send_keeping_the_text()
    {
        var (en, uz) = (TestContent.Content["en"], TestContent.Content["uz"]);
        await using var host = await HostProcess.StartAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await WebChatBrowserTests.LaunchChromiumAsync(playwright);
        var page = await PhoneAsync(browser, "en");
        await page.GotoAsync(host.BaseAddress.ToString());
        var log = page.GetByRole(AriaRole.Log);
        await Assertions.Expect(log).ToContainTextAsync(en.Text("privacy.ask.web").Split('\n')[0]);
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");

        await Button(page, en, "change-language").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = uz.Text("language.name"), Exact = true }).ClickAsync();
        await Assertions.Expect(log).ToContainTextAsync(uz.Text("privacy.ask.web").Split('\n')[0]);
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "uz");
        await Assertions.Expect(page.Locator("#quick-exit")).ToHaveTextAsync("✕ " + uz.Text("web.exit"));
        await Assertions.Expect(page.Locator("#forget")).ToHaveTextAsync(uz.Text("web.forget"));
        // The longest labels still fit a 360 px phone, side by side in the header.
        var (exit, erase) = ((await page.Locator("#quick-exit").BoundingBoxAsync())!, (await page.Locator("#forget").BoundingBoxAsync())!);
        Assert.InRange(exit.X + exit.Width, 0, 360);
        Assert.InRange(erase.X + erase.Width, 0, exit.X);
        Assert.Equal(exit.Y + exit.Height / 2, erase.Y + erase.Height / 2, 1.0);
        await page.ScreenshotAsync(new() { Path = Path.Combine(OperatorShiftBrowserTests.Artefacts, "webchat-header-uz.png") });

        var messages = await page.Locator("#log .msg").CountAsync();
        var story = string.Concat(Enumerable.Repeat("Меня привезли сюда работать, паспорт забрали. ", 100));   // 4,700 characters
        Assert.True(story.Length > 4096);
        await SendAsync(page, story);
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync(uz.Text("web.too-long", ("max", "4096")));
        Assert.Equal(story.Trim(), (await page.GetByLabel("Message").InputValueAsync()).Trim());   // nothing lost, nothing cut
        Assert.Equal(messages, await page.Locator("#log .msg").CountAsync());   // nothing sent

        // Split, it goes: the first part is sent whole.
        var part = story[..4000];
        await page.GetByLabel("Message").FillAsync(part);
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToBeHiddenAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        await Assertions.Expect(page.Locator("#log .msg.me").Last).ToHaveTextAsync(part.Trim());
        await Assertions.Expect(log).ToContainTextAsync(uz.Text("input.choose"));
    }
}
