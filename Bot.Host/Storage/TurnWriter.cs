using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;

namespace Bot.Host.Storage;

/// <summary>Everything one turn writes, committed together.</summary>
public sealed record TurnWrite(
    ConversationRecord Conversation,
    bool ConversationExists,
    IReadOnlyList<object> Added,
    ChannelAddress? Address,
    bool AddressExists);

/// <summary>
/// Group commit: turns queue their writes, one writer commits all that are waiting in a single
/// transaction (one fsync for many turns), and each turn is acknowledged only once its write is
/// durable. SQLite has one writer at a time anyway; this keeps it busy instead of contended.
/// </summary>
public sealed class TurnWriter(IServiceScopeFactory scopes, ILogger<TurnWriter> log) : BackgroundService
{
    private const int MaxBatch = 256;
    private readonly Channel<(TurnWrite Write, TaskCompletionSource Done)> _queue =
        Channel.CreateUnbounded<(TurnWrite, TaskCompletionSource)>(new UnboundedChannelOptions { SingleReader = true });

    public Task WriteAsync(TurnWrite write)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite((write, done)))
        {
            done.SetException(new InvalidOperationException("The host is stopping."));
        }
        return done.Task;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<(TurnWrite Write, TaskCompletionSource Done)>(MaxBatch);
        // Drain what is queued even while stopping: a turn waiting here was not yet acknowledged.
        while (await _queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }
            try
            {
                await CommitAsync(batch.Select(b => b.Write));
                batch.ForEach(b => b.Done.SetResult());
            }
            catch (Exception e) when (batch.Count > 1)
            {
                // One bad write must not fail the others: commit them one by one.
                log.LogWarning("A batch of {Count} turns failed ({Error}); committing them one by one", batch.Count, e.GetType().Name);
                foreach (var (write, done) in batch)
                {
                    try
                    {
                        await CommitAsync([write]);
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
            if (stoppingToken.IsCancellationRequested && _queue.Reader.Count == 0)
            {
                break;
            }
        }
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        return base.StopAsync(cancellationToken);
    }

    private async Task CommitAsync(IEnumerable<TurnWrite> writes)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BotDb>();
        foreach (var write in writes)
        {
            if (write.ConversationExists)
            {
                db.Conversations.Update(write.Conversation);
            }
            else
            {
                db.Conversations.Add(write.Conversation);
            }
            if (write.Address is { } address)
            {
                if (write.AddressExists)
                {
                    db.Addresses.Update(address);
                }
                else
                {
                    db.Addresses.Add(address);
                }
            }
            db.AddRange(write.Added);
        }
        await db.SaveChangesAsync();
    }
}
