using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Bot.Content;
using Bot.Host.Storage;
using Bot.Tests.Host.Telegram;
using Microsoft.EntityFrameworkCore;
using static Bot.Tests.Host.Operators.OperatorHarness;

namespace Bot.Tests.Host.TwoHosts;

/// <summary>Issue 16, item 5: on PostgreSQL the key ring and the pseudonym key are in the database, so every host opens what another sealed.</summary>
public partial class SharedKeyTests
{
    private static readonly LanguagePack En = TestContent.Content["en"];

    [Fact]
    public async Task Two_hosts_started_at_once_on_an_empty_database_with_no_shared_key_folder_open_each_others_tokens_state_cookies_and_pseudonyms()
    {
        await using var api = await FakeBotApi.StartAsync();
        var settings = TestStorage.Settings(StorageProvider.PostgreSql, new Dictionary<string, string>
        {
            ["Telegram:BotToken"] = FakeBotApi.Token, ["Telegram:ApiBaseUrl"] = api.Url,
            ["Telegram:WebhookUrl"] = "https://bot.example.org/telegram/webhook", ["Telegram:WebhookSecret"] = TelegramTests.Secret,
        });
        // Host B logs Data Protection at Debug, where its own database repository would write each key row.
        var verbose = new Dictionary<string, string>(settings)
        {
            ["Serilog:MinimumLevel:Default"] = "Debug", ["Serilog:MinimumLevel:Override:Microsoft.AspNetCore.DataProtection"] = "Debug",
        };
        // Each its own data folder and key folder (HostProcess gives each one beside its data).
        var hosts = await Task.WhenAll(HostProcess.StartAsync(settings: settings), HostProcess.StartAsync(settings: verbose));
        await using var a = hosts[0];
        await using var b = hosts[1];
        Assert.NotEqual(a.KeyPath, b.KeyPath);

        // A web chat started on A goes on on B with A's token: B reads A's sealed greeting and state and answers.
        var onA = new WebChatClient(a.Http);
        await onA.StartAsync();
        var onB = new WebChatClient(b.Http);
        onB.Resume(onA.ConversationId, onA.Token, "0");
        Assert.Equal(onA.Received.Select(r => r.GetRawText()), (await onB.ReadAsync()).Select(r => r.GetRawText()));   // A's replies, opened by B
        await onB.PressAsync(En.Text("button.continue"));
        Assert.Contains(WebChatClient.Options(onB.LastPrompt), o => o.Title == En.Text("button.safe"));

        // One Telegram chat, one update on each host: one conversation (the same pseudonym), B answering from A's state.
        var user = new TelegramUser(api, 70001);
        Assert.Equal(HttpStatusCode.OK, await TelegramTests.PostAsync(a, user.TextUpdate("/start"), TelegramTests.Secret));
        await TelegramUser.WaitAsync(() => user.Sent.FirstOrDefault(c => TelegramUser.Text(c) == En.Text("privacy.ask")));
        Assert.Equal(HttpStatusCode.OK, await TelegramTests.PostAsync(b, user.TextUpdate("/help"), TelegramTests.Secret));
        await TelegramUser.WaitAsync(() => user.Sent.FirstOrDefault(c => TelegramUser.Text(c) == En.Text("help.text")));
        await using (var db = TestDatabase.Open(a))
        {
            Assert.Single(await db.Conversations.AsNoTracking().Where(c => c.Key.StartsWith("tg-")).ToListAsync());
        }

        // An operator signed in on A is signed in on B: the cookie and the antiforgery token A issued both open there.
        var cookies = new CookieContainer();   // one browser: a cookie for 127.0.0.1 goes to either port
        using var operatorOnA = await OperatorAsync(a, "dana", name: "Dana", cookies: cookies);
        using var operatorOnB = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = b.BaseAddress };
        foreach (var (header, values) in operatorOnA.DefaultRequestHeaders)
        {
            operatorOnB.DefaultRequestHeaders.Add(header, values);   // the antiforgery token A issued
        }
        Assert.Equal(HttpStatusCode.OK, (await operatorOnB.GetAsync("api/operator/me")).StatusCode);
        using (var language = await operatorOnB.PostAsJsonAsync("api/operator/me/language", new { language = "ru" }))
        {
            Assert.True(language.IsSuccessStatusCode, $"{language.StatusCode}");
        }

        // One key ring key and one pseudonym key, though both hosts started on an empty database at once; none of it in a log.
        await using (var db = TestDatabase.Open(a))
        {
            var ring = Assert.Single(await db.DataProtectionKeys.AsNoTracking().ToListAsync());
            var pseudonym = Assert.Single(await db.HostKeys.AsNoTracking().ToListAsync());
            Assert.Equal("pseudonym", pseudonym.Name);
            var masterKey = MasterKey().Match(ring.Xml!).Groups[1].Value;   // no certificate here: the key in the clear
            Assert.NotEmpty(masterKey);
            foreach (var log in new[] { a.Output, b.Output })
            {
                Assert.DoesNotContain(masterKey, log, StringComparison.Ordinal);
                Assert.DoesNotContain(pseudonym.Value, log, StringComparison.Ordinal);
                Assert.DoesNotContain("<key id=", log, StringComparison.Ordinal);
            }
        }
    }

    [GeneratedRegex("<value>([^<]+)</value>")]
    private static partial Regex MasterKey();
}
