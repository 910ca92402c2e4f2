using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;

namespace Bot.Host.Storage;

/// <summary>
/// Serialises the turns of one conversation; different conversations run in parallel. In this process by a striped semaphore;
/// on a shared database (PostgreSQL, where several hosts may take turns of the same conversation) also by a transaction-scoped
/// advisory lock keyed by the conversation, held by the transaction the turn reads and writes in.
/// </summary>
public sealed class ConversationLocks(IServiceScopeFactory scopes, TurnWriter writer, StorageOptions storage) : IDisposable
{
    private readonly SemaphoreSlim[] _stripes = Enumerable.Range(0, 1024).Select(_ => new SemaphoreSlim(1, 1)).ToArray();
    /// <summary>
    /// On a shared database each held lock is a pooled connection in a transaction: at most this many at once (well below the
    /// pool's 100), so reads and the dispatcher always find a connection, and a burst of turns waits here instead of failing on
    /// the pool's timeout.
    /// </summary>
    private readonly SemaphoreSlim _transactions = new(32, 32);

    /// <summary>Another host may write the conversations: nothing read outside a held lock can be trusted to be current.</summary>
    public bool Shared => storage.Shared;

    /// <param name="inbound">The update the turn handles, if it has an id: see <see cref="HeldConversation.RecordInboundAsync"/>.</param>
    public async Task<HeldConversation> EnterAsync(string key, CancellationToken cancel, InboundSeen? inbound = null)
    {
        var stripe = _stripes[(uint)StringComparer.Ordinal.GetHashCode(key) % (uint)_stripes.Length];
        await stripe.WaitAsync(cancel);
        if (storage.Shared)
        {
            try
            {
                await _transactions.WaitAsync(cancel);
            }
            catch
            {
                stripe.Release();
                throw;
            }
        }
        var held = new HeldConversation(key, inbound, stripe, storage.Shared ? _transactions : null, scopes, writer);
        try
        {
            if (storage.Shared)
            {
                await held.LockAsync(cancel);
            }
            return held;
        }
        catch
        {
            await held.DisposeAsync();
            throw;
        }
    }

    public void Dispose()
    {
        _transactions.Dispose();
        Array.ForEach(_stripes, stripe => stripe.Dispose());
    }

    /// <summary>
    /// The advisory lock's key: a stable 64-bit hash of the conversation key (the same on every host and after every restart,
    /// unlike <see cref="string.GetHashCode()"/>). Two conversations sharing one only wait for each other now and then.
    /// </summary>
    public static long AdvisoryKey(string key) => BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}

/// <summary>
/// A conversation whose lock is held: read it and write it through here. On SQLite the reads take a context of their own and
/// the write goes through the group commit (<see cref="TurnWriter"/>); on PostgreSQL both run in the transaction that holds the
/// advisory lock, so a turn on another host waits until this one has committed and then reads what it wrote.
/// </summary>
public sealed class HeldConversation : IAsyncDisposable
{
    private readonly string _key;
    private readonly InboundSeen? _inbound;
    /// <summary>On PostgreSQL, once the lock's round trip has inserted <see cref="_inbound"/>: whether it was new.</summary>
    private bool? _inboundFirst;
    private readonly SemaphoreSlim _stripe;
    private readonly SemaphoreSlim? _transactions;
    private readonly IServiceScopeFactory _scopes;
    private readonly TurnWriter _writer;
    private AsyncServiceScope? _scope;
    private BotDb? _db;
    private Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction? _transaction;
    /// <summary>What the lock's own round trip read, until this lock's write (a read after it takes the lock again).</summary>
    private StoredConversation? _locked;

    internal HeldConversation(string key, InboundSeen? inbound, SemaphoreSlim stripe, SemaphoreSlim? transactions, IServiceScopeFactory scopes,
        TurnWriter writer)
    {
        (_key, _inbound, _stripe, _transactions, _scopes, _writer) = (key, inbound, stripe, transactions, scopes, writer);
    }

    internal async Task LockAsync(CancellationToken cancel)
    {
        _scope ??= _scopes.CreateAsyncScope();
        _db ??= _scope.Value.ServiceProvider.GetRequiredService<BotDb>();
        // A failed save fails the turn and rolls the whole transaction back: EF's savepoint around each save (two round trips
        // more per turn) would only let the transaction go on after it.
        _db.Database.AutoSavepointsEnabled = false;
        _transaction = await _db.Database.BeginTransactionAsync(cancel);
        var inbound = _inboundFirst is null ? _inbound : null;   // once: a lock taken again after the write finds it committed
        (_locked, var first) = await ConversationStore.LockAndLoadAsync(_db, _key, ConversationLocks.AdvisoryKey(_key), inbound, cancel);
        _inboundFirst ??= first;
    }

    /// <summary>
    /// Records the update this lock was entered for as handled, inside this lock's write: false when it was handled before. The
    /// unique key decides, in the write's own transaction; on PostgreSQL the lock's round trip has already inserted it there.
    /// </summary>
    public async Task<bool> RecordInboundAsync(BotDb db) =>
        _inboundFirst ?? await InboundSeen.RecordAsync(db, _inbound!.Id, _inbound.ReceivedAt);

    /// <summary>The conversation as stored now (on PostgreSQL: as the last host to hold the lock committed it).</summary>
    public async Task<StoredConversation> LoadAsync(CancellationToken cancel)
    {
        if (_db is null)
        {
            await using var scope = _scopes.CreateAsyncScope();
            return await ConversationStore.LoadAsync(scope.ServiceProvider.GetRequiredService<BotDb>(), _key, cancel);
        }
        if (_transaction is null)
        {
            await LockAsync(cancel);   // a read after this lock's write: under the lock again
        }
        return _locked!;
    }

    /// <summary>Commits <paramref name="apply"/>'s changes; acknowledged (returns) only once they are durable.</summary>
    /// <param name="apply">Adds, changes or deletes through the given context; on SQLite it may run again if its batch fails.</param>
    public async Task WriteAsync(Func<BotDb, Task> apply)
    {
        if (_db is null)
        {
            await _writer.WriteAsync(apply);
            return;
        }
        if (_transaction is null)
        {
            await LockAsync(CancellationToken.None);
        }
        // Queued writes run to their end; so does this one, once the lock is held.
        await apply(_db);
        await _db.SaveChangesAsync(CancellationToken.None);
        await _transaction!.CommitAsync(CancellationToken.None);
        await _transaction.DisposeAsync();
        _transaction = null;
        _locked = null;
        _db.ChangeTracker.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_transaction is not null)
            {
                await _transaction.DisposeAsync();   // not committed: rolled back, the lock let go
            }
            if (_scope is { } scope)
            {
                await scope.DisposeAsync();
            }
        }
        finally
        {
            _transactions?.Release();
            _stripe.Release();
        }
    }
}
