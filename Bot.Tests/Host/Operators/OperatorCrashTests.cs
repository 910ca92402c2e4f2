using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Bot.Host.Operators;
using Bot.Host.Storage;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;
using static Bot.Tests.Host.Operators.OperatorHarness;

namespace Bot.Tests.Host.Operators;

/// <summary>An operator's action is one commit: killed at any moment, the ticket and what the person was told agree.</summary>
public class OperatorCrashTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(TestStorage.Providers), MemberType = typeof(TestStorage))]
    public async Task Killing_the_host_during_operator_actions_leaves_every_ticket_and_its_conversation_in_step(StorageProvider provider)
    {
        var settings = TestStorage.Settings(provider, new Dictionary<string, string>
        {
            ["Abuse:NewConversationsPerMinutePerClient"] = "0", ["Abuse:RequestsPerMinutePerClient"] = "0",
            ["Abuse:RequestsPerMinutePerConversation"] = "0", ["Abuse:EscalationsPerHourPerClient"] = "0",
        });
        await using var host = await HostProcess.StartAsync(settings: settings);
        var people = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => ConsentAsync(host)));
        var client = await OperatorAsync(host, "aigerim");
        var tickets = await TicketIdsAsync(client, people.Length);

        // Each ticket: a claim, then messages one after another, all tickets at once, until the host is killed.
        var acknowledged = new ConcurrentDictionary<Guid, ConcurrentBag<string>>();
        var count = 0;
        var acting = tickets.Select(async id =>
        {
            var done = acknowledged.GetOrAdd(id, _ => []);
            try
            {
                using var claim = await client.PostAsync($"api/operator/tickets/{id}/claim", null);
                claim.EnsureSuccessStatusCode();
                done.Add("claim");
                Interlocked.Increment(ref count);
                for (var i = 0; ; i++)
                {
                    var text = $"message {i} of {id}";
                    using var sent = await client.PostAsJsonAsync($"api/operator/tickets/{id}/messages", new { text });
                    sent.EnsureSuccessStatusCode();
                    done.Add(text);
                    Interlocked.Increment(ref count);
                }
            }
            catch (HttpRequestException)
            {
                // the host died under this action: not acknowledged
            }
            catch (TaskCanceledException)
            {
                // the same, noticed by the client's timeout
            }
        }).ToList();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Volatile.Read(ref count) < 100 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
        }
        await host.KillAsync();
        await Task.WhenAll(acting);
        Assert.True(Volatile.Read(ref count) >= 100, "the kill came before the actions got going");

        var secrets = host.Secrets();
        await using var db = TestDatabase.Open(host);
        var (claimedTickets, messages) = (0, 0);
        foreach (var id in tickets)
        {
            var ticket = await db.Tickets.AsNoTracking().SingleAsync(t => t.Id == id);
            var key = ticket.ConversationKey!;
            var written = (await db.TicketMessages.AsNoTracking().Where(m => m.TicketId == id && m.From == "operator").ToListAsync())
                .Select(m => secrets.Open(m.Text)).Order().ToList();
            var told = (await db.Outbox.AsNoTracking().Where(m => m.ConversationKey == key).OrderBy(m => m.Id).ToListAsync())
                .Select(m => m.Message(secrets).Text).ToList();
            var state = JsonSerializer.Deserialize<JsonElement>(secrets.OpenJson((await db.Conversations.AsNoTracking().SingleAsync(c => c.Key == key)).State));
            var claimed = ticket.Status != TicketStatus.New;
            var joined = told.Count(t => t.StartsWith("A hotline operator has joined", StringComparison.Ordinal));

            // The claim, the person's "operator has joined" and their state: all three or none.
            Assert.Equal(claimed ? 1 : 0, joined);
            Assert.Equal(claimed, state.GetProperty("withOperator").GetBoolean());
            Assert.Equal(claimed ? 1 : 0, await db.TicketAudit.CountAsync(a => a.TicketId == id && a.Action == "claimed"));
            // Every message in the transcript reached the person's outbox, and nothing else did.
            Assert.Equal(written, told.Where(t => t.StartsWith("message ", StringComparison.Ordinal)).Order().ToList());
            Assert.Equal(written.Count, await db.TicketAudit.CountAsync(a => a.TicketId == id && a.Action == "operator-message"));
            // Acknowledged means committed.
            Assert.All(acknowledged[id], action => Assert.True(action == "claim" ? claimed : written.Contains(action), action));
            (claimedTickets, messages) = (claimedTickets + (claimed ? 1 : 0), messages + written.Count);
        }
        output.WriteLine($"killed after {count} acknowledged actions: {claimedTickets} of {tickets.Count} tickets claimed, {messages} messages stored");
    }

    private static async Task<List<Guid>> TicketIdsAsync(HttpClient client, int expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var tickets = await TicketsAsync(client);
            if (tickets.GetArrayLength() == expected || DateTime.UtcNow > deadline)
            {
                Assert.Equal(expected, tickets.GetArrayLength());
                return tickets.EnumerateArray().Select(t => t.GetProperty("id").GetGuid()).ToList();
            }
            await Task.Delay(50);
        }
    }
}
