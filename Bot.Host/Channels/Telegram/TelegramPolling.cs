using Bot.Host.Storage;
using Microsoft.Extensions.Options;
using Telegram.Bot;
using Telegram.Bot.Types;
using Telegram.Bot.Types.Enums;

namespace Bot.Host.Channels.Telegram;

/// <summary>
/// Long polling: each batch is handled chat by chat (one chat's updates in order, chats in parallel), and the offset
/// moves past an update only after its turn is committed, so a crash re-reads it and the seen-ids table drops the repeat.
/// One host of the database polls at a time, while it holds the lease: Telegram ends a getUpdates with 409 Conflict when another
/// begins, so hosts polling side by side would keep cutting each other off.
/// </summary>
public sealed class TelegramPolling(ITelegramBotClient bot, UpdateHandler handler, TelegramSender sender, Leases leases,
    IOptions<TelegramOptions> options, ILogger<TelegramPolling> log)
    : BackgroundService
{
    public static readonly UpdateType[] Allowed = [UpdateType.Message, UpdateType.EditedMessage, UpdateType.CallbackQuery];
    public const string Lease = "telegram-polling";
    private const int MaxAttempts = 3;
    private readonly Dictionary<int, int> _failures = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // getUpdates is refused while a webhook is set (a deployment that switched back to polling).
        await sender.BestEffortAsync("deleteWebhook", null, () => bot.DeleteWebhook(cancellationToken: stoppingToken));
        await leases.WhileHeldAsync(Lease, held => PollAsync(held, stoppingToken), stoppingToken);
    }

    /// <summary>While the lease is held: losing it cancels the getUpdates in flight; a batch begun is finished (its turns are committed once).</summary>
    private async Task PollAsync(CancellationToken held, CancellationToken stoppingToken)
    {
        int? offset = null;
        var pause = TimeSpan.FromSeconds(1);
        while (!held.IsCancellationRequested)
        {
            Update[] updates;
            try
            {
                updates = await bot.GetUpdates(offset, limit: 100, timeout: options.Value.PollingTimeout, allowedUpdates: Allowed, cancellationToken: held);
                pause = TimeSpan.FromSeconds(1);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning("Telegram getUpdates failed: {Error}; again in {Pause}", TelegramSender.Describe(e), pause);
                await Task.Delay(pause, held);
                pause = TimeSpan.FromSeconds(Math.Min(30, pause.TotalSeconds * 2));
                continue;
            }
            if (updates.Length == 0)
            {
                continue;
            }
            var failed = await HandleBatchAsync(updates, stoppingToken);
            // Past everything committed; a failed update is read again (up to MaxAttempts, then given up and logged).
            offset = failed is { } first ? first : updates.Max(u => u.Id) + 1;
            if (failed is not null)
            {
                await Task.Delay(pause, held);
            }
        }
    }

    /// <returns>The lowest update id that failed and should be read again, or null.</returns>
    private async Task<int?> HandleBatchAsync(Update[] updates, CancellationToken cancel)
    {
        var chats = updates.OrderBy(u => u.Id).GroupBy(u => UpdateHandler.ChatOf(u) ?? 0);
        var failures = await Task.WhenAll(chats.Select(async chat =>
        {
            foreach (var update in chat)
            {
                try
                {
                    await handler.HandleAsync(update, cancel);
                    lock (_failures)
                    {
                        _failures.Remove(update.Id);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    lock (_failures)
                    {
                        var attempts = _failures[update.Id] = _failures.GetValueOrDefault(update.Id) + 1;
                        log.LogError("Telegram update {UpdateId} failed (attempt {Attempt}): {Error}", update.Id, attempts, TelegramSender.Describe(e));
                        if (attempts < MaxAttempts)
                        {
                            return (int?)update.Id;   // read again; the rest of this chat waits, to keep its order
                        }
                        _failures.Remove(update.Id);
                    }
                    // Given up: one broken update must not stop every chat.
                    await handler.ApologiseAsync(update, cancel);
                }
            }
            return null;
        }));
        return failures.Where(f => f is not null).Min();
    }
}
