using System.Net;
using Bot.Content;
using Bot.Host.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Bot.Tests.Host;

/// <summary>One host for the tests that need nothing of their own: each talks in its own conversation.</summary>
public sealed class WebChatHost : IAsyncLifetime
{
    public HostProcess Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await HostProcess.StartAsync();

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>The web chat over real HTTP against the real host process and a real SQLite file.</summary>
public class WebChatTests(WebChatHost shared) : IClassFixture<WebChatHost>
{
    private static readonly LanguagePack En = TestContent.Content["en"];

    private static string Button(string key) => En.Text("button." + key);

    [Fact]
    public async Task A_conversation_survives_a_host_restart_in_the_middle()
    {
        string data, id, token, watermark;
        await using (var first = await HostProcess.StartAsync())
        {
            var chat = new WebChatClient(first.Http);
            await chat.StartAsync();
            await chat.PressAsync(Button("continue"));
            await chat.PressAsync(Button("safe"));
            await chat.PressAsync(Button("self"));
            Assert.Equal(En.Text("age.ask"), WebChatClient.Text(chat.LastPrompt));
            (data, id, token, watermark) = (first.DataPath, chat.ConversationId, chat.Token, chat.Watermark);
            await first.KillAsync();
        }

        await using var second = await HostProcess.StartAsync(data);
        var resumed = new WebChatClient(second.Http);
        resumed.Resume(id, token, watermark);
        var replies = await resumed.SayAsync(Button("adult"));   // typed label, as a person might
        Assert.Equal(En.Text("location.ask"), WebChatClient.Text(replies[^1]));
    }

    [Fact]
    public async Task Consent_stores_the_escalation_and_forget_leaves_nothing_in_the_database()
    {
        await using var host = await HostProcess.StartAsync();
        var chat = new WebChatClient(host.Http);
        await chat.StartAsync();
        foreach (var key in new[] { "continue", "safe", "self", "adult", "in-kazakhstan", "stop", "talk", "woman", "hotline", "agree" })
        {
            await chat.PressAsync(Button(key));
        }
        Assert.Equal(En.Text("waiting.ask"), WebChatClient.Text(chat.LastPrompt));
        await using (var db = Open(host))
        {
            var escalation = await db.Tickets.SingleAsync();
            Assert.Equal(chat.ConversationId, escalation.ConversationKey);
            Assert.Equal("Woman", escalation.Gender);
            Assert.Equal("Hotline", escalation.Destination);
        }

        var last = await chat.SayAsync("/forget");
        Assert.Equal(En.Text("forget.done"), WebChatClient.Text(last.Single()));
        await using (var db = Open(host))
        {
            Assert.Empty(await db.Conversations.ToListAsync());
            var ticket = await db.Tickets.SingleAsync();   // cancelled, kept as a count only
            Assert.Equal((null, "", Bot.Host.Operators.TicketStatus.Cancelled), (ticket.ConversationKey, ticket.Summary, ticket.Status));
            Assert.Empty(await db.Outbox.ToListAsync());
        }
    }

    [Fact]
    public async Task One_conversations_token_cannot_read_or_write_another()
    {
        var host = shared.Host;
        var a = new WebChatClient(host.Http);
        var b = new WebChatClient(host.Http);
        await a.StartAsync();
        await b.StartAsync();
        using var read = await a.GetActivitiesAsync(b.ConversationId);
        using var write = await a.PostRawAsync("""{"type":"message","text":"1"}""", b.ConversationId);
        a.Token = "forged";
        using var forged = await a.GetActivitiesAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, read.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, write.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
    }

    public static TheoryData<string, string> BadInputs => new()
    {
        { "empty text", """{"type":"message","text":""}""" },
        { "control characters", "{\"type\":\"message\",\"text\":\"\\u0000\\u0007\\u001b[2J\"}" },
        { "unknown command", """{"type":"message","text":"/selfdestruct"}""" },
        { "option that does not exist", """{"type":"message","value":"1.no-such-option"}""" },
        { "option of another type", """{"type":"message","value":{"nested":[1,2,3]}}""" },
        { "text of 20 kB", "{\"type\":\"message\",\"text\":\"" + new string('a', 20_000) + "\"}" },
        { "html", """{"type":"message","text":"<script>alert(1)</script>"}""" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Bad_input_gets_a_clear_reply_and_changes_nothing(string _, string json)
    {
        var host = shared.Host;
        var chat = new WebChatClient(host.Http);
        await chat.StartAsync();
        using var response = await chat.PostRawAsync(json);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var replies = await chat.ReadAsync();
        Assert.Contains(WebChatClient.Text(replies[0]), new[]
        {
            En.Text("input.choose"), En.Text("input.unknown-command"), En.Text("input.expired"), En.Text("input.too-long", ("max", "4096")),
        });
        Assert.Equal(En.Text("privacy.ask"), WebChatClient.Text(replies[^1]));
        await using var db = Open(host);
        Assert.Empty(await db.Tickets.Where(t => t.ConversationKey == chat.ConversationId).ToListAsync());
        Assert.Contains("\"step\":\"Privacy\"", host.Secrets().OpenJson((await db.Conversations.SingleAsync(c => c.Key == chat.ConversationId)).State),
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json at all", HttpStatusCode.BadRequest)]
    [InlineData("null", HttpStatusCode.BadRequest)]
    [InlineData("{\"type\":5}", HttpStatusCode.BadRequest)]
    public async Task Malformed_requests_are_refused_with_4xx(string json, HttpStatusCode expected)
    {
        var host = shared.Host;
        var chat = new WebChatClient(host.Http);
        await chat.StartAsync();
        using var response = await chat.PostRawAsync(json);
        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task A_body_of_100_kB_is_refused_and_the_host_stays_up()
    {
        var host = shared.Host;
        using var own = new HttpClient { BaseAddress = host.BaseAddress };   // the connection Kestrel closes is not the other tests'
        var chat = new WebChatClient(own);
        await chat.StartAsync();
        using var response = await chat.PostRawAsync("{\"type\":\"message\",\"text\":\"" + new string('x', 100_000) + "\"}");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        // Kestrel closes a connection whose body it refused to read; a person's next request comes on a new one.
        using var fresh = new HttpClient { BaseAddress = host.BaseAddress };
        var again = new WebChatClient(fresh);
        again.Resume(chat.ConversationId, chat.Token, chat.Watermark);
        var replies = await again.SayAsync("1");
        Assert.Equal(En.Text("safety.ask"), WebChatClient.Text(replies[^1]));
    }

    [Fact]
    public async Task The_page_is_served_without_anything_from_elsewhere()
    {
        var host = shared.Host;
        var page = await host.Http.GetStringAsync("/");
        Assert.Contains("quick-exit", page, StringComparison.Ordinal);
        Assert.DoesNotContain("http", page.Replace("http-equiv", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("fetch(", await host.Http.GetStringAsync("/app.js"), StringComparison.Ordinal);
        using var response = await host.Http.GetAsync("/");
        Assert.Contains("script-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task Concurrent_turns_of_one_conversation_are_serialised_and_none_is_lost()
    {
        var host = shared.Host;
        var chat = new WebChatClient(host.Http);
        await chat.StartAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => chat.PostRawAsync("""{"type":"message","text":"/help"}""")));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var replies = new List<System.Text.Json.JsonElement>();
        while (replies.Count < 40)
        {
            var page = await chat.ReadAsync();
            Assert.NotEmpty(page);
            replies.AddRange(page);
        }
        Assert.Equal(20, replies.Count(r => WebChatClient.Text(r) == En.Text("help.text")));
        // Each turn showed a fresh prompt number: 1 greeting + 20 turns, none overwritten by a concurrent one.
        await using var db = Open(host);
        Assert.Contains("\"prompt\":21", host.Secrets().OpenJson((await db.Conversations.SingleAsync(c => c.Key == chat.ConversationId)).State),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_sent_again_with_its_client_activity_id_is_handled_once()
    {
        var chat = new WebChatClient(shared.Host.Http);
        await chat.StartAsync();
        var greeting = chat.LastPrompt;
        // Web Chat's "Retry" after a POST whose answer was lost: the same activity with the same clientActivityID.
        await chat.PressEchoedAsync(greeting, Button("continue"), "c1");
        await chat.PressEchoedAsync(greeting, Button("continue"), "c1");
        var safety = (await chat.ReadAsync()).Last(a => WebChatClient.Options(a).Count > 0);
        Assert.Equal(En.Text("safety.ask"), WebChatClient.Text(safety));
        // A client that reuses the id for another message: that one is handled.
        await chat.PressEchoedAsync(safety, Button("safe"), "c1");
        await chat.ReadAsync();

        var texts = chat.Received.Where(a => a.GetProperty("from").GetProperty("role").GetString() == "bot").Select(WebChatClient.Text).ToList();
        Assert.Single(texts, t => t == En.Text("safety.ask"));
        Assert.DoesNotContain(En.Text("input.expired"), texts);
        Assert.Equal(En.Text("role.ask"), texts[^1]);
    }

    [Fact]
    public async Task What_a_person_types_never_reaches_the_log()
    {
        // Debug: every turn and every request is logged, so there is the most to leak.
        await using var host = await HostProcess.StartAsync(settings: new Dictionary<string, string> { ["Serilog:MinimumLevel:Default"] = "Debug" });
        var chat = new WebChatClient(host.Http);
        await chat.StartAsync();
        const string typed = "my name is Aigerim, call me at +77011234567";
        await chat.SayAsync(typed);
        await chat.SayAsync(typed + " /start");
        await host.KillAsync();
        var logs = string.Join("\n", Directory.GetFiles(Path.Combine(host.DataPath, "logs")).Select(File.ReadAllText));
        Assert.Contains("Turn ", logs, StringComparison.Ordinal);
        Assert.Contains("/v3/directline/conversations/{id}/activities", logs, StringComparison.Ordinal);
        foreach (var secret in new[] { "Aigerim", "77011234567", chat.Token, chat.ConversationId })
        {
            Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, host.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_database_files_hold_none_of_the_typed_text()
    {
        await using var host = await HostProcess.StartAsync();
        var chat = new WebChatClient(host.Http);
        await chat.StartAsync();
        string[] typed = ["Aigerim Nurlanovna", "+7 701 123 45 67", "they took my passport in Shymkent"];
        foreach (var text in typed)
        {
            await chat.SayAsync(text);
        }
        await host.KillAsync();
        var stored = string.Concat(Directory.GetFiles(host.DataPath, "bot.db*").Select(f => System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(f))));
        Assert.Contains(chat.ConversationId, stored, StringComparison.Ordinal);   // the conversation is there: we read the right files
        Assert.DoesNotContain(En.Text("input.choose"), stored, StringComparison.Ordinal);   // replies are sealed too
        Assert.All(typed, text => Assert.DoesNotContain(text, stored, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_flood_gets_one_cool_down_message_then_silence()
    {
        await using var host = await HostProcess.StartAsync(settings: new Dictionary<string, string>
        {
            ["Abuse:TurnsPerWindow"] = "5",
            ["Abuse:Window"] = "00:05:00",
        });
        var chat = new WebChatClient(host.Http);
        await chat.StartAsync();   // the greeting is the first turn of the window
        for (var i = 0; i < 12; i++)
        {
            (await chat.PostRawAsync("""{"type":"message","text":"/help"}""")).EnsureSuccessStatusCode();
        }
        var replies = (await chat.ReadAsync()).Select(WebChatClient.Text).ToList();
        Assert.Equal(4, replies.Count(r => r == En.Text("help.text")));
        Assert.Equal([En.Text("input.slow-down")], replies.Where(r => r == En.Text("input.slow-down")));
        Assert.Equal(En.Text("input.slow-down"), replies[^1]);   // then silence
    }

    [Fact]
    public async Task Opening_conversations_is_rate_limited_per_client()
    {
        await using var host = await HostProcess.StartAsync(settings: new Dictionary<string, string> { ["Abuse:NewConversationsPerMinutePerClient"] = "3" });
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await host.Http.PostAsync("v3/directline/conversations", null);
            statuses.Add(response.StatusCode);
        }
        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.TooManyRequests], statuses);
    }

    private static BotDb Open(HostProcess host) =>
        new(new DbContextOptionsBuilder<BotDb>().UseSqlite(new SqliteConnectionStringBuilder { DataSource = Path.Combine(host.DataPath, "bot.db") }.ToString()).Options);
}
