using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Bot.Host.Operators;

public enum TicketStatus { New, Claimed, InConversation, Referred, Closed, Cancelled }

public enum OperatorRole { Hotline, Police, Supervisor }

/// <summary>An escalation as operators work on it (clauses 7–9, 15, 16, 39).</summary>
public sealed class Ticket
{
    public Guid Id { get; set; }
    /// <summary>Cleared when the person forgets the conversation.</summary>
    public string? ConversationKey { get; set; }
    public required string Channel { get; set; }
    public required string Language { get; set; }
    public required string Role { get; set; }
    public required string Level { get; set; }
    public required string Forms { get; set; }
    public bool Minor { get; set; }
    public bool Abroad { get; set; }
    public bool Urgent { get; set; }
    /// <summary>The operator gender the person prefers (clauses 8, 15): Woman, Man or NoPreference.</summary>
    public required string Gender { get; set; }
    /// <summary>The queue: Hotline or Police.</summary>
    public required string Destination { get; set; }
    public DateTime ConsentAt { get; set; }
    public required string ConsentVersion { get; set; }
    /// <summary>Sealed JSON list of {indicatorId, cite, answer}; empty once anonymised.</summary>
    public required string Summary { get; set; }
    public TicketStatus Status { get; set; }
    public Guid? OperatorId { get; set; }
    public DateTime CreatedAt { get; set; }
    /// <summary>When it joined its current queue (creation, or the last transfer): the no-operator clock runs from here.</summary>
    public DateTime QueuedAt { get; set; }
    public DateTime? ClaimedAt { get; set; }
    public DateTime? FirstResponseAt { get; set; }
    public DateTime FirstResponseDue { get; set; }
    /// <summary>Clause 39: referral within one working day.</summary>
    public DateTime ReferralDue { get; set; }
    /// <summary>Clauses 12, 18: a safe place for at most three days, once one is asked for.</summary>
    public DateTime? SafePlaceDue { get; set; }
    /// <summary>When the person was told nobody has answered yet (once per ticket).</summary>
    public DateTime? NoOperatorToldAt { get; set; }
    public DateTime? EndedAt { get; set; }
    /// <summary>Sealed: the operator's words.</summary>
    public string? Outcome { get; set; }
    /// <summary>How it ended, one of <see cref="Dispositions.All"/>: counted, never sealed (it says nothing about the person).</summary>
    public string? Disposition { get; set; }
    public DateTime? ClosedAt { get; set; }
}

/// <summary>One line of the hand-over transcript, either way.</summary>
public sealed class TicketMessage
{
    public long Id { get; set; }
    public Guid TicketId { get; set; }
    /// <summary>"user" or "operator".</summary>
    public required string From { get; set; }
    public Guid? OperatorId { get; set; }
    /// <summary>Sealed (Data Protection): the database file alone does not reveal it.</summary>
    public required string Text { get; set; }
    public DateTime At { get; set; }
}

public sealed class TicketNote
{
    public long Id { get; set; }
    public Guid TicketId { get; set; }
    public Guid OperatorId { get; set; }
    /// <summary>Visible to police operators and supervisors only.</summary>
    public bool PoliceOnly { get; set; }
    /// <summary>Written with a transfer: why the ticket came to the receiving team.</summary>
    public bool Transfer { get; set; }
    /// <summary>Sealed, as transcripts are.</summary>
    public required string Text { get; set; }
    public DateTime At { get; set; }
}

/// <summary>Append-only: who did what to a ticket, when. Never the content of a message.</summary>
public sealed class TicketAudit
{
    public long Id { get; set; }
    public Guid TicketId { get; set; }
    /// <summary>An operator's login, "user" or "system".</summary>
    public required string Actor { get; set; }
    public required string Action { get; set; }
    /// <summary>Codes, never words ("team=Police;level=Strong"): the console says them in the operator's language.</summary>
    public string? Detail { get; set; }
    public DateTime At { get; set; }
}

/// <summary>An operator's ASP.NET Core Identity account; role, gender and display name become claims at sign-in.</summary>
public sealed class OperatorUser : IdentityUser<Guid>
{
    public OperatorRole Role { get; set; }
    /// <summary>"f" or "m".</summary>
    public required string Gender { get; set; }
    public required string DisplayName { get; set; }
    /// <summary>kk, ru or en: the console's language; null follows the browser.</summary>
    public string? Language { get; set; }
    /// <summary>
    /// The persons' languages this operator reads, as they declared them ("kk,ru,uz"); null until they do. The queue warns about
    /// a ticket in a language nobody on shift reads.
    /// </summary>
    public string? Reads { get; set; }
    public DateTime CreatedAt { get; set; }
}

public static class TicketModel
{
    public static void Configure(ModelBuilder model)
    {
        model.Entity<Ticket>(e =>
        {
            e.HasKey(t => t.Id);
            e.Property(t => t.ConversationKey).HasMaxLength(64);
            e.HasIndex(t => t.ConversationKey);
            e.HasIndex(t => new { t.Status, t.CreatedAt });
            foreach (var name in new[] { nameof(Ticket.Channel), nameof(Ticket.Language), nameof(Ticket.Role), nameof(Ticket.Level),
                         nameof(Ticket.Gender), nameof(Ticket.Destination) })
            {
                e.Property(name).HasMaxLength(16);
            }
            e.Property(t => t.Forms).HasMaxLength(128);
            e.Property(t => t.ConsentVersion).HasMaxLength(32);
            e.Property(t => t.Status).HasConversion<string>().HasMaxLength(16);
            e.Property(t => t.Disposition).HasMaxLength(32);
        });
        model.Entity<TicketMessage>(e =>
        {
            e.HasKey(m => m.Id);
            e.HasIndex(m => new { m.TicketId, m.Id });
            e.Property(m => m.From).HasMaxLength(16);
        });
        model.Entity<TicketNote>(e =>
        {
            e.HasKey(n => n.Id);
            e.HasIndex(n => n.TicketId);
        });
        model.Entity<TicketAudit>(e =>
        {
            e.HasKey(a => a.Id);
            e.HasIndex(a => new { a.TicketId, a.Id });
            e.Property(a => a.Actor).HasMaxLength(64);
            e.Property(a => a.Action).HasMaxLength(32);
            e.Property(a => a.Detail).HasMaxLength(500);
        });
        model.Entity<OperatorUser>(e =>
        {
            e.ToTable("Operators");
            e.Property(o => o.Role).HasConversion<string>().HasMaxLength(16);
            e.Property(o => o.Gender).HasMaxLength(1);
            e.Property(o => o.DisplayName).HasMaxLength(64);
            e.Property(o => o.Language).HasMaxLength(2);
            e.Property(o => o.Reads).HasMaxLength(64);
        });
        model.Entity<IdentityUserClaim<Guid>>().ToTable("OperatorClaims");
        model.Entity<IdentityUserLogin<Guid>>().ToTable("OperatorLogins");
        model.Entity<IdentityUserToken<Guid>>().ToTable("OperatorTokens");
    }
}
