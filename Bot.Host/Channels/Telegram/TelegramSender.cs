using System.Globalization;
using System.Threading.RateLimiting;
using Bot.Dialogs;
using Bot.Host.Storage;
using Bot.Host.Turns;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Telegram.Bot;
using Telegram.Bot.Types;
using Telegram.Bot.Types.ReplyMarkups;

namespace Bot.Host.Channels.Telegram;

/// <summary>
/// Sends the outbox's replies to Telegram within its limits (about 1 message a second per chat, 30 overall):
/// a burst waits in the limiter's queue, it is never dropped. 429s are retried by the client itself (retry_after).
/// </summary>
public sealed class TelegramSender : IChannelSender, IAsyncDisposable
{
    public const string ChannelName = "telegram";

    /// <summary>Telegram lets a bot delete messages of a private chat for 48 hours.</summary>
    private static readonly TimeSpan DeletableFor = TimeSpan.FromHours(48);

    private readonly ITelegramBotClient _bot;
    private readonly IServiceScopeFactory _scopes;
    private readonly TurnWriter _writer;
    private readonly TimeProvider _clock;
    private readonly ILogger<TelegramSender> _log;
    private readonly PartitionedRateLimiter<string> _limiter;
    private readonly PartitionedRateLimiter<string> _budget;
    private readonly TelegramOptions _options;

    public TelegramSender(ITelegramBotClient bot, IServiceScopeFactory scopes, TurnWriter writer, TimeProvider clock,
        IOptions<TelegramOptions> options, ILogger<TelegramSender> log)
    {
        (_bot, _scopes, _writer, _clock, _log) = (bot, scopes, writer, clock, log);
        var o = _options = options.Value;
        _budget = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ =>
            new TokenBucketRateLimiterOptions
            {
                TokenLimit = o.PerChatPerMinute,
                TokensPerPeriod = 1,
                ReplenishmentPeriod = TimeSpan.FromMinutes(1) / o.PerChatPerMinute,
                QueueLimit = 0,
            }));
        var perChat = PartitionedRateLimiter.Create<string, string>(chat => RateLimitPartition.GetTokenBucketLimiter(chat, _ =>
            new TokenBucketRateLimiterOptions
            {
                TokenLimit = o.PerChatBurst,
                TokensPerPeriod = 1,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1 / o.PerChatPerSecond),
                QueueLimit = int.MaxValue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            }));
        var overall = PartitionedRateLimiter.Create<string, int>(_ => RateLimitPartition.GetTokenBucketLimiter(0, _ =>
            new TokenBucketRateLimiterOptions
            {
                TokenLimit = o.PerSecond,
                TokensPerPeriod = o.PerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = int.MaxValue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            }));
        _limiter = PartitionedRateLimiter.CreateChained(perChat, overall);
    }

    public string Channel => ChannelName;

    public static string KeyOf(long chatId) => "tg-" + Pseudonym.Of("telegram:" + chatId.ToString(CultureInfo.InvariantCulture));

    /// <summary>Link previews off (Telegram:DisableLinkPreviews): for edits too.</summary>
    public LinkPreviewOptions? LinkPreview => _options.DisableLinkPreviews ? new LinkPreviewOptions { IsDisabled = true } : null;

    public async Task<Func<BotDb, Task>?> SendAsync(OutboundMessage message, CancellationToken cancel)
    {
        using (var budget = _budget.AttemptAcquire(message.ConversationKey))
        {
            if (!budget.IsAcquired)
            {
                // Over its budget: the reply waits in the outbox and this conversation's turn at the shared limit goes to others.
                throw new DeliveryDeferredException(budget.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(3));
            }
        }
        var chatId = long.Parse(message.Address, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        if (message.Message.Redraw && await RedrawAsync(message.ConversationKey, chatId, message.Message, cancel))
        {
            return null;
        }
        int sent;
        try
        {
            sent = await SendDirectAsync(chatId, message.Message, cancel);
        }
        catch (global::Telegram.Bot.Exceptions.ApiRequestException e) when (e.ErrorCode == 403)
        {
            // The person blocked the bot or deleted their account: no retry can deliver it, so it is not retried forever.
            _log.LogWarning("Telegram chat {ConversationKey} refuses messages ({Error}): reply {OutboxId} dropped",
                Pseudonym.Of(message.ConversationKey), Describe(e), message.Id);
            return null;
        }
        return db => Remember(db, message.ConversationKey, sent, onlyIfAddressed: true, cancel);
    }

    /// <summary>
    /// A tap on a "tap all that apply" screen: the screen on the phone is edited in place (its tick moves), not sent again.
    /// The chat's newest message is the screen that was tapped (a tap stores no message of the person's); where it is not
    /// the bot's to edit (the person typed) or Telegram refuses, false: the screen is sent as a new message.
    /// </summary>
    private async Task<bool> RedrawAsync(string key, long chatId, BotMessage message, CancellationToken cancel)
    {
        int? onScreen;
        await using (var scope = _scopes.CreateAsyncScope())
        {
            onScreen = await scope.ServiceProvider.GetRequiredService<BotDb>().TelegramMessages.Where(m => m.ConversationKey == key)
                .MaxAsync(m => (int?)m.MessageId, cancel);
        }
        if (onScreen is not { } id)
        {
            return false;
        }
        using var lease = await _limiter.AcquireAsync(chatId.ToString(CultureInfo.InvariantCulture), 1, cancel);
        try
        {
            await _bot.EditMessageText(chatId, id, message.Text, replyMarkup: Keyboard(message), linkPreviewOptions: LinkPreview, cancellationToken: cancel);
            return true;
        }
        catch (global::Telegram.Bot.Exceptions.ApiRequestException e)
        {
            _log.LogInformation("Telegram screen of {ConversationKey} not edited in place ({Error}): sent again", Pseudonym.Of(key), Describe(e));
            return false;
        }
    }

    private static InlineKeyboardMarkup? Keyboard(BotMessage message) => message.Options.Count == 0 ? null
        : new InlineKeyboardMarkup(message.Options.Select(o => new[] { InlineKeyboardButton.WithCallbackData(o.Label, o.Id) }));

    /// <summary>Sends one message now (rate-limited) and returns its message id; throws when it was not delivered.</summary>
    /// <param name="alert">The operators' group: it rings (an urgent case must be seen at once); a person's phone never does.</param>
    public async Task<int> SendDirectAsync(long chatId, BotMessage message, CancellationToken cancel, bool alert = false)
    {
        using var lease = await _limiter.AcquireAsync(chatId.ToString(CultureInfo.InvariantCulture), 1, cancel);
        var sent = await _bot.SendMessage(chatId, message.Shown, replyMarkup: Keyboard(message), linkPreviewOptions: LinkPreview,
            disableNotification: _options.DisableNotification && !alert, protectContent: _options.ProtectContent, cancellationToken: cancel);
        return sent.MessageId;
    }

    /// <summary>Keeps a message id of the chat for /exit and /forget; older ids are dropped on the way.</summary>
    /// <remarks>Through the one writer: it runs after any /forget already queued, and never meets a busy database.</remarks>
    public Task RememberAsync(string key, int messageId, bool onlyIfAddressed, CancellationToken cancel) =>
        _writer.WriteAsync(db => Remember(db, key, messageId, onlyIfAddressed, cancel));

    /// <summary>
    /// One plain SQL command, no change tracking: it runs for every message sent and received. A /forget may have run while
    /// this message was on its way: then nothing of the chat is kept (the address is gone).
    /// </summary>
    private async Task Remember(BotDb db, string key, int messageId, bool onlyIfAddressed, CancellationToken cancel)
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        var old = now - DeletableFor;
        await db.Database.ExecuteSqlAsync($"""
            DELETE FROM "TelegramMessages" WHERE "ConversationKey" = {key} AND "SentAt" < {old};
            INSERT INTO "TelegramMessages" ("ConversationKey", "MessageId", "SentAt") SELECT {key}, {messageId}, {now}
            WHERE {!onlyIfAddressed} OR EXISTS (SELECT 1 FROM "Addresses" WHERE "Key" = {key});
            """, cancel);
    }

    /// <summary>
    /// /exit and /forget: deletes what Telegram still lets the bot delete in this chat, forgets the ids,
    /// then says the one neutral line (not stored anywhere).
    /// </summary>
    /// <param name="forget">After /forget even the final line's id is not kept; after /exit it is, for a later /forget.</param>
    public async Task ClearChatAsync(string key, long chatId, int? userMessageId, IReadOnlyList<BotMessage> finalLines, bool forget,
        CancellationToken cancel)
    {
        List<int> ids;
        await using (var scope = _scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BotDb>();
            var since = _clock.GetUtcNow().UtcDateTime - DeletableFor;
            ids = await db.TelegramMessages.Where(m => m.ConversationKey == key && m.SentAt >= since)
                .Select(m => m.MessageId).ToListAsync(cancel);
        }
        await _writer.WriteAsync(db => db.TelegramMessages.Where(m => m.ConversationKey == key).ExecuteDeleteAsync(cancel));
        if (userMessageId is { } own)
        {
            ids.Add(own);
        }
        foreach (var batch in ids.Distinct().Order().Chunk(100))   // deleteMessages takes 1 to 100 ids
        {
            await BestEffortAsync("deleteMessages", key, () => _bot.DeleteMessages(chatId, batch, cancel));
        }
        foreach (var line in finalLines)
        {
            var sent = await SendDirectAsync(chatId, line, cancel);
            if (!forget)
            {
                await RememberAsync(key, sent, onlyIfAddressed: true, cancel);
            }
        }
        _log.LogInformation("Telegram chat {ConversationKey}: {Count} messages deleted", Pseudonym.Of(key), ids.Count);
    }

    /// <summary>Editing, answering a callback, the chat action and the menu may fail (old message, "not modified"): logged, never fatal.</summary>
    /// <param name="key">The conversation it is for, or null for the bot's own set-up calls.</param>
    public async Task BestEffortAsync(string method, string? key, Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _log.LogInformation("Telegram {Method} for {ConversationKey} failed: {Error}", method, key is null ? "-" : Pseudonym.Of(key), Describe(e));
        }
    }

    /// <summary>The kind of failure and Telegram's short description; never a request body (it holds a chat id).</summary>
    public static string Describe(Exception e) => e switch
    {
        global::Telegram.Bot.Exceptions.ApiRequestException api => $"{api.ErrorCode} {api.Message}",
        _ => e.GetType().Name,
    };

    public async ValueTask DisposeAsync()
    {
        await _limiter.DisposeAsync();
        await _budget.DisposeAsync();
    }
}
