using System.Text.Json;

namespace Bot.Tests.Host;

/// <summary>Issue 13, item 6: a client that posts and never reads cannot fill the host's memory with echoes.</summary>
public class EchoFloodTests
{
    [Fact]
    public async Task Three_hundred_conversations_posting_twenty_60_kB_messages_each_never_read_grow_memory_by_less_than_100_MB()
    {
        await using var host = await HostProcess.StartAsync(settings: new Dictionary<string, string>
        {
            ["Abuse:NewConversationsPerMinutePerClient"] = "100000",
            ["Abuse:RequestsPerMinutePerClient"] = "1000000",
        });
        var chats = new List<WebChatClient>();
        for (var i = 0; i < 300; i++)
        {
            var chat = new WebChatClient(host.Http);
            await chat.StartAsync();
            chats.Add(chat);
        }
        var before = host.ResidentBytes();
        var text = new string('x', 60 * 1024 - 200);
        var posted = 0;
        // Eight conversations at a time: a flood, but within what two busy cores answer before the client's timeout.
        await Parallel.ForEachAsync(chats, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (chat, _) =>
        {
            for (var n = 0; n < 20; n++)
            {
                var body = JsonSerializer.Serialize(new
                {
                    type = "message", text, from = new { id = "user" }, channelData = new { clientActivityID = $"{chat.ConversationId}-{n}" },
                });
                using var response = await chat.PostRawAsync(body, cancel: CancellationToken.None);
                response.EnsureSuccessStatusCode();
                Interlocked.Increment(ref posted);
            }
        });
        Assert.Equal(300 * 20, posted);
        var grown = host.ResidentBytes() - before;
        Assert.True(grown < 100 * 1024 * 1024, $"resident memory grew by {grown / 1024 / 1024} MB");
        Console.WriteLine($"Echo flood: resident memory grew by {grown / 1024.0 / 1024.0:F1} MB over {posted} posts of 60 kB");

        // The echoes that are kept still work: a conversation's last post reads back, clipped, with its client id.
        var last = await chats[^1].ReadAsync();
        var echo = Assert.Single(last, a => a.TryGetProperty("channelData", out var data) && data.ValueKind == JsonValueKind.Object
            && data.GetProperty("clientActivityID").GetString() == $"{chats[^1].ConversationId}-19");
        Assert.True(WebChatClient.Text(echo).Length <= 1024);
    }
}
