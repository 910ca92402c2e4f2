using System.Diagnostics;
using Microsoft.EntityFrameworkCore;

namespace Bot.Host.Storage;

/// <summary>
/// Work that only one host of the database may do at a time (Telegram's long polling). The lease is a row taken and renewed by
/// one statement on the database's clock, so no host's clock decides who holds it. A holder that dies is replaced at most
/// <see cref="Term"/> + <see cref="Retry"/> (18 s) later; a holder cut off from the database stops its work after
/// <see cref="Trust"/>, before the lease it last renewed can expire. On SQLite (one host per database) it is always held.
/// </summary>
public sealed class Leases(IServiceScopeFactory scopes, StorageOptions storage, ILogger<Leases> log)
{
    /// <summary>How long a take or a renewal holds, by the database's clock.</summary>
    public static readonly TimeSpan Term = TimeSpan.FromSeconds(15);
    /// <summary>How often the holder renews and the other hosts try to take it.</summary>
    public static readonly TimeSpan Retry = TimeSpan.FromSeconds(3);
    /// <summary>
    /// How long after a successful renewal began (by this host's monotonic clock) the holder goes on: the database's expiry is at
    /// least <see cref="Term"/> after that moment, and the margin covers stopping the work (cancelling a request in flight).
    /// Three renewals can fail before it stops.
    /// </summary>
    public static readonly TimeSpan Trust = TimeSpan.FromSeconds(11);

    private readonly string _self = Guid.NewGuid().ToString("N");

    /// <summary>
    /// Until <paramref name="stopping"/>: takes the lease when it is free and runs <paramref name="work"/> while it is held. The
    /// work's token is cancelled as soon as the lease may no longer be this host's (taken by another, or not renewed in time);
    /// then the host tries again. Released on stop, so another host takes over at once.
    /// </summary>
    public async Task WhileHeldAsync(string name, Func<CancellationToken, Task> work, CancellationToken stopping)
    {
        if (!storage.Shared)
        {
            await work(stopping);
            return;
        }
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                using var held = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                if (!await TryTakeAsync(name, held, stopping))
                {
                    await Task.Delay(Retry, stopping);
                    continue;
                }
                log.LogInformation("This host took the {Lease} lease", name);
                var renewing = RenewAsync(name, held);
                try
                {
                    await work(held.Token);
                }
                catch (OperationCanceledException) when (held.IsCancellationRequested)
                {
                    // lost or stopping: the work stopped, as asked
                }
                finally
                {
                    await held.CancelAsync();
                    await renewing;
                }
                if (!stopping.IsCancellationRequested)
                {
                    log.LogWarning("This host lost the {Lease} lease (taken by another or not renewed in time) and stopped its work", name);
                }
            }
        }
        finally
        {
            await ReleaseAsync(name);
        }
    }

    private async Task RenewAsync(string name, CancellationTokenSource held)
    {
        while (true)
        {
            try
            {
                await Task.Delay(Retry, held.Token);
                var started = Stopwatch.GetTimestamp();
                if (!await TakeAsync(name, held.Token))
                {
                    await held.CancelAsync();   // another host holds it: its expiry had passed by the database's clock
                    return;
                }
                Trusted(held, started);
            }
            catch (OperationCanceledException) when (held.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Not renewed: the work goes on until Trust runs out, and the next renewal may still come in time.
                log.LogWarning("Renewing the {Lease} lease failed: {Error}", name, e.GetType().Name);
            }
        }
    }

    private async Task<bool> TryTakeAsync(string name, CancellationTokenSource held, CancellationToken stopping)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            if (!await TakeAsync(name, stopping))
            {
                return false;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning("Taking the {Lease} lease failed: {Error}", name, e.GetType().Name);
            return false;
        }
        Trusted(held, started);
        return true;
    }

    /// <summary>The work is cancelled <see cref="Trust"/> after the statement that took or renewed the lease was sent.</summary>
    private static void Trusted(CancellationTokenSource held, long started) =>
        held.CancelAfter(TimeSpan.FromTicks(Math.Max(0, (Trust - Stopwatch.GetElapsedTime(started)).Ticks)));

    /// <summary>
    /// Takes or renews in one statement: inserted when no host ever held it, else updated when this host holds it or its expiry
    /// has passed. Of two hosts racing for an expired lease, the second re-reads the row the first wrote and finds it held.
    /// </summary>
    private async Task<bool> TakeAsync(string name, CancellationToken cancel)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BotDb>();
        return await db.Database.ExecuteSqlAsync($"""
            INSERT INTO "Leases" ("Name", "Holder", "ExpiresAt") VALUES ({name}, {_self}, now() + {Term})
            ON CONFLICT ("Name") DO UPDATE SET "Holder" = excluded."Holder", "ExpiresAt" = excluded."ExpiresAt"
            WHERE "Leases"."Holder" = excluded."Holder" OR "Leases"."ExpiresAt" <= now()
            """, cancel) == 1;
    }

    private async Task ReleaseAsync(string name)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<BotDb>();
            if (await db.Database.ExecuteSqlAsync($"""UPDATE "Leases" SET "ExpiresAt" = now() WHERE "Name" = {name} AND "Holder" = {_self}""", timeout.Token) == 1)
            {
                log.LogInformation("This host released the {Lease} lease", name);
            }
        }
        catch (Exception e)
        {
            log.LogWarning("Releasing the {Lease} lease failed ({Error}): another host takes it when it expires", name, e.GetType().Name);
        }
    }
}
