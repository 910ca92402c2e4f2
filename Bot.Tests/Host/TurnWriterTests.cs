using Bot.Host.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bot.Tests.Host;

/// <summary>Group commit against a real SQLite file and a real PostgreSQL database.</summary>
public class TurnWriterTests
{
    [Theory]
    [MemberData(nameof(TestStorage.Providers), MemberType = typeof(TestStorage))]
    public async Task A_bad_write_fails_alone_and_the_rest_of_its_batch_is_committed(StorageProvider provider)
    {
        await using var services = new ServiceCollection().AddBotDb(TestStorage.Fresh(provider)).BuildServiceProvider();
        await using (var scope = services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<BotDb>().Database.MigrateAsync();
        }
        var writer = new TurnWriter(services.GetRequiredService<IServiceScopeFactory>(), NullLogger<TurnWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);

        Task Write(string key, string seen) => writer.WriteAsync(db =>
        {
            db.Conversations.Add(new ConversationRecord { Key = key, Channel = "test", State = "{}", UpdatedAt = DateTime.UtcNow });
            db.InboundSeen.Add(new InboundSeen { Id = seen, ReceivedAt = DateTime.UtcNow });
        });

        await Write("first", "update:1");
        // Queued together: the second repeats an update id already stored, so its insert must fail.
        var writes = new[] { Write("a", "update:2"), Write("b", "update:1"), Write("c", "update:3") };
        await Assert.ThrowsAsync<DbUpdateException>(() => writes[1]);
        await writes[0];
        await writes[2];
        await writer.StopAsync(CancellationToken.None);

        await using var check = services.CreateAsyncScope();
        var db = check.ServiceProvider.GetRequiredService<BotDb>();
        Assert.Equal(["a", "c", "first"], await db.Conversations.Select(c => c.Key).OrderBy(k => k).ToListAsync());
        Assert.Equal(3, await db.InboundSeen.CountAsync());
    }
}
