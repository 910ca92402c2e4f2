using Microsoft.EntityFrameworkCore;

namespace Bot.Host.Storage;

/// <summary>A conversation as stored: its record and its push address, both still sealed; null fields when there is none.</summary>
public sealed record StoredConversation(ConversationRecord? Record, string? SealedAddress);

/// <summary>
/// The reads of a conversation and its replies, for the turn code and the channels alike: nothing outside Storage queries
/// these tables (writes go through <see cref="TurnWriter"/> in the turn's own commit).
/// </summary>
public sealed class ConversationStore(IServiceScopeFactory scopes)
{
    // Compiled once: every new conversation (and every one not in the cache) reads it.
    private static readonly Func<BotDb, string, Task<ConversationRecord?>> ConversationOf = EF.CompileAsyncQuery(
        (BotDb db, string key) => db.Conversations.AsNoTracking().FirstOrDefault(c => c.Key == key));

    public async Task<StoredConversation> LoadAsync(string key, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BotDb>();
        var conversation = await ConversationOf(db, key);
        // No conversation, no address: they are erased together.
        return new StoredConversation(conversation, conversation is null ? null : await ChannelAddress.SealedOf(db, key));
    }

    /// <summary>The conversation's replies after <paramref name="after"/> (the web chat's watermark), oldest first.</summary>
    public async Task<List<OutboxMessage>> RepliesAfterAsync(string key, long after, int take, CancellationToken cancel)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<BotDb>().Outbox.AsNoTracking()
            .Where(m => m.ConversationKey == key && m.Id > after).OrderBy(m => m.Id).Take(take).ToListAsync(cancel);
    }

    /// <summary>The id of the conversation's latest reply, 0 when there is none.</summary>
    public async Task<long> LastReplyAsync(string key, CancellationToken cancel)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<BotDb>().Outbox.Where(m => m.ConversationKey == key)
            .MaxAsync(m => (long?)m.Id, cancel) ?? 0;
    }
}
