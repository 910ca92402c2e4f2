using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

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

    /// <summary>
    /// On PostgreSQL, in the caller's transaction: takes the conversation's advisory lock (transaction-scoped), reads it and
    /// records <paramref name="inbound"/> as handled, in one round trip instead of four. Statements of one batch, not one
    /// statement: under READ COMMITTED a statement reads the snapshot it started with, so a read in the lock's own statement
    /// would miss what the previous holder committed.
    /// </summary>
    /// <returns>The conversation, and whether <paramref name="inbound"/> was new (null without one).</returns>
    public static async Task<(StoredConversation Stored, bool? FirstInbound)> LockAndLoadAsync(BotDb db, string key, long advisoryKey,
        InboundSeen? inbound, CancellationToken cancel)
    {
        await using var batch = new NpgsqlBatch((NpgsqlConnection)db.Database.GetDbConnection(),
            (NpgsqlTransaction?)db.Database.CurrentTransaction?.GetDbTransaction())
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock($1)") { Parameters = { new() { Value = advisoryKey } } },
                new NpgsqlBatchCommand("""
                    SELECT c."Channel", c."State", c."UpdatedAt", c."Generation", a."Address"
                    FROM "Conversations" c LEFT JOIN "Addresses" a ON a."Key" = c."Key" WHERE c."Key" = $1
                    """) { Parameters = { new() { Value = key } } },
            },
        };
        if (inbound is not null)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                """INSERT INTO "InboundSeen" ("Id", "ReceivedAt") VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1""")
            {
                Parameters = { new() { Value = inbound.Id }, new() { Value = inbound.ReceivedAt } },
            });
        }
        await using var reader = await batch.ExecuteReaderAsync(cancel);
        await reader.NextResultAsync(cancel);
        var stored = new StoredConversation(null, null);
        if (await reader.ReadAsync(cancel))
        {
            var conversation = new ConversationRecord
            {
                Key = key, Channel = reader.GetString(0), State = reader.GetString(1), UpdatedAt = reader.GetDateTime(2), Generation = reader.GetInt32(3),
            };
            stored = new StoredConversation(conversation, await reader.IsDBNullAsync(4, cancel) ? null : reader.GetString(4));
        }
        return (stored, inbound is null ? null : await reader.NextResultAsync(cancel) && await reader.ReadAsync(cancel));
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
