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
/// from the database at start; the database row is the truth, written with the operator's audited action. Every host of the
/// database hears of a block or its end (<see cref="HostSignals"/>) and reads that row again.
/// </summary>
public sealed class BlockedConversations : IHostedService
{
    public static readonly TimeSpan DefaultLength = TimeSpan.FromHours(24);
    private const string Signal = "blocked";

    private readonly ConcurrentDictionary<string, DateTime> _until = new(StringComparer.Ordinal);
    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _clock;
    private readonly HostSignals _signals;
    private readonly ILogger<BlockedConversations> _log;

    public BlockedConversations(IServiceScopeFactory scopes, TimeProvider clock, HostSignals signals, ILogger<BlockedConversations> log)
    {
        (_scopes, _clock, _signals, _log) = (scopes, clock, signals, log);
        signals.On(Signal, key => _ = ReadAsync(key), missed: () => _ = ReadAsync(key: null));
    }

    public bool Contains(string key)
    {
        if (!_until.TryGetValue(key, out var until))
        {
            return false;
        }
        if (_clock.GetUtcNow().UtcDateTime < until)
        {
            return true;
        }
        _until.TryRemove(KeyValuePair.Create(key, until));   // over: the retention sweep deletes its row
        return false;
    }

    /// <summary>Call once the row is committed.</summary>
    public void Set(string key, DateTime until)
    {
        _until[key] = until;
        _signals.RaiseElsewhere(Signal, key);
    }

    /// <summary>Lifted, or forgotten: call once the row's deletion is committed.</summary>
    public void Remove(string key)
    {
        _until.TryRemove(key, out _);
        _signals.RaiseElsewhere(Signal, key);
    }

    public Task StartAsync(CancellationToken cancellationToken) => LoadAsync(key: null, cancellationToken);

    /// <summary>The rows as they are now: of one conversation, or all (after signals may have been missed).</summary>
    private async Task ReadAsync(string? key)
    {
        try
        {
            await LoadAsync(key, CancellationToken.None);
        }
        catch (Exception e)
        {
            _log.LogError("Reading blocks again after another host's change failed: {Error}", e.GetType().Name);
        }
    }

    private async Task LoadAsync(string? key, CancellationToken cancel)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var now = _clock.GetUtcNow().UtcDateTime;
        var rows = scope.ServiceProvider.GetRequiredService<BotDb>().BlockedConversations.AsNoTracking().Where(b => b.ExpiresAt > now);
        var active = await (key is null ? rows : rows.Where(b => b.Key == key)).Select(b => new { b.Key, b.ExpiresAt }).ToListAsync(cancel);
        foreach (var ended in _until.Keys.Where(k => (key is null || k == key) && !active.Exists(b => b.Key == k)))
        {
            _until.TryRemove(ended, out _);   // lifted or forgotten on another host
        }
        foreach (var block in active)
        {
            _until[block.Key] = block.ExpiresAt;
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
