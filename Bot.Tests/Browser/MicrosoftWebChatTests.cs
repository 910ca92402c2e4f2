using System.Net.Http.Json;
using System.Text.Json;
using Bot.Content;
using Bot.Tests.Host;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Bot.Tests.Host.Operators.OperatorHarness;

namespace Bot.Tests.Browser;

/// <summary>
/// Microsoft's Web Chat (botframework-webchat from npm, installed by scripts/test.sh) in Debian's Chromium, embedded in a
/// test-only page on another loopback origin as a website would embed it, pointed at the host with createDirectLine.
/// </summary>
public class MicrosoftWebChatTests
{
    private static readonly LanguagePack En = TestContent.Content["en"];

    private static string Button(string key) => En.Text("button." + key);

    private static string RepoFolder(string below)
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (Directory.Exists(Path.Combine(folder.FullName, "Bot.Tests", below)))
            {
                return Path.Combine(folder.FullName, "Bot.Tests", below);
            }
        }
        throw new DirectoryNotFoundException("Bot.Tests/" + below + " not found above " + AppContext.BaseDirectory);
    }

    // The website's page: Web Chat's own bundle, a store that counts the activities Web Chat saw echoed (sent) or failed.
    private const string Page = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>An NGO's website</title><script src="/webchat.js"></script></head>
        <body style="margin:0"><div id="webchat" style="height:100vh"></div>
        <script>
          const query = new URLSearchParams(location.search);
          window.sent = { fulfilled: 0, rejected: 0 };
          window.pressed = [];   // [text, displayText] of each echoed press
          const echoed = activity => activity.from.role === 'user' && activity.value !== undefined
            && window.pressed.push([activity.text || '', (activity.channelData.messageBack || {}).displayText || '']);
          const store = window.WebChat.createStore({}, () => next => action => {
            if (action.type === 'DIRECT_LINE/POST_ACTIVITY_FULFILLED') window.sent.fulfilled++;
            if (action.type === 'DIRECT_LINE/POST_ACTIVITY_REJECTED') window.sent.rejected++;
            if (action.type === 'DIRECT_LINE/INCOMING_ACTIVITY') echoed(action.payload.activity);
            return next(action);
          });
          window.WebChat.renderWebChat({
            directLine: window.WebChat.createDirectLine({ token: query.get('token'), domain: query.get('domain'), webSocket: query.get('webSocket') === 'true' }),
            store,
            locale: 'en-US',
          }, document.getElementById('webchat'));
        </script></body></html>
        """;

    /// <summary>The website: this page and webchat.js, on a loopback origin of its own.</summary>
    private static async Task<WebApplication> StartWebsiteAsync()
    {
        var bundle = Path.Combine(RepoFolder("WebChat"), "node_modules", "botframework-webchat", "dist", "webchat.js");
        Assert.True(File.Exists(bundle), "run `npm ci` in Bot.Tests/WebChat (scripts/test.sh does)");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var site = builder.Build();
        site.MapGet("/", () => Results.Content(Page, "text/html"));
        site.MapGet("/webchat.js", () => Results.File(bundle, "text/javascript"));
        await site.StartAsync();
        return site;
    }

    private static string Origin(WebApplication site) =>
        site.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Web_chat_walks_to_the_rights_card_and_an_operators_reply_and_a_file_gets_a_polite_refusal(bool webSocket)
    {
        await using var site = await StartWebsiteAsync();
        var origin = Origin(site);
        await using var host = await HostProcess.StartAsync(settings: new Dictionary<string, string> { ["WebChat:AllowedOrigins:0"] = origin });
        // What the website's server does: a token for one new conversation.
        using var generate = new HttpRequestMessage(HttpMethod.Post, "v3/directline/tokens/generate");
        generate.Headers.AcceptLanguage.ParseAdd("en");
        using var generated = await host.Http.SendAsync(generate);
        var token = (await generated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await WebChatBrowserTests.LaunchChromiumAsync(playwright);
        var page = await browser.NewPageAsync(new() { Locale = "en-US", ViewportSize = new() { Width = 480, Height = 900 } });
        var failures = new List<string>();
        page.Response += (_, response) =>
        {
            if (response.Status >= 500)
            {
                lock (failures)
                {
                    failures.Add($"{response.Status} {response.Url}");
                }
            }
        };
        var domain = new Uri(host.BaseAddress, "v3/directline").ToString();
        await page.GotoAsync($"{origin}/?token={Uri.EscapeDataString(token)}&domain={Uri.EscapeDataString(domain)}&webSocket={(webSocket ? "true" : "false")}");

        var transcript = page.Locator("#webchat");
        await Assertions.Expect(transcript).ToContainTextAsync(En.Text("privacy.ask").Split('\n')[0], new() { Timeout = 30_000 });
        var sends = 0;
        async Task PressAsync(string key)
        {
            // Suggested actions render as Web Chat's own buttons.
            await page.GetByRole(AriaRole.Button, new() { Name = Button(key), Exact = true }).Last.ClickAsync();
            sends++;
        }
        foreach (var key in new[] { "continue", "safe", "rights-only" })
        {
            await PressAsync(key);
        }
        // The rights come in steps: the summary, then the card a page at a time.
        await Assertions.Expect(transcript).ToContainTextAsync(En.Text("rights.summary").Split('\n')[0], new() { Timeout = 30_000 });
        await PressAsync("next");
        await Assertions.Expect(transcript).ToContainTextAsync(En.Rights.Title, new() { Timeout = 30_000 });
        var artefacts = Directory.CreateDirectory(Path.Combine(RepoFolder("."), "TestResults", "artefacts")).FullName;
        await page.ScreenshotAsync(new() { Path = Path.Combine(artefacts, $"webchat-rights-card-{(webSocket ? "websocket" : "polling")}.png") });

        // Typed text, as a person would: marked sent once its echo came back.
        await page.GetByRole(AriaRole.Textbox).Last.FillAsync("/start");
        await page.Keyboard.PressAsync("Enter");
        sends++;
        await Assertions.Expect(transcript).ToContainTextAsync(En.Text("privacy.ask").Split('\n')[0]);
        foreach (var key in new[] { "continue", "safe", "self", "adult", "in-kazakhstan", "stop", "talk", "woman", "hotline", "agree" })
        {
            await PressAsync(key);
        }
        await Assertions.Expect(transcript).ToContainTextAsync(En.Text("waiting.ask").Split('\n')[0], new() { Timeout = 30_000 });
        // A pressed button comes back (and is read out to a screen reader) in the button's words, never as the option's id.
        var pressed = await page.EvaluateAsync<string[][]>("() => window.pressed");
        Assert.Contains(new[] { "", Button("agree") }, pressed);
        Assert.All(pressed, p => Assert.DoesNotMatch(@"^\d+\.", p[0] + p[1]));
        Assert.DoesNotMatch(@"\b\d+\.(continue|safe|agree)\b", await transcript.InnerTextAsync());

        // A file: not read or kept, a polite line instead, and no 5xx.
        // Web Chat 4.18 holds an attached file in the send box until Send is pressed (sendAttachmentOn: "send").
        await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = "passport.pdf", MimeType = "application/pdf", Buffer = new byte[200_000] });
        await page.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();
        sends++;
        await Assertions.Expect(transcript).ToContainTextAsync(En.Text("input.unsupported").Split('.')[0], new() { Timeout = 30_000 });

        using var hotline = await OperatorAsync(host, "aliya");
        var ticket = (await WaitForTicketAsync(hotline)).GetProperty("id").GetString()!;
        (await hotline.PostAsync($"api/operator/tickets/{ticket}/claim", null)).EnsureSuccessStatusCode();
        (await hotline.PostAsJsonAsync($"api/operator/tickets/{ticket}/messages", new { text = "I am here. Are you safe right now?" })).EnsureSuccessStatusCode();
        await Assertions.Expect(transcript).ToContainTextAsync("I am here. Are you safe right now?", new() { Timeout = 30_000 });

        await WebChatBrowserTests.UntilAsync(page, $"() => window.sent.fulfilled + window.sent.rejected >= {sends}", 30_000);
        var sent = await page.EvaluateAsync<JsonElement>("() => window.sent");
        Assert.Equal((sends, 0), (sent.GetProperty("fulfilled").GetInt32(), sent.GetProperty("rejected").GetInt32()));
        Assert.Empty(failures);
    }
}
