using Bot.Host.Operators;
using Microsoft.EntityFrameworkCore;

namespace Bot.Host.Storage;

public sealed class RetentionOptions
{
    /// <summary>A conversation untouched this long is erased with its replies and address.</summary>
    public TimeSpan IdleConversation { get; set; } = TimeSpan.FromDays(30);
    /// <summary>Replies older than this are deleted (a web chat page does not need them any more).</summary>
    public TimeSpan Reply { get; set; } = TimeSpan.FromDays(7);
    /// <summary>Update ids older than this are forgotten: channels re-deliver within a day.</summary>
    public TimeSpan InboundId { get; set; } = TimeSpan.FromDays(7);
    /// <summary>A ticket closed (or cancelled) this long ago keeps its counts only.</summary>
    public TimeSpan ClosedTicket { get; set; } = TimeSpan.FromDays(90);
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>Keeps nothing longer than it must (clauses 28, 31): a background sweep that logs counts only.</summary>
public sealed class Retention(TurnWriter writer, Microsoft.Extensions.Options.IOptions<RetentionOptions> options,
    TimeProvider clock, ILogger<Retention> log) : BackgroundService
{
    public sealed record Swept(int Conversations, int Replies, int InboundIds, int Tickets, int ExpiredTickets);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, clock);
        do
        {
            try
            {
                var swept = await SweepAsync(stoppingToken);
                log.LogInformation("Retention erased {Conversations} conversations, {Replies} replies, {InboundIds} update ids; "
                    + "anonymised {Tickets} tickets; cancelled {Expired} open tickets of erased conversations",
                    swept.Conversations, swept.Replies, swept.InboundIds, swept.Tickets, swept.ExpiredTickets);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogError(e, "Retention sweep failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task<Swept> SweepAsync(CancellationToken cancel)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var idleSince = now - options.Value.IdleConversation;
        var closedBefore = now - options.Value.ClosedTicket;
        var swept = new Swept(0, 0, 0, 0, 0);
        await writer.WriteAsync(async db =>
        {
            var idle = db.Conversations.Where(c => c.UpdatedAt < idleSince).Select(c => c.Key);
            // A request nobody closed while the person stayed away this long: nobody can reach them any more.
            var expired = await db.Tickets.Where(t => t.ConversationKey != null && idle.Contains(t.ConversationKey) && Operators.Tickets.Open.Contains(t.Status))
                .ToListAsync(cancel);
            foreach (var ticket in expired)
            {
                (ticket.Status, ticket.ClosedAt, ticket.ConversationKey) = (TicketStatus.Cancelled, now, null);
                Operators.Tickets.Audit(db, ticket.Id, "system", "expired", null, now);
            }
            await db.SaveChangesAsync(cancel);
            // Telegram lets a bot delete its messages for 48 hours only: older ids are of no use.
            await db.TelegramMessages.Where(m => idle.Contains(m.ConversationKey) || m.SentAt < now.AddHours(-48)).ExecuteDeleteAsync(cancel);
            var replies = await db.Outbox.Where(m => idle.Contains(m.ConversationKey) || m.CreatedAt < now - options.Value.Reply).ExecuteDeleteAsync(cancel);
            await db.Addresses.Where(a => idle.Contains(a.Key)).ExecuteDeleteAsync(cancel);
            var conversations = await db.Conversations.Where(c => c.UpdatedAt < idleSince).ExecuteDeleteAsync(cancel);
            var inbound = await db.InboundSeen.Where(s => s.ReceivedAt < now - options.Value.InboundId).ExecuteDeleteAsync(cancel);
            await db.BlockedConversations.Where(b => b.ExpiresAt <= now).ExecuteDeleteAsync(cancel);
            var tickets = await db.Tickets
                .Where(t => (t.Status == TicketStatus.Closed || t.Status == TicketStatus.Cancelled) && t.ClosedAt < closedBefore && t.Summary != "")
                .ToListAsync(cancel);
            foreach (var ticket in tickets)
            {
                await Operators.Tickets.StripAsync(db, ticket);
            }
            swept = new Swept(conversations, replies, inbound, tickets.Count, expired.Count);
        });
        await writer.CheckpointAsync();   // the erased rows' old pages leave the write-ahead log too
        return swept;
    }
}
