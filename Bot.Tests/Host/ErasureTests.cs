using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Bot.Content;
using Bot.Host.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static Bot.Tests.Host.Operators.OperatorHarness;

namespace Bot.Tests.Host;

/// <summary>Issue 13, items 3 and 5: erasure that holds on the disk, and tokens that end when the person leaves.</summary>
public class ErasureTests
{
    private static string Button(string key) => En.Text("button." + key);

    [Fact]
    public async Task Forget_after_a_sexual_exploitation_sign_and_consent_leaves_no_id_no_answer_and_no_result_in_the_database_files()
    {
        string resultText;
        WebChatClient chat;
        await using var host = await HostProcess.StartAsync();
        chat = new WebChatClient(host.Http);
        await chat.StartAsync();
        foreach (var key in new[] { "continue", "safe", "self", "adult", "in-kazakhstan" })
        {
            await chat.PressAsync(Button(key));
        }
        var situation = TestContent.Content.Plan.Choices["situation"].First(o => o.Forms.Contains(Form.Sexual)).Id;
        // Tick the leisure place and the sexual-exploitation situation, "yes" to what follows, "None of these" elsewhere.
        var ticks = new[] { En.Choices["place"].Options["leisure"], En.Choices["situation"].Options[situation] };
        for (var asked = 0; !WebChatClient.Options(chat.LastPrompt).Any(o => o.Title == Button("talk")); asked++)
        {
            Assert.True(asked < 40, "the screening did not end");
            var titles = WebChatClient.Options(chat.LastPrompt).Select(o => o.Title).ToList();
            await chat.PressAsync(titles.FirstOrDefault(ticks.Contains)
                ?? new[] { Button("done"), Button("yes"), Button("none") }.First(titles.Contains));
        }
        resultText = WebChatClient.Text(chat.LastPrompt);
        var sexual = En.Sections.First(s => s.Key == "what/sexual").Title;
        Assert.Contains(sexual, resultText, StringComparison.Ordinal);
        foreach (var key in new[] { "talk", "woman", "hotline", "agree" })
        {
            await chat.PressAsync(Button(key));
        }
        await using (var db = Open(host.DataPath))
        {
            // While the request is open, a yes to a sexual-exploitation sign is in it (sealed): the erasure below has something to erase.
            var summary = JsonSerializer.Deserialize<JsonElement>(host.Secrets().Open((await db.Tickets.SingleAsync()).Summary));
            Assert.Contains(summary.GetProperty("items").EnumerateArray(),
                item => item.GetProperty("indicatorId").GetString()!.StartsWith("sexual-", StringComparison.Ordinal));
        }

        Assert.Equal(En.Text("forget.done"), WebChatClient.Text((await chat.SayAsync("/forget")).Single()));
        await host.KillAsync();   // no orderly close of the database that could tidy up after the fact

        var files = new[] { "bot.db", "bot.db-wal" }.Select(f => Path.Combine(host.DataPath, f)).Where(File.Exists).ToList();
        Assert.Contains(files, f => f.EndsWith("bot.db", StringComparison.Ordinal));
        var bytes = string.Concat(files.Select(f => Encoding.UTF8.GetString(File.ReadAllBytes(f))));
        Assert.Contains("Tickets", bytes, StringComparison.Ordinal);   // the schema is there: these are the right files
        Assert.DoesNotContain(chat.ConversationId, bytes, StringComparison.Ordinal);
        Assert.All(En.Indicators.Keys, id => Assert.DoesNotContain(id, bytes, StringComparison.Ordinal));
        Assert.DoesNotContain(resultText, bytes, StringComparison.Ordinal);
        Assert.DoesNotContain(sexual, bytes, StringComparison.Ordinal);

        // The app's own connection (its storage set-up, as Program uses it) deletes securely.
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:DataPath"] = host.DataPath });
        builder.AddStorage();
        using var app = builder.Build();
        await using var scope = app.Services.CreateAsyncScope();
        var appDb = scope.ServiceProvider.GetRequiredService<BotDb>();
        await appDb.Database.OpenConnectionAsync();
        await using var pragma = appDb.Database.GetDbConnection().CreateCommand();
        pragma.CommandText = "PRAGMA secure_delete;";
        Assert.Equal(1L, (long)(await pragma.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task After_quick_exit_the_old_token_reads_nothing_refreshes_nothing_and_the_operators_words_are_gone()
    {
        await using var host = await HostProcess.StartAsync();
        var chat = await ConsentAsync(host);
        using var hotline = await OperatorAsync(host, "aliya");
        var id = (await WaitForTicketAsync(hotline)).GetProperty("id").GetString()!;
        (await hotline.PostAsync($"api/operator/tickets/{id}/claim", null)).EnsureSuccessStatusCode();
        const string words = "meet at the station 17:00";
        (await hotline.PostAsJsonAsync($"api/operator/tickets/{id}/messages", new { text = words })).EnsureSuccessStatusCode();
        await ReadUntilAsync(chat, t => t == words);
        await using (var db = Open(host.DataPath))
        {
            Assert.Contains(await db.Outbox.Where(m => m.ConversationKey == chat.ConversationId).ToListAsync(),
                m => m.Message(host.Secrets()).Text == words);   // there before the exit
        }

        using (var exit = await chat.PostAsync(new { type = "message", text = "/exit", from = new { id = "user" } }))
        {
            Assert.Equal(HttpStatusCode.OK, exit.StatusCode);
            Assert.Equal("\"cache\", \"storage\"", string.Join(", ", exit.Headers.GetValues("Clear-Site-Data")));
        }

        chat.Resume(chat.ConversationId, chat.Token, "0");   // whoever copied the token reads from the start
        using (var read = await chat.GetActivitiesAsync())
        {
            Assert.Equal(HttpStatusCode.Unauthorized, read.StatusCode);
        }
        using (var refresh = await RefreshAsync(host.Http, chat.Token))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refresh.StatusCode);
        }
        using (var write = await chat.PostAsync(new { type = "message", text = "/start", from = new { id = "user" } }))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, write.StatusCode);
        }
        await using (var db = Open(host.DataPath))
        {
            Assert.Empty(await db.Outbox.Where(m => m.ConversationKey == chat.ConversationId).ToListAsync());
            Assert.DoesNotContain(await db.Outbox.ToListAsync(), m => m.Message(host.Secrets()).Text.Contains("station", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task After_forget_the_old_token_cannot_start_read_or_refresh_the_conversation()
    {
        await using var host = await HostProcess.StartAsync();
        var chat = new WebChatClient(host.Http);
        await chat.StartAsync();
        await chat.PressAsync(Button("continue"));
        using (var refresh = await RefreshAsync(host.Http, chat.Token))
        {
            Assert.Equal(HttpStatusCode.OK, refresh.StatusCode);   // a live token refreshes
        }
        Assert.Equal(En.Text("forget.done"), WebChatClient.Text((await chat.SayAsync("/forget")).Single()));

        using (var start = new HttpRequestMessage(HttpMethod.Post, "v3/directline/conversations"))
        {
            start.Headers.Authorization = new AuthenticationHeaderValue("Bearer", chat.Token);
            using var started = await host.Http.SendAsync(start);
            Assert.Equal(HttpStatusCode.Unauthorized, started.StatusCode);
        }
        using (var read = await chat.GetActivitiesAsync())
        {
            Assert.Equal(HttpStatusCode.Unauthorized, read.StatusCode);
        }
        using (var refresh = await RefreshAsync(host.Http, chat.Token))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refresh.StatusCode);
        }
        await using var db = Open(host.DataPath);
        Assert.Empty(await db.Conversations.ToListAsync());   // not re-created by the old token
    }

    [Fact]
    public async Task Refreshing_cannot_keep_a_token_alive_past_its_conversations_cap()
    {
        await using var host = await HostProcess.StartAsync(settings: new Dictionary<string, string> { ["WebChat:TokenMaxAge"] = "00:00:04" });
        var chat = new WebChatClient(host.Http);
        await chat.StartAsync();
        using (var refresh = await RefreshAsync(host.Http, chat.Token))
        {
            Assert.Equal(HttpStatusCode.OK, refresh.StatusCode);
            var body = await refresh.Content.ReadFromJsonAsync<JsonElement>();
            Assert.InRange(body.GetProperty("expires_in").GetInt32(), 0, 4);   // never past the cap
            chat.Token = body.GetProperty("token").GetString()!;
        }
        await Task.Delay(TimeSpan.FromSeconds(5));
        using (var late = await RefreshAsync(host.Http, chat.Token))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, late.StatusCode);
        }
        using var read = await chat.GetActivitiesAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, read.StatusCode);
    }

    [Fact]
    public void A_revocation_reaches_its_conversations_watchers_once_and_no_other()
    {
        var revocations = new Bot.Host.Turns.Revocations(new Bot.Host.Storage.HostSignals(
            new Bot.Host.Storage.StorageOptions(), Microsoft.Extensions.Logging.Abstractions.NullLogger<Bot.Host.Storage.HostSignals>.Instance));
        var (mine, other) = (0, 0);
        using var watch = revocations.Watch("a", () => mine++);
        using var otherWatch = revocations.Watch("b", () => other++);
        using var token = revocations.Watch("a", out var revoked);
        revocations.Revoke("a");
        revocations.Revoke("a");
        Assert.Equal((1, 0), (mine, other));
        Assert.True(revoked.IsCancellationRequested);
    }

    private static async Task<HttpResponseMessage> RefreshAsync(HttpClient http, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v3/directline/tokens/refresh");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request);
    }

    private static BotDb Open(string data) =>
        new(new DbContextOptionsBuilder<BotDb>().UseSqlite(new SqliteConnectionStringBuilder { DataSource = Path.Combine(data, "bot.db") }.ToString()).Options);
}
