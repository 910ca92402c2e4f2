using System.Collections.Concurrent;
using Bot.Host.Storage;
using Microsoft.EntityFrameworkCore;

namespace Bot.Host.Turns;

/// <summary>
/// A conversation an operator blocked for abuse (issue 6): its turns get no reply and nothing of them is stored. A block has a
/// reason and an end (24 hours unless a supervisor sets another, or lifts it), and /forget ends it with everything else.
/// </summary>
public sealed class BlockedConversation
{
    public required string Key { get; set; }
    public DateTime BlockedAt { get; set; }
    public DateTime ExpiresAt { get; set; }
    /// <summary>Sealed: the operator's words.</summary>
    public required string Reason { get; set; }
}

/// <summary>
/// The blocked keys and when each block ends, held in memory for <see cref="FloodGuard"/> (checked on every turn) and loaded
/// from the database at start; the database row is the truth, written with the operator's audited action.
/// </summary>
public sealed class BlockedConversations(IServiceScopeFactory scopes, TimeProvider clock) : IHostedService
{
    public static readonly TimeSpan DefaultLength = TimeSpan.FromHours(24);

    private readonly ConcurrentDictionary<string, DateTime> _until = new(StringComparer.Ordinal);

    public bool Contains(string key)
    {
        if (!_until.TryGetValue(key, out var until))
        {
            return false;
        }
        if (clock.GetUtcNow().UtcDateTime < until)
        {
            return true;
        }
        _until.TryRemove(KeyValuePair.Create(key, until));   // over: the retention sweep deletes its row
        return false;
    }

    /// <summary>Call once the row is committed.</summary>
    public void Set(string key, DateTime until) => _until[key] = until;

    /// <summary>Lifted, or forgotten: call once the row's deletion is committed.</summary>
    public void Remove(string key) => _until.TryRemove(key, out _);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var block in await scope.ServiceProvider.GetRequiredService<BotDb>().BlockedConversations.AsNoTracking()
                     .Where(b => b.ExpiresAt > now).Select(b => new { b.Key, b.ExpiresAt }).ToListAsync(cancellationToken))
        {
            Set(block.Key, block.ExpiresAt);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
