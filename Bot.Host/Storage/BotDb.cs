using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Bot.Host.Storage;

/// <summary>
/// The unit of work for everything the bot stores, operators' Identity accounts included. Plain relational types only: the same
/// model on SQLite (this type, its migrations in Migrations/) and PostgreSQL (<see cref="PostgreSqlBotDb"/>, its own migrations).
/// </summary>
public class BotDb : IdentityUserContext<Operators.OperatorUser, Guid>, IDataProtectionKeyContext
{
    public BotDb(DbContextOptions<BotDb> options)
        : base(options)
    {
    }

    /// <summary>For a provider's own type (its migrations are found by the context type they name).</summary>
    protected BotDb(DbContextOptions options)
        : base(options)
    {
    }

    public DbSet<ConversationRecord> Conversations => Set<ConversationRecord>();
    public DbSet<OutboxMessage> Outbox => Set<OutboxMessage>();
    public DbSet<ChannelAddress> Addresses => Set<ChannelAddress>();
    public DbSet<InboundSeen> InboundSeen => Set<InboundSeen>();
    public DbSet<TelegramMessage> TelegramMessages => Set<TelegramMessage>();
    public DbSet<Operators.Ticket> Tickets => Set<Operators.Ticket>();
    public DbSet<Operators.TicketMessage> TicketMessages => Set<Operators.TicketMessage>();
    public DbSet<Operators.TicketNote> TicketNotes => Set<Operators.TicketNote>();
    public DbSet<Operators.TicketAudit> TicketAudit => Set<Operators.TicketAudit>();
    public DbSet<Turns.BlockedConversation> BlockedConversations => Set<Turns.BlockedConversation>();
    /// <summary>The Data Protection key ring, where every host reads it (when DataProtection keys are kept in the database).</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
    public DbSet<HostKey> HostKeys => Set<HostKey>();
    public DbSet<Lease> Leases => Set<Lease>();

#pragma warning disable CA1725 // Identity names it "builder"; every feature's configuration below (and on other branches) says modelBuilder
    protected override void OnModelCreating(ModelBuilder modelBuilder)
#pragma warning restore CA1725
    {
        base.OnModelCreating(modelBuilder);   // Identity's users, claims, logins and tokens
        modelBuilder.Entity<ConversationRecord>(e =>
        {
            e.HasKey(c => c.Key);
            e.Property(c => c.Key).HasMaxLength(64);
            e.Property(c => c.Channel).HasMaxLength(16);
            e.HasIndex(c => c.UpdatedAt);
            e.Property(c => c.Generation).Metadata.SetAfterSaveBehavior(Microsoft.EntityFrameworkCore.Metadata.PropertySaveBehavior.Ignore);
        });
        modelBuilder.Entity<OutboxMessage>(e =>
        {
            e.HasKey(m => m.Id);
            e.Property(m => m.ConversationKey).HasMaxLength(64);
            e.Property(m => m.Channel).HasMaxLength(16);
            e.HasIndex(m => new { m.ConversationKey, m.Id });
            e.HasIndex(m => new { m.DeliveredAt, m.NextAttemptAt });
        });
        modelBuilder.Entity<InboundSeen>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(128);
            e.HasIndex(x => x.ReceivedAt);
        });
        modelBuilder.Entity<ChannelAddress>(e =>
        {
            e.HasKey(a => a.Key);
            e.Property(a => a.Key).HasMaxLength(64);
            e.Property(a => a.Channel).HasMaxLength(16);
        });
        modelBuilder.Entity<TelegramMessage>(e =>
        {
            e.HasKey(m => m.Id);
            e.Property(m => m.ConversationKey).HasMaxLength(64);
            e.HasIndex(m => new { m.ConversationKey, m.SentAt });
        });
        Operators.TicketModel.Configure(modelBuilder);
        modelBuilder.Entity<Turns.BlockedConversation>(e =>
        {
            e.HasKey(b => b.Key);
            e.Property(b => b.Key).HasMaxLength(64);
            e.HasIndex(b => b.ExpiresAt);
        });
        modelBuilder.Entity<HostKey>(e =>
        {
            e.HasKey(k => k.Name);
            e.Property(k => k.Name).HasMaxLength(64);
        });
        modelBuilder.Entity<Lease>(e =>
        {
            e.HasKey(l => l.Name);
            e.Property(l => l.Name).HasMaxLength(64);
            e.Property(l => l.Holder).HasMaxLength(64);
        });
    }
}

/// <summary>A key every host of the database shares (the pseudonym key), sealed by the Data Protection key ring.</summary>
public sealed class HostKey
{
    public required string Name { get; set; }
    public required string Value { get; set; }
}

/// <summary>Work only one host may do at a time (Telegram's long polling): held by <see cref="Holder"/> until <see cref="ExpiresAt"/>, renewed while it lives.</summary>
public sealed class Lease
{
    public required string Name { get; set; }
    public required string Holder { get; set; }
    public DateTime ExpiresAt { get; set; }
}

/// <summary>One conversation's dialog state; no name, no free text.</summary>
public sealed class ConversationRecord
{
    /// <summary>The channel's conversation id, or its pseudonymous key where the id is personal (a Telegram chat id).</summary>
    public required string Key { get; set; }
    public required string Channel { get; set; }
    /// <summary>The state's JSON, sealed: every answer (in danger, age, abroad, each indicator) is in it.</summary>
    public required string State { get; set; }
    public DateTime UpdatedAt { get; set; }
    /// <summary>
    /// The access generation: web chat tokens name it, and /exit and a block raise it, so tokens issued before stop working
    /// (/forget deletes the row, which ends them all). Written only by that raise, never by a turn's save.
    /// </summary>
    public int Generation { get; set; }
}

/// <summary>A bot message waiting for, or taken by, its channel; the id is the web chat's watermark.</summary>
public sealed class OutboxMessage
{
    public long Id { get; set; }
    public required string ConversationKey { get; set; }
    public required string Channel { get; set; }
    /// <summary>JSON of the message (text and options), sealed: see <see cref="PayloadOf"/>.</summary>
    public required string Payload { get; set; }
    public DateTime CreatedAt { get; set; }
    /// <summary>Set once a push channel has delivered it; the web chat reads by watermark instead.</summary>
    public DateTime? DeliveredAt { get; set; }
    public int Attempts { get; set; }
    public DateTime? NextAttemptAt { get; set; }

    /// <summary>
    /// Sealed, the bot's own texts too: which reply a person got (a result that names sexual exploitation, the rights card)
    /// says what they answered, and must not be readable from the file or its free pages.
    /// </summary>
    public static string PayloadOf(Bot.Dialogs.BotMessage message, Sealed seal) =>
        seal.Seal(System.Text.Json.JsonSerializer.Serialize(message, Turns.ConversationService.Json));

    public Bot.Dialogs.BotMessage Message(Sealed secrets) =>
        System.Text.Json.JsonSerializer.Deserialize<Bot.Dialogs.BotMessage>(secrets.OpenJson(Payload), Turns.ConversationService.Json)!;
}

/// <summary>Where a push channel sends a conversation's replies (a Telegram chat id, a Bot Framework serviceUrl and ids), as the channel writes it.</summary>
public sealed class ChannelAddress
{
    public required string Key { get; set; }
    public required string Channel { get; set; }
    public required string Address { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>A conversation's address, still sealed. Compiled once: it runs for every turn or delivery that lacks it in memory.</summary>
    public static Task<string?> SealedOf(BotDb db, string key) => SealedOfQuery.For(db)(db, key);

    private static readonly PerModel<Func<BotDb, string, Task<string?>>> SealedOfQuery = new(() => EF.CompileAsyncQuery(
        (BotDb db, string key) => db.Addresses.AsNoTracking().Where(a => a.Key == key).Select(a => a.Address).FirstOrDefault()));
}

/// <summary>An inbound update or activity already handled ("telegram:123", "msteams:abc"): each is handled once, even after a restart.</summary>
public sealed class InboundSeen
{
    public required string Id { get; set; }
    public DateTime ReceivedAt { get; set; }

    /// <summary>
    /// Records an update as handled, inside the caller's write: false when it was handled before. One statement instead
    /// of a read before every turn; the key decides, so a repeat is found even across restarts.
    /// </summary>
    public static async Task<bool> RecordAsync(BotDb db, string id, DateTime at) =>
        await db.Database.ExecuteSqlAsync($"""INSERT INTO "InboundSeen" ("Id", "ReceivedAt") VALUES ({id}, {at}) ON CONFLICT DO NOTHING""") == 1;
}

/// <summary>A message id in a Telegram chat (the bot's or the person's), kept only so /exit and /forget can delete it (48 hours).</summary>
public sealed class TelegramMessage
{
    public long Id { get; set; }
    public required string ConversationKey { get; set; }
    public int MessageId { get; set; }
    public DateTime SentAt { get; set; }
}
