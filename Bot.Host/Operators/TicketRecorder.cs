using Bot.Content;
using System.Text.Json;
using Bot.Dialogs;
using Bot.Host.Storage;
using Bot.Host.Turns;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Bot.Host.Operators;

/// <summary>
/// Tickets follow the conversation, inside the turn's own write: the ticket exists as soon as the
/// person is told a human is being found (clause 9), and their words to the operator are never
/// acknowledged without being stored.
/// </summary>
public sealed class TicketRecorder(Sealed secrets, IOptions<TicketOptions> options, TicketEvents events, ILogger<TicketRecorder> log) : ITurnRecorder
{
    public async Task<bool> RecordAsync(BotDb db, TurnRecord turn)
    {
        var result = turn.Result;
        if (result.Escalation is { } escalation)
        {
            db.Tickets.Add(Open(turn, escalation));
            Tickets.Audit(db, escalation.Id, "system", "created", $"team={escalation.Destination};level={escalation.Level}", turn.At);
            log.LogInformation("Ticket {TicketId} opened for {Destination}", escalation.Id, escalation.Destination);
            return true;
        }
        var leftWaiting = turn.From == Step.Waiting && turn.To != Step.Waiting;
        if (result.ForOperator is null && result.Effect != TurnEffect.Forget && !leftWaiting)
        {
            return false;   // most turns: no query at all
        }
        if (result.Effect == TurnEffect.Forget)
        {
            await ForgetAsync(db, turn);
            return true;
        }
        var open = await db.Tickets.Where(t => t.ConversationKey == turn.Key && Tickets.Open.Contains(t.Status))
            .OrderByDescending(t => t.CreatedAt).FirstOrDefaultAsync();
        if (open is null)
        {
            return false;
        }
        if (result.ForOperator is { } text)
        {
            db.TicketMessages.Add(new TicketMessage { TicketId = open.Id, From = "user", Text = secrets.Seal(text), At = turn.At });
            Tickets.Audit(db, open.Id, "user", "user-message", null, turn.At);
            return true;
        }
        if (open.EndedAt is not null)
        {
            return false;
        }
        (open.Status, open.ClosedAt) = (TicketStatus.Cancelled, turn.At);
        Tickets.Audit(db, open.Id, "user", result.Effect == TurnEffect.QuickExit ? "quick-exit" : "cancelled", null, turn.At);
        return true;
    }

    public void Committed() => events.Changed();

    /// <summary>/forget erases everything about the person: open tickets become cancelled, every ticket keeps its counts only.</summary>
    private static async Task ForgetAsync(BotDb db, TurnRecord turn)
    {
        var tickets = await db.Tickets.Where(t => t.ConversationKey == turn.Key).ToListAsync();
        foreach (var ticket in tickets)
        {
            await Tickets.StripAsync(db, ticket);
            if (Tickets.Open.Contains(ticket.Status))
            {
                (ticket.Status, ticket.ClosedAt) = (TicketStatus.Cancelled, turn.At);
            }
            Tickets.Audit(db, ticket.Id, "user", "forgotten", null, turn.At);
        }
    }

    private Ticket Open(TurnRecord turn, EscalationRequest e) => new()
    {
        Id = e.Id, ConversationKey = turn.Key, Channel = turn.Channel, Language = e.Language, Role = e.Role.ToString(), Level = e.Level.ToString(),
        Forms = string.Join(',', e.Forms.Select(f => f.Key())), Minor = e.Minor, Abroad = e.Abroad, Urgent = e.Urgent,
        Gender = e.Gender.ToString(), Destination = e.Destination.ToString(), ConsentAt = e.ConsentAt.UtcDateTime,
        ConsentVersion = e.ConsentVersion, Summary = secrets.Seal(JsonSerializer.Serialize(e.Summary, ConversationService.Json)),
        Status = TicketStatus.New, CreatedAt = turn.At, QueuedAt = turn.At, FirstResponseDue = turn.At + (e.Urgent ? options.Value.UrgentFirstResponseTarget : options.Value.FirstResponseTarget),
        ReferralDue = Tickets.AddWorkingDay(turn.At),
    };
}

/// <summary>What the turn side and the operator side share about tickets.</summary>
public static class Tickets
{
    public const int MaxTextLength = 4000;

    public static readonly TicketStatus[] Open = [TicketStatus.New, TicketStatus.Claimed, TicketStatus.InConversation, TicketStatus.Referred];

    public static void Audit(BotDb db, Guid ticket, string actor, string action, string? detail, DateTime at) =>
        db.TicketAudit.Add(new TicketAudit { TicketId = ticket, Actor = actor, Action = action, Detail = detail, At = at });

    /// <summary>Clause 39: one working day; a Friday's ticket is due on Monday.</summary>
    public static DateTime AddWorkingDay(DateTime at)
    {
        var due = at.AddDays(1);
        while (due.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday)
        {
            due = due.AddDays(1);
        }
        return due;
    }

    /// <summary>Leaves the counts the statistics need (week, form, role, minor, destination, times) and nothing that points at a person.</summary>
    public static async Task StripAsync(BotDb db, Ticket ticket)
    {
        await db.TicketMessages.Where(m => m.TicketId == ticket.Id).ExecuteDeleteAsync();
        await db.TicketNotes.Where(n => n.TicketId == ticket.Id).ExecuteDeleteAsync();
        (ticket.Summary, ticket.ConversationKey, ticket.Outcome) = ("", null, null);
    }
}
