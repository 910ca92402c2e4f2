using System.Collections.Concurrent;
using Bot.Host.Storage;
using Microsoft.EntityFrameworkCore;

namespace Bot.Host.Turns;

/// <summary>A conversation an operator blocked for abuse (issue 6): its turns get no reply and nothing of them is stored.</summary>
public sealed class BlockedConversation
{
    public required string Key { get; set; }
    public DateTime BlockedAt { get; set; }
}

/// <summary>
/// The blocked keys, held in memory for <see cref="FloodGuard"/> (checked on every turn) and loaded from the
/// database at start; the database row is the truth, written with the operator's audited action.
/// </summary>
public sealed class BlockedConversations(IServiceScopeFactory scopes, IEnumerable<IRevocationObserver> revocations) : IHostedService
{
    private readonly ConcurrentDictionary<string, bool> _keys = new(StringComparer.Ordinal);

    public bool Contains(string key) => _keys.ContainsKey(key);

    /// <summary>Call once the row is committed: from now on nothing of the conversation gets through, and its open connections close.</summary>
    public void Add(string key)
    {
        _keys[key] = true;
        foreach (var revocation in revocations)
        {
            revocation.Revoked(key);
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        foreach (var key in await scope.ServiceProvider.GetRequiredService<BotDb>().BlockedConversations.AsNoTracking()
                     .Select(b => b.Key).ToListAsync(cancellationToken))
        {
            _keys[key] = true;
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
