using System.Text.Json;
using Bot.Content;
using Bot.Host.Storage;
using Npgsql;

namespace Bot.Tests.Host;

/// <summary>A person whose phone drops the connection after sending: what they sent is still handled.</summary>
public class HangUpTests
{
    private static readonly LanguagePack En = TestContent.Content["en"];

    [Fact]
    public async Task A_web_chat_message_whose_sender_hangs_up_while_its_turn_waits_is_still_answered()
    {
        // On PostgreSQL the test can hold the turn at the conversation's advisory lock, as a turn of it on another host would.
        await using var host = await HostProcess.StartAsync(settings: TestStorage.Settings(StorageProvider.PostgreSql));
        var client = new WebChatClient(host.Http);
        await client.StartAsync();
        Assert.Equal(En.Text("privacy.ask"), WebChatClient.Text(client.LastPrompt));

        await using var database = new NpgsqlConnection(host.Settings["ConnectionStrings:Bot"]);
        await database.OpenAsync();
        var lockKey = ConversationLocks.AdvisoryKey(client.ConversationId);
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock($1)", database) { Parameters = { new() { Value = lockKey } } })
        {
            await take.ExecuteNonQueryAsync();
        }

        // A client that gives up on the POST (a phone losing its signal) while the turn waits for the lock.
        using var impatient = new HttpClient { BaseAddress = host.BaseAddress };
        var phone = new WebChatClient(impatient);
        phone.Resume(client.ConversationId, client.Token, client.Watermark);
        using var hangUp = new CancellationTokenSource();
        var value = WebChatClient.Options(client.LastPrompt).First(o => o.Title == En.Text("button.continue")).Value;
        var posting = phone.PostAsync(new { type = "message", value, from = new { id = "user" } }, hangUp.Token);
        await WaitForLockWaitersAsync(database, lockKey, expected: 1);
        await hangUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => posting);

        // Had the hang-up cancelled the turn, its wait for the lock would end now; it must still be waiting.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(1, await LockWaitersAsync(database, lockKey));
        await using (var release = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", database) { Parameters = { new() { Value = lockKey } } })
        {
            await release.ExecuteNonQueryAsync();
        }

        // The reply to the press reaches the conversation: the next question, read by the page once it is back.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await client.ReadAsync()).FirstOrDefault(a => WebChatClient.Options(a).Count > 0) is not { ValueKind: JsonValueKind.Object })
        {
            Assert.True(DateTime.UtcNow < deadline, "the message was lost with its sender's connection");
            await Task.Delay(100);
        }
        var prompts = client.Received.Where(a => WebChatClient.Options(a).Count > 0).Select(WebChatClient.Text).ToList();
        Assert.Equal([En.Text("privacy.ask"), En.Text("safety.ask")], prompts);
    }

    private static async Task WaitForLockWaitersAsync(NpgsqlConnection database, long lockKey, int expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await LockWaitersAsync(database, lockKey) != expected)
        {
            Assert.True(DateTime.UtcNow < deadline, "the turn never reached the conversation's lock");
            await Task.Delay(50);
        }
    }

    /// <summary>Sessions waiting for the advisory lock (a bigint key shows as its two halves).</summary>
    private static async Task<int> LockWaitersAsync(NpgsqlConnection database, long lockKey)
    {
        await using var count = new NpgsqlCommand(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid::bigint = $1 AND objid::bigint = $2 AND objsubid = 1",
            database)
        {
            Parameters = { new() { Value = (long)(uint)(lockKey >> 32) }, new() { Value = (long)(uint)lockKey } },
        };
        return Convert.ToInt32(await count.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
