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

    public async Task<HeldConversation> EnterAsync(string key, CancellationToken cancel)
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
        var held = new HeldConversation(key, stripe, storage.Shared ? _transactions : null, scopes, writer);
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
    private readonly SemaphoreSlim _stripe;
    private readonly SemaphoreSlim? _transactions;
    private readonly IServiceScopeFactory _scopes;
    private readonly TurnWriter _writer;
    private AsyncServiceScope? _scope;
    private BotDb? _db;
    private Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction? _transaction;

    internal HeldConversation(string key, SemaphoreSlim stripe, SemaphoreSlim? transactions, IServiceScopeFactory scopes, TurnWriter writer)
    {
        (_key, _stripe, _transactions, _scopes, _writer) = (key, stripe, transactions, scopes, writer);
    }

    internal async Task LockAsync(CancellationToken cancel)
    {
        _scope ??= _scopes.CreateAsyncScope();
        _db ??= _scope.Value.ServiceProvider.GetRequiredService<BotDb>();
        _transaction = await _db.Database.BeginTransactionAsync(cancel);
        await _db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({ConversationLocks.AdvisoryKey(_key)})", cancel);
    }

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
        return await ConversationStore.LoadAsync(_db, _key, cancel);
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
