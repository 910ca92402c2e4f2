using Bot.Dialogs;
using Bot.Host.Storage;
using Bot.Host.Turns;
using Microsoft.EntityFrameworkCore;

namespace Bot.Host.Channels;

public sealed record OutboundMessage(long Id, string ConversationKey, string Address, BotMessage Message);

/// <summary>A channel that pushes replies (Telegram, Bot Framework). Throws when a message could not be delivered.</summary>
public interface IChannelSender
{
    string Channel { get; }

    /// <param name="message">Its <see cref="OutboundMessage.Id"/> is unique: an idempotency key where the channel takes one.</param>
    /// <returns>
    /// What the delivery leaves to store (Telegram's message id, for /exit to delete), or null: it commits with the row's
    /// "delivered" mark, so a host killed after the send leaves less between the send and that commit.
    /// </returns>
    Task<Func<BotDb, Task>?> SendAsync(OutboundMessage message, CancellationToken cancel);
}

/// <summary>
/// Thrown by a sender when a conversation is over its outbound budget: not a failure (no attempt counted, nothing logged
/// above Debug); its replies wait in the outbox until <paramref name="after"/> has passed.
/// </summary>
public sealed class DeliveryDeferredException(TimeSpan after) : Exception("Over the conversation's outbound budget")
{
    public TimeSpan After { get; } = after;
}

/// <summary>
/// Delivers the persisted outbox of the push channels: in order within a conversation, conversations
/// in parallel, again after a failure or a restart, each message marked once it is delivered. On a shared database (several
/// hosts) each row is claimed in the database before it is sent (<see cref="SendClaimedAsync"/>), so one host sends it.
/// </summary>
public sealed class OutboxDispatcher(
    IServiceScopeFactory scopes, TurnWriter writer, IEnumerable<IChannelSender> senders, Sealed secrets, TimeProvider clock,
    ConversationLocks locks, ILogger<OutboxDispatcher> log)
    : BackgroundService
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(2);
    /// <summary>
    /// On a shared database a row just committed is for the host whose turn committed it (it has the reply-to its turn knows and
    /// sends it at once): another host's sweep takes only rows older than this, left by a host that died or failed.
    /// </summary>
    private static readonly TimeSpan SharedSweepGrace = TimeSpan.FromSeconds(5);
    private readonly Dictionary<string, IChannelSender> _senders = senders.ToDictionary(s => s.Channel);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Drain> _draining = [];
    private readonly SemaphoreSlim _parallel = new(64);
    /// <summary>Conversations whose outbox may hold rows that memory does not know of (a failed delivery, or left by a restart).</summary>
    private readonly HashSet<string> _unsure = [];
    /// <summary>Set once the first sweep has listed what a restart left: until then every drain reads the outbox.</summary>
    private bool _recovered;

    /// <summary>
    /// A conversation being drained: the committed rows handed over since the last send (or a read of the outbox
    /// is due instead), and the address its latest turn was sent from.
    /// </summary>
    private sealed class Drain(string? address)
    {
        public bool Read { get; set; }
        public List<OutboxMessage> Handed { get; set; } = [];
        public string? Address { get; set; } = address;
        public bool Idle => !Read && Handed.Count == 0;
    }

    // Compiled once: these run for every reply, and EF's per-call query preparation was a visible share of the host's processor time.
    private static readonly PerModel<Func<BotDb, string, IAsyncEnumerable<OutboxMessage>>> PendingOf = new(() => EF.CompileAsyncQuery<BotDb, string, OutboxMessage>(
        (BotDb db, string key) => db.Outbox.AsNoTracking().Where(m => m.ConversationKey == key && m.DeliveredAt == null).OrderBy(m => m.Id)));

    private static readonly PerModel<Func<BotDb, string, Task<bool>>> AnyPendingOf = new(() => EF.CompileAsyncQuery(
        (BotDb db, string key) => db.Outbox.Any(m => m.ConversationKey == key && m.DeliveredAt == null)));

    public bool Pushes(string channel) => _senders.ContainsKey(channel);

    /// <summary>The first sweep has run: from now on committed rows are sent from memory (for tests).</summary>
    internal bool Recovered
    {
        get
        {
            lock (_gate)
            {
                return _recovered;
            }
        }
    }

    /// <summary>A turn of this conversation left replies in the outbox.</summary>
    /// <param name="address">
    /// The address the turn committed with it, in the clear: spares a read and an unsealing per delivery. Without it
    /// (after a restart or a failure) the stored address is used.
    /// </param>
    /// <param name="committed">
    /// The rows the turn has just committed, in order: sent from memory, which spares a read of the outbox per turn. Without
    /// them, or while older rows of the conversation may still wait in the outbox, the outbox is read instead.
    /// Callers notify under the conversation's lock, so rows arrive here in the order they were committed.
    /// </param>
    public void Notify(string key, string? address = null, IReadOnlyList<OutboxMessage>? committed = null)
    {
        lock (_gate)
        {
            var read = committed is null || !_recovered || _unsure.Contains(key);
            var start = !_draining.TryGetValue(key, out var drain);
            if (start)
            {
                drain = new Drain(address);
                _draining[key] = drain;
            }
            drain!.Address = address ?? drain.Address;
            if (read)
            {
                drain.Read = true;
                drain.Handed.Clear();   // committed before this call: the read finds them
            }
            else if (!drain.Read)
            {
                drain.Handed.AddRange(committed!);
            }
            if (!start)
            {
                return;
            }
        }
        _ = Task.Run(() => DrainAsync(key));
    }

    /// <summary>/forget: what was handed over and not yet sent is dropped with the erased outbox.</summary>
    public void Forget(string key)
    {
        lock (_gate)
        {
            if (_draining.TryGetValue(key, out var drain))
            {
                drain.Handed.Clear();
            }
            _unsure.Remove(key);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(SweepInterval, clock);
        await RecoverAsync(stoppingToken);
        do
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogError(e, "Outbox sweep failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>
    /// Every conversation with undelivered rows at start-up is read from the outbox until it is drained, so a new turn's rows
    /// never overtake what a restart left. Until this has run every drain reads the outbox anyway.
    /// </summary>
    private async Task RecoverAsync(CancellationToken cancel)
    {
        var channels = _senders.Keys.ToList();
        List<string> keys = [];
        while (true)
        {
            try
            {
                if (channels.Count > 0)
                {
                    await using var scope = scopes.CreateAsyncScope();
                    keys = await scope.ServiceProvider.GetRequiredService<BotDb>().Outbox.AsNoTracking()
                        .Where(m => m.DeliveredAt == null && channels.Contains(m.Channel)).Select(m => m.ConversationKey).Distinct().ToListAsync(cancel);
                }
                break;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogError(e, "Outbox recovery failed; trying again");
                await Task.Delay(SweepInterval, clock, cancel);
            }
        }
        lock (_gate)
        {
            _unsure.UnionWith(keys);
            _recovered = true;
        }
    }

    /// <summary>Picks up what a restart or a failed attempt left behind.</summary>
    private async Task SweepAsync(CancellationToken cancel)
    {
        if (_senders.Count == 0)
        {
            return;
        }
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BotDb>();
        var now = clock.GetUtcNow().UtcDateTime;
        var channels = _senders.Keys.ToList();
        var pending = db.Outbox.AsNoTracking()
            .Where(m => m.DeliveredAt == null && channels.Contains(m.Channel) && (m.NextAttemptAt == null || m.NextAttemptAt <= now));
        if (locks.Shared)
        {
            var left = now - SharedSweepGrace;
            pending = pending.Where(m => m.CreatedAt <= left);
        }
        var keys = await pending.Select(m => m.ConversationKey).Distinct().OrderBy(k => k).Take(1000).ToListAsync(cancel);
        keys.ForEach(key => Notify(key));
    }

    private async Task DrainAsync(string key)
    {
        while (true)
        {
            await _parallel.WaitAsync();
            try
            {
                var (address, handed, pending) = locks.Shared ? (Claimed(key), null, []) : await TakeAsync(key);
                var drained = locks.Shared
                    ? await SendClaimedAsync(key, address)
                    : await SendPendingAsync(key, address, pending, writer.WriteAsync, CancellationToken.None);
                lock (_gate)
                {
                    if (!drained)
                    {
                        _unsure.Add(key);   // rows wait in the outbox: later turns read it until they have gone
                    }
                    else if (handed is null)
                    {
                        _unsure.Remove(key);
                    }
                }
            }
            catch (Exception e)
            {
                lock (_gate)
                {
                    _unsure.Add(key);
                }
                log.LogError(e, "Outbox of {ConversationKey} failed", Pseudonym.Of(key));
            }
            finally
            {
                _parallel.Release();
            }
            lock (_gate)
            {
                var drain = _draining[key];
                if (drain.Idle)
                {
                    _draining.Remove(key);
                    return;
                }
                if (_unsure.Contains(key) && !drain.Read)
                {
                    // Rows handed over meanwhile must not overtake one that failed: the outbox is read (they are in it).
                    (drain.Read, drain.Handed) = (true, []);
                }
            }
        }
    }

    /// <summary>
    /// What the drain sends next: the rows handed over, or, when a read is due, the outbox's pending rows. A read holds the
    /// conversation's lock, which its turns hold from their commit until they have handed their rows over: so a row is either
    /// handed over before the read (and dropped from the handed list, the read has it) or committed after it, never both. A
    /// read without the lock could find a row its turn had committed and not yet handed over, and the row went out twice.
    /// </summary>
    private async Task<(string? Address, List<OutboxMessage>? Handed, List<OutboxMessage> Pending)> TakeAsync(string key)
    {
        lock (_gate)
        {
            var drain = _draining[key];
            if (!drain.Read)
            {
                var handed = drain.Handed;
                drain.Handed = [];
                return (drain.Address, handed, handed);
            }
        }
        await using (await locks.EnterAsync(key, CancellationToken.None))
        {
            string? address;
            lock (_gate)
            {
                var drain = _draining[key];
                address = drain.Address;
                (drain.Read, drain.Handed) = (false, []);
            }
            await using var scope = scopes.CreateAsyncScope();
            var pending = new List<OutboxMessage>();
            var db = scope.ServiceProvider.GetRequiredService<BotDb>();
            await foreach (var row in PendingOf.For(db)(db, key))
            {
                pending.Add(row);
            }
            return (address, null, pending);   // no handed rows: the outbox was read
        }
    }

    /// <summary>On a shared database the drain reads the outbox itself: what was handed over is dropped, the address kept.</summary>
    private string? Claimed(string key)
    {
        lock (_gate)
        {
            var drain = _draining[key];
            (drain.Read, drain.Handed) = (false, []);
            return drain.Address;
        }
    }

    private string? LatestAddress(string key)
    {
        lock (_gate)
        {
            return _draining.TryGetValue(key, out var drain) ? drain.Address : null;
        }
    }

    /// <summary>
    /// Several hosts: each row goes out in a transaction of its own that holds the conversation's oldest pending row
    /// (`FOR UPDATE SKIP LOCKED`), marked delivered in the same commit. A host that finds that row held by another leaves the
    /// whole conversation to the holder, which sends the rows after it too: one host at a time per conversation, in order, and
    /// a row committed as delivered is never sent again. A host killed between a send and its commit leaves the row pending:
    /// it is sent again, as after any crash of the one host before.
    /// </summary>
    /// <returns>False when something is left in the outbox (a failure, or a retry not yet due).</returns>
    private async Task<bool> SendClaimedAsync(string key, string? knownAddress)
    {
        var channels = _senders.Keys.ToList();
        long? previous = null;
        while (true)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<BotDb>();
            await using var transaction = await db.Database.BeginTransactionAsync();
            // The WHERE again outside the sub-select: a row delivered by the host that held it is re-checked after its commit, and skipped.
            var oldest = await db.Outbox.FromSql($"""
                SELECT "Id", "ConversationKey", "Channel", "Payload", "CreatedAt", "DeliveredAt", "Attempts", "NextAttemptAt"
                FROM "Outbox" WHERE "Id" = (SELECT min("Id") FROM "Outbox" WHERE "ConversationKey" = {key} AND "DeliveredAt" IS NULL)
                AND "DeliveredAt" IS NULL FOR UPDATE SKIP LOCKED
                """).AsNoTracking().ToListAsync();
            if (oldest is not [var row] || !channels.Contains(row.Channel) || row.Id == previous)
            {
                return true;   // nothing pending, another host is sending it (and what follows), or nowhere to send it (forgotten)
            }
            previous = row.Id;
            // The latest turn's address, not the one this drain began with: a turn committed meanwhile replies to its own activity.
            if (!await SendPendingAsync(key, LatestAddress(key) ?? knownAddress, [row], apply => apply(db), () => db, CancellationToken.None))
            {
                await transaction.CommitAsync();   // the failed attempt's count and its next time
                return false;
            }
            await transaction.CommitAsync();
            // Rows another host committed while this one held the oldest: that host left them to this one. A look outside a
            // transaction first: most often there are none, and an empty claim costs a transaction (and its rollback).
            if (!await AnyPendingOf.For(db)(db, key))
            {
                return true;
            }
        }
    }

    /// <param name="pending">The rows to send, in order.</param>
    /// <param name="write">Commits the delivery marks (and a failure's count): the group commit, or the claim's own transaction.</param>
    /// <returns>False when something is left in the outbox (a failure, or a retry not yet due).</returns>
    private async Task<bool> SendPendingAsync(string key, string? knownAddress, List<OutboxMessage> pending, Func<Func<BotDb, Task>, Task> write,
        CancellationToken cancel)
    {
        // A context only when the address must be read: rows handed over with their address need none.
        AsyncServiceScope? scope = null;
        try
        {
            return await SendPendingAsync(key, knownAddress, pending, write,
                () => (scope ??= scopes.CreateAsyncScope()).ServiceProvider.GetRequiredService<BotDb>(), cancel);
        }
        finally
        {
            if (scope is { } opened)
            {
                await opened.DisposeAsync();
            }
        }
    }

    private async Task<bool> SendPendingAsync(string key, string? knownAddress, List<OutboxMessage> pending, Func<Func<BotDb, Task>, Task> write,
        Func<BotDb> db, CancellationToken cancel)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (pending.Count == 0)
        {
            return true;
        }
        if (pending[0].NextAttemptAt > now)
        {
            return false;
        }
        if (!_senders.TryGetValue(pending[0].Channel, out var sender))
        {
            return true;
        }
        var address = knownAddress;
        if (address is null)
        {
            var sealedAddress = await ChannelAddress.SealedOf(db(), key);
            if (sealedAddress is null)
            {
                return true;   // forgotten meanwhile: nothing to send to
            }
            address = secrets.Open(sealedAddress);
        }
        // Sends go one after another, in order; their "delivered" marks (and what the sends leave) commit together behind them, in one write.
        var delivered = new List<long>(pending.Count);
        var left = new List<Func<BotDb, Task>>();
        try
        {
            await SendInOrderAsync(pending, key, address, sender, delivered, left, write, cancel);
        }
        finally
        {
            if (delivered.Count > 0)
            {
                var at = clock.GetUtcNow().UtcDateTime;
                // Plain SQL: this runs on the one writer for every delivery, and LINQ's per-call translation was a large share of it.
                await write(async marks =>
                {
                    foreach (var id in delivered)
                    {
                        await marks.Database.ExecuteSqlAsync($"""UPDATE "Outbox" SET "DeliveredAt" = {at} WHERE "Id" = {id}""");
                    }
                    foreach (var store in left)
                    {
                        await store(marks);
                    }
                });
            }
        }
        return delivered.Count == pending.Count;
    }

    private async Task SendInOrderAsync(List<OutboxMessage> pending, string key, string address, IChannelSender sender, List<long> delivered,
        List<Func<BotDb, Task>> left, Func<Func<BotDb, Task>, Task> write, CancellationToken cancel)
    {
        foreach (var row in pending)
        {
            var message = row.Message(secrets);
            try
            {
                if (await sender.SendAsync(new OutboundMessage(row.Id, key, address, message), cancel) is { } store)
                {
                    left.Add(store);
                }
                delivered.Add(row.Id);
            }
            catch (DeliveryDeferredException deferred)
            {
                var due = clock.GetUtcNow().UtcDateTime + deferred.After;
                await write(marks => marks.Outbox.Where(m => m.Id == row.Id)
                    .ExecuteUpdateAsync(set => set.SetProperty(m => m.NextAttemptAt, due)));
                row.NextAttemptAt = due;
                log.LogDebug("Outbox of {ConversationKey} over its budget: waits {After}", Pseudonym.Of(key), deferred.After);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Order matters within a conversation: stop here and try this one again later.
                var attempts = row.Attempts + 1;
                var next = clock.GetUtcNow().UtcDateTime + Backoff(attempts);
                await write(marks => marks.Outbox.Where(m => m.Id == row.Id)
                    .ExecuteUpdateAsync(set => set.SetProperty(m => m.Attempts, attempts).SetProperty(m => m.NextAttemptAt, next)));
                row.Attempts = attempts;
                log.LogWarning("Delivery to {ConversationKey} on {Channel} failed (attempt {Attempt}): {Error}",
                    Pseudonym.Of(key), row.Channel, row.Attempts, e.GetType().Name);
                return;
            }
        }
    }

    private static TimeSpan Backoff(int attempts) => TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, Math.Min(attempts, 6))));
}
