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
    private static readonly PerModel<Func<BotDb, string, Task<ConversationRecord?>>> ConversationOf = new(() => EF.CompileAsyncQuery(
        (BotDb db, string key) => db.Conversations.AsNoTracking().FirstOrDefault(c => c.Key == key)));

    public async Task<StoredConversation> LoadAsync(string key, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        await using var scope = scopes.CreateAsyncScope();
        return await LoadAsync(scope.ServiceProvider.GetRequiredService<BotDb>(), key, cancel);
    }

    /// <summary>The same, through a context the caller holds (the transaction of a held conversation lock).</summary>
    public static async Task<StoredConversation> LoadAsync(BotDb db, string key, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        var conversation = await ConversationOf.For(db)(db, key);
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
