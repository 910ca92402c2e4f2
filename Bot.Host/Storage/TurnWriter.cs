using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;

namespace Bot.Host.Storage;

/// <summary>
/// The one writer of the hot path (group commit): turns, delivery marks and channel bookkeeping
/// queue their writes, one loop applies all that are waiting in a single transaction (one fsync for
/// many), and each caller goes on only once its write is durable. SQLite has one writer at a time
/// anyway; this keeps it busy instead of contended, so no caller ever meets SQLITE_BUSY.
/// </summary>
public sealed class TurnWriter(IServiceScopeFactory scopes, ILogger<TurnWriter> log) : BackgroundService
{
    private const int MaxBatch = 256;
    private readonly Channel<(Func<BotDb, Task> Apply, TaskCompletionSource Done)> _queue =
        Channel.CreateUnbounded<(Func<BotDb, Task>, TaskCompletionSource)>(new UnboundedChannelOptions { SingleReader = true });

    /// <param name="apply">Adds, changes or deletes through the given context; it may run again if its batch fails.</param>
    public Task WriteAsync(Func<BotDb, Task> apply)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite((apply, done)))
        {
            done.SetException(new InvalidOperationException("The host is stopping."));
        }
        return done.Task;
    }

    public Task WriteAsync(Action<BotDb> apply) => WriteAsync(db =>
    {
        apply(db);
        return Task.CompletedTask;
    });

    private readonly System.Collections.Concurrent.ConcurrentQueue<TaskCompletionSource<bool>> _checkpoints = new();

    /// <summary>
    /// After an erasure: copies the write-ahead log into the database and truncates it to nothing (`wal_checkpoint(TRUNCATE)`),
    /// so the erased rows' old pages are not left in bot.db-wal. Run by the writer between batches (no writer waits on it);
    /// requests that arrive together share one checkpoint.
    /// </summary>
    /// <returns>False when readers kept it from completing within its bound (the next one will).</returns>
    public Task<bool> CheckpointAsync()
    {
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _checkpoints.Enqueue(done);
        if (!_queue.Writer.TryWrite((_ => Task.CompletedTask, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))))
        {
            done.TrySetResult(false);   // stopping: closing the last connection checkpoints anyway
        }
        return done.Task;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<(Func<BotDb, Task> Apply, TaskCompletionSource Done)>(MaxBatch);
        // Drain what is queued even while stopping: a caller waiting here was not yet acknowledged.
        while (await _queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }
            try
            {
                await CommitAsync(batch.Select(b => b.Apply));
                batch.ForEach(b => b.Done.SetResult());
            }
            catch (Exception e) when (batch.Count > 1)
            {
                // One bad write must not fail the others: commit them one by one.
                log.LogWarning("A batch of {Count} writes failed ({Error}); committing them one by one", batch.Count, e.GetType().Name);
                foreach (var (apply, done) in batch)
                {
                    try
                    {
                        await CommitAsync([apply]);
                        done.SetResult();
                    }
                    catch (Exception single)
                    {
                        done.SetException(single);
                    }
                }
            }
            catch (Exception e)
            {
                batch[0].Done.SetException(e);
            }
            batch.Clear();
            await CheckpointIfAskedAsync();
            if (stoppingToken.IsCancellationRequested && _queue.Reader.Count == 0)
            {
                break;
            }
        }
    }

    private async Task CheckpointIfAskedAsync()
    {
        if (_checkpoints.IsEmpty)
        {
            return;
        }
        var waiting = new List<TaskCompletionSource<bool>>();
        while (_checkpoints.TryDequeue(out var done))
        {
            waiting.Add(done);
        }
        var truncated = false;
        try
        {
            truncated = await TruncateLogAsync();
            if (!truncated)
            {
                log.LogWarning("The write-ahead log could not be truncated: readers held it; the next checkpoint will");
            }
        }
        catch (Exception e)
        {
            log.LogWarning("Checkpoint failed ({Error})", e.GetType().Name);
            await ResetAsync();
        }
        waiting.ForEach(done => done.TrySetResult(truncated));
    }

    /// <summary>
    /// A reader that started before the log was copied blocks the truncation until it ends (milliseconds: reads are short),
    /// so a few tries, bounded in count and time; the writer's connection has no busy handler, so each try answers at once.
    /// </summary>
    private async Task<bool> TruncateLogAsync()
    {
        var db = await ContextAsync();
        if (!db.Database.IsSqlite())
        {
            return true;
        }
        var connection = db.Database.GetDbConnection();
        for (var attempt = 0; attempt < 40; attempt++)
        {
            await using (var command = connection.CreateCommand())
            {
                command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
                await using var reader = await command.ExecuteReaderAsync();
                if (await reader.ReadAsync() && reader.GetInt32(0) == 0)
                {
                    return true;
                }
            }
            await Task.Delay(TimeSpan.FromMilliseconds(25));
        }
        return false;
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        return base.StopAsync(cancellationToken);
    }

    private AsyncServiceScope? _scope;
    private BotDb? _db;

    /// <summary>
    /// The writer's own context, its connection kept open: opening one registers EF's SQLite functions and
    /// collation anew each time, a visible share of the host's processor time when done for every batch.
    /// </summary>
    private async Task<BotDb> ContextAsync()
    {
        if (_db is not null)
        {
            return _db;
        }
        _scope = scopes.CreateAsyncScope();
        var db = _scope.Value.ServiceProvider.GetRequiredService<BotDb>();
        await db.Database.OpenConnectionAsync();
        if (db.Database.IsSqlite())
        {
            // Durable against power loss, not only a crash: every commit is synced (WAL + FULL), not left to the build's default.
            await db.Database.ExecuteSqlRawAsync("PRAGMA synchronous=FULL;");
        }
        return _db = db;
    }

    /// <summary>After a failure the context starts afresh: nothing of a failed batch stays tracked or open.</summary>
    private async Task ResetAsync()
    {
        _db = null;
        if (_scope is { } scope)
        {
            _scope = null;
            await scope.DisposeAsync();
        }
    }

    public override void Dispose()
    {
        _scope?.Dispose();
        base.Dispose();
    }

    /// <summary>One transaction; each write is saved before the next runs, so a delete sees what an earlier write added.</summary>
    private async Task CommitAsync(IEnumerable<Func<BotDb, Task>> applies)
    {
        var db = await ContextAsync();
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            foreach (var apply in applies)
            {
                await apply(db);
                await db.SaveChangesAsync();
                // Saved: untracked again, so the next write's change detection does not walk the whole batch (it did: quadratic).
                db.ChangeTracker.Clear();
            }
            await transaction.CommitAsync();
        }
        catch
        {
            await ResetAsync();
            throw;
        }
    }
}
