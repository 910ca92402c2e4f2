using System.Text.Json;
using Bot.Content;
using Bot.Dialogs;
using Bot.Host.Storage;
using Bot.Host.Turns;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Bot.Host.Operators;

/// <summary>The operator who acts, as the sign-in proved it.</summary>
public sealed record OperatorIdentity(Guid Id, string Login, OperatorRole Role, string Gender, string DisplayName)
{
    public bool Sees(Ticket ticket) => Role == OperatorRole.Supervisor || ticket.Destination == Queue;
    public string Queue => Role == OperatorRole.Police ? nameof(Destination.Police) : nameof(Destination.Hotline);
    public bool SeesPoliceNotes => Role is OperatorRole.Police or OperatorRole.Supervisor;
}

public enum TicketOutcome { Done, NotFound, Conflict, Forbidden, GenderMismatch, Invalid }

public sealed record TicketView(
    Guid Id, string Status, string Language, string Role, string Level, IReadOnlyList<string> Forms, bool Minor, bool Abroad, bool Urgent,
    string Gender, string Destination, DateTime ConsentAt, string ConsentVersion, JsonElement Summary, Guid? OperatorId, string? OperatorName,
    DateTime CreatedAt, DateTime? ClaimedAt, DateTime? FirstResponseAt, DateTime FirstResponseDue, DateTime ReferralDue, DateTime? SafePlaceDue,
    DateTime? EndedAt, string? Outcome);

public sealed record TicketDetail(TicketView Ticket, IReadOnlyList<TicketMessageView> Messages, IReadOnlyList<TicketNoteView> Notes, IReadOnlyList<TicketAuditView> Audit);
public sealed record TicketMessageView(long Id, string From, string Text, DateTime At);
public sealed record TicketNoteView(long Id, bool PoliceOnly, string Text, DateTime At);
public sealed record TicketAuditView(string Actor, string Action, string? Detail, DateTime At);

public sealed class TicketOptions
{
    /// <summary>Target time to a first operator response.</summary>
    public TimeSpan FirstResponseTarget { get; set; } = TimeSpan.FromMinutes(15);
    /// <summary>Nobody claimed within this time: the person is told honestly, with 116 16 and 102.</summary>
    public TimeSpan NoOperatorAfter { get; set; } = TimeSpan.FromMinutes(10);
    /// <summary>Working hours, local time, e.g. "09:00".."18:00"; equal values mean around the clock.</summary>
    public TimeOnly WorkingFrom { get; set; } = new(0, 0);
    public TimeOnly WorkingUntil { get; set; } = new(0, 0);
    /// <summary>Kazakhstan's single time zone since 2024: UTC+5.</summary>
    public int UtcOffsetHours { get; set; } = 5;
    /// <summary>How often the watch looks for unanswered tickets.</summary>
    public TimeSpan WatchInterval { get; set; } = TimeSpan.FromSeconds(15);

    public bool IsWorkingTime(DateTimeOffset now)
    {
        if (WorkingFrom == WorkingUntil)
        {
            return true;
        }
        var local = TimeOnly.FromDateTime(now.UtcDateTime.AddHours(UtcOffsetHours));
        return local.IsBetween(WorkingFrom, WorkingUntil);
    }
}

/// <summary>
/// Everything operators do to tickets, for the console and the API alike; the conversation side
/// (joined, messages, end) goes through <see cref="ConversationService.ActAsync(string, Func{Conversation, TurnResult}, CancellationToken)"/>.
/// </summary>
public sealed class TicketService(
    IServiceScopeFactory scopes, ConversationService conversations, TimeProvider clock, IOptions<TicketOptions> options,
    TicketEvents events, ILogger<TicketService> log)
{
    public const int MaxTextLength = 4000;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>Tickets follow the conversation: created at consent, the user's words while waiting or with an operator, cancel and /forget.</summary>
    public async Task TurnHandledAsync(string conversationKey, Step from, Step to, TurnResult result, CancellationToken cancel)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BotDb>();
        if (result.Escalation is { } escalation)
        {
            var channel = (await db.Conversations.AsNoTracking().Where(c => c.Key == conversationKey).Select(c => c.Channel).FirstOrDefaultAsync(cancel)) ?? "";
            await CreateAsync(db, conversationKey, channel, escalation, cancel);
            return;
        }
        var open = await db.Tickets.Where(t => t.ConversationKey == conversationKey && t.Status != TicketStatus.Closed && t.Status != TicketStatus.Cancelled)
            .OrderByDescending(t => t.CreatedAt).FirstOrDefaultAsync(cancel);
        if (open is null)
        {
            return;
        }
        if (result.ForOperator is { } text)
        {
            db.TicketMessages.Add(new TicketMessage { TicketId = open.Id, From = "user", Text = Clip(text), At = Now });
            Audit(db, open.Id, "user", "user-message");
            await db.SaveChangesAsync(cancel);
            events.Changed();
            return;
        }
        if (result.Effect == TurnEffect.Forget)
        {
            // /forget: the ticket stays as a count only, with no content.
            await db.TicketMessages.Where(m => m.TicketId == open.Id).ExecuteDeleteAsync(cancel);
            await db.TicketNotes.Where(n => n.TicketId == open.Id).ExecuteDeleteAsync(cancel);
            (open.Summary, open.ConversationKey, open.Status, open.ClosedAt) = ("[]", null, TicketStatus.Cancelled, Now);
            Audit(db, open.Id, "user", "forgotten");
            await db.SaveChangesAsync(cancel);
            events.Changed();
            return;
        }
        if (from == Step.Waiting && to != Step.Waiting && open.EndedAt is null)
        {
            (open.Status, open.ClosedAt) = (TicketStatus.Cancelled, Now);
            Audit(db, open.Id, "user", result.Effect == TurnEffect.QuickExit ? "quick-exit" : "cancelled");
            await db.SaveChangesAsync(cancel);
            events.Changed();
        }
    }

    private async Task CreateAsync(BotDb db, string key, string channel, EscalationRequest e, CancellationToken cancel)
    {
        var now = Now;
        var ticket = new Ticket
        {
            Id = e.Id, ConversationKey = key, Channel = channel, Language = e.Language, Role = e.Role.ToString(), Level = e.Level.ToString(),
            Forms = string.Join(',', e.Forms.Select(f => f.Key())), Minor = e.Minor, Abroad = e.Abroad, Urgent = e.Urgent,
            Gender = e.Gender.ToString(), Destination = e.Destination.ToString(), ConsentAt = e.ConsentAt.UtcDateTime,
            ConsentVersion = e.ConsentVersion, Summary = JsonSerializer.Serialize(e.Summary, ConversationService.Json),
            Status = TicketStatus.New, CreatedAt = now, FirstResponseDue = now + options.Value.FirstResponseTarget,
            ReferralDue = AddWorkingDay(now),
        };
        db.Tickets.Add(ticket);
        Audit(db, ticket.Id, "system", "created", $"{ticket.Destination}, {ticket.Level}");
        await db.SaveChangesAsync(cancel);
        log.LogInformation("Ticket {TicketId} opened for {Destination}", ticket.Id, ticket.Destination);
        events.Changed();
    }

    /// <summary>Clause 39: one working day; a Friday's ticket is due on Monday.</summary>
    internal static DateTime AddWorkingDay(DateTime at)
    {
        var due = at.AddDays(1);
        while (due.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday)
        {
            due = due.AddDays(1);
        }
        return due;
    }

    /// <summary>The queue: open tickets the operator may see, the most urgent first (urgent, minor, strong signs, oldest).</summary>
    public async Task<IReadOnlyList<TicketView>> ListAsync(OperatorIdentity who, CancellationToken cancel)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BotDb>();
        var query = db.Tickets.AsNoTracking().Where(t => t.Status != TicketStatus.Closed && t.Status != TicketStatus.Cancelled);
        if (who.Role != OperatorRole.Supervisor)
        {
            query = query.Where(t => t.Destination == who.Queue);
        }
        var tickets = await query.ToListAsync(cancel);
        var names = await NamesAsync(db, cancel);
        return tickets
            .OrderByDescending(t => t.Urgent).ThenByDescending(t => t.Minor)
            .ThenByDescending(t => t.Level is nameof(Level.Urgent) or nameof(Level.Strong)).ThenBy(t => t.CreatedAt)
            .Select(t => View(t, names)).ToList();
    }

    public async Task<TicketDetail?> GetAsync(OperatorIdentity who, Guid id, CancellationToken cancel)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BotDb>();
        var ticket = await db.Tickets.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, cancel);
        if (ticket is null || !who.Sees(ticket))
        {
            return null;
        }
        var messages = await db.TicketMessages.AsNoTracking().Where(m => m.TicketId == id).OrderBy(m => m.Id)
            .Select(m => new TicketMessageView(m.Id, m.From, m.Text, m.At)).ToListAsync(cancel);
        var notes = await db.TicketNotes.AsNoTracking().Where(n => n.TicketId == id && (who.SeesPoliceNotes || !n.PoliceOnly)).OrderBy(n => n.Id)
            .Select(n => new TicketNoteView(n.Id, n.PoliceOnly, n.Text, n.At)).ToListAsync(cancel);
        var audit = await db.TicketAudit.AsNoTracking().Where(a => a.TicketId == id).OrderBy(a => a.Id)
            .Select(a => new TicketAuditView(a.Actor, a.Action, a.Detail, a.At)).ToListAsync(cancel);
        return new TicketDetail(View(ticket, await NamesAsync(db, cancel)), messages, notes, audit);
    }

    /// <summary>
    /// Atomic: one conditional UPDATE (status still new, still in this operator's queue), so of two
    /// operators clicking at once exactly one wins. Clauses 8, 15: the other gender needs an audited override.
    /// </summary>
    public async Task<TicketOutcome> ClaimAsync(OperatorIdentity who, Guid id, bool overrideGender, CancellationToken cancel)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BotDb>();
        var ticket = await db.Tickets.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, cancel);
        if (ticket is null || !who.Sees(ticket))
        {
            return TicketOutcome.NotFound;
        }
        var mismatch = (ticket.Gender == nameof(Gender.Woman) && who.Gender != "f") || (ticket.Gender == nameof(Gender.Man) && who.Gender != "m");
        if (mismatch && !overrideGender)
        {
            return TicketOutcome.GenderMismatch;
        }
        var now = Now;
        var won = await db.Tickets.Where(t => t.Id == id && t.Status == TicketStatus.New && t.Destination == ticket.Destination)
            .ExecuteUpdateAsync(u => u.SetProperty(t => t.Status, TicketStatus.Claimed).SetProperty(t => t.OperatorId, who.Id)
                .SetProperty(t => t.ClaimedAt, now), cancel);
        if (won == 0)
        {
            return TicketOutcome.Conflict;
        }
        if (mismatch)
        {
            Audit(db, id, who.Login, "gender-override", $"preferred {ticket.Gender}, operator {who.Gender}");
        }
        Audit(db, id, who.Login, "claimed");
        await db.SaveChangesAsync(cancel);
        if (ticket.ConversationKey is { } key)
        {
            var destination = Enum.Parse<Destination>(ticket.Destination);
            await conversations.ActAsync(key, c => c.OperatorJoined(who.DisplayName, who.Gender == "m" ? Gender.Man : Gender.Woman, destination), cancel);
        }
        log.LogInformation("Ticket {TicketId} claimed", id);
        events.Changed();
        return TicketOutcome.Done;
    }

    /// <summary>A message from the assigned operator, to the person on their own channel.</summary>
    public Task<TicketOutcome> SendAsync(OperatorIdentity who, Guid id, string text, CancellationToken cancel) =>
        WithAssignedAsync(who, id, async (db, ticket) =>
        {
            text = text.Trim();
            if (text.Length == 0 || text.Length > MaxTextLength || ticket.ConversationKey is null || ticket.EndedAt is not null)
            {
                return TicketOutcome.Invalid;
            }
            var now = Now;
            db.TicketMessages.Add(new TicketMessage { TicketId = id, From = "operator", OperatorId = who.Id, Text = text, At = now });
            ticket.FirstResponseAt ??= now;
            if (ticket.Status == TicketStatus.Claimed)
            {
                ticket.Status = TicketStatus.InConversation;
            }
            Audit(db, id, who.Login, "operator-message");
            await db.SaveChangesAsync(cancel);
            await conversations.ActAsync(ticket.ConversationKey, _ => new TurnResult([new BotMessage(text, [])], TurnEffect.None, null), cancel);
            return TicketOutcome.Done;
        }, cancel);

    /// <summary>Hotline ⇄ police, with a note; the ticket goes back to the other queue as new.</summary>
    public Task<TicketOutcome> TransferAsync(OperatorIdentity who, Guid id, string note, CancellationToken cancel) =>
        WithAssignedAsync(who, id, async (db, ticket) =>
        {
            if (string.IsNullOrWhiteSpace(note) || note.Length > MaxTextLength)
            {
                return TicketOutcome.Invalid;
            }
            var to = ticket.Destination == nameof(Destination.Police) ? nameof(Destination.Hotline) : nameof(Destination.Police);
            db.TicketNotes.Add(new TicketNote { TicketId = id, OperatorId = who.Id, Text = note.Trim(), At = Now });
            (ticket.Destination, ticket.Status, ticket.OperatorId, ticket.ClaimedAt) = (to, TicketStatus.New, null, null);
            Audit(db, id, who.Login, "transferred", "to " + to);
            await db.SaveChangesAsync(cancel);
            return TicketOutcome.Done;
        }, cancel);

    public Task<TicketOutcome> NoteAsync(OperatorIdentity who, Guid id, string text, bool policeOnly, CancellationToken cancel) =>
        WithVisibleAsync(who, id, async (db, ticket) =>
        {
            if (string.IsNullOrWhiteSpace(text) || text.Length > MaxTextLength || (policeOnly && !who.SeesPoliceNotes))
            {
                return TicketOutcome.Invalid;
            }
            db.TicketNotes.Add(new TicketNote { TicketId = id, OperatorId = who.Id, PoliceOnly = policeOnly, Text = text.Trim(), At = Now });
            Audit(db, id, who.Login, policeOnly ? "police-note" : "note");
            await db.SaveChangesAsync(cancel);
            return TicketOutcome.Done;
        }, cancel);

    /// <summary>Clauses 12, 18: a safe place for at most three days; the clock starts when it is asked for.</summary>
    public Task<TicketOutcome> StartSafePlaceClockAsync(OperatorIdentity who, Guid id, CancellationToken cancel) =>
        WithAssignedAsync(who, id, async (db, ticket) =>
        {
            ticket.SafePlaceDue ??= Now.AddHours(72);
            Audit(db, id, who.Login, "safe-place-asked");
            await db.SaveChangesAsync(cancel);
            return TicketOutcome.Done;
        }, cancel);

    /// <summary>The operator referred the person to a service (clause 39).</summary>
    public Task<TicketOutcome> ReferAsync(OperatorIdentity who, Guid id, string to, CancellationToken cancel) =>
        WithAssignedAsync(who, id, async (db, ticket) =>
        {
            if (string.IsNullOrWhiteSpace(to) || to.Length > 200)
            {
                return TicketOutcome.Invalid;
            }
            ticket.Status = TicketStatus.Referred;
            Audit(db, id, who.Login, "referred", to.Trim());
            await db.SaveChangesAsync(cancel);
            return TicketOutcome.Done;
        }, cancel);

    /// <summary>Ends the conversation: the person returns to the bot menu and gets the rights card.</summary>
    public Task<TicketOutcome> EndAsync(OperatorIdentity who, Guid id, CancellationToken cancel) =>
        WithAssignedAsync(who, id, async (db, ticket) =>
        {
            if (ticket.EndedAt is not null)
            {
                return TicketOutcome.Conflict;
            }
            await EndConversationAsync(db, ticket, who, cancel);
            return TicketOutcome.Done;
        }, cancel);

    /// <summary>Closes the ticket with an outcome (ending the conversation first if it is still going).</summary>
    public Task<TicketOutcome> CloseAsync(OperatorIdentity who, Guid id, string outcome, CancellationToken cancel) =>
        WithAssignedAsync(who, id, async (db, ticket) =>
        {
            if (string.IsNullOrWhiteSpace(outcome) || outcome.Length > 2000)
            {
                return TicketOutcome.Invalid;
            }
            if (ticket.EndedAt is null)
            {
                await EndConversationAsync(db, ticket, who, cancel);
            }
            (ticket.Status, ticket.Outcome, ticket.ClosedAt) = (TicketStatus.Closed, outcome.Trim(), Now);
            Audit(db, id, who.Login, "closed");
            await db.SaveChangesAsync(cancel);
            return TicketOutcome.Done;
        }, cancel);

    private async Task EndConversationAsync(BotDb db, Ticket ticket, OperatorIdentity who, CancellationToken cancel)
    {
        ticket.EndedAt = Now;
        Audit(db, ticket.Id, who.Login, "ended");
        await db.SaveChangesAsync(cancel);
        if (ticket.ConversationKey is { } key)
        {
            await conversations.ActAsync(key, c => c.OperatorEndedAsync(), cancel);
        }
    }

    /// <summary>Tickets nobody claimed in time, or that arrive outside working hours: the person is told honestly, once.</summary>
    public async Task<int> TellUnansweredAsync(CancellationToken cancel)
    {
        var settings = options.Value;
        var now = Now;
        var outside = !settings.IsWorkingTime(clock.GetUtcNow());
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BotDb>();
        var before = now - settings.NoOperatorAfter;
        var due = await db.Tickets.Where(t => t.Status == TicketStatus.New && t.NoOperatorToldAt == null && t.ConversationKey != null
                && t.ClaimedAt == null && (outside || t.CreatedAt <= before))
            .ToListAsync(cancel);
        foreach (var ticket in due)
        {
            ticket.NoOperatorToldAt = now;
            Audit(db, ticket.Id, "system", "no-operator-told", outside ? "outside working hours" : "no claim in time");
            await db.SaveChangesAsync(cancel);
            await conversations.ActAsync(ticket.ConversationKey!, c => c.NoOperatorYet(outside), cancel);
        }
        if (due.Count > 0)
        {
            events.Changed();
        }
        return due.Count;
    }

    private Task<TicketOutcome> WithAssignedAsync(OperatorIdentity who, Guid id, Func<BotDb, Ticket, Task<TicketOutcome>> act, CancellationToken cancel) =>
        WithVisibleAsync(who, id, (db, ticket) =>
            ticket.Status is TicketStatus.Closed or TicketStatus.Cancelled ? Task.FromResult(TicketOutcome.Conflict)
            : ticket.OperatorId != who.Id && who.Role != OperatorRole.Supervisor ? Task.FromResult(TicketOutcome.Forbidden)
            : act(db, ticket), cancel);

    private async Task<TicketOutcome> WithVisibleAsync(OperatorIdentity who, Guid id, Func<BotDb, Ticket, Task<TicketOutcome>> act, CancellationToken cancel)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BotDb>();
        var ticket = await db.Tickets.FirstOrDefaultAsync(t => t.Id == id, cancel);
        if (ticket is null || !who.Sees(ticket))
        {
            return TicketOutcome.NotFound;
        }
        var outcome = await act(db, ticket);
        if (outcome == TicketOutcome.Done)
        {
            events.Changed();
        }
        return outcome;
    }

    private void Audit(BotDb db, Guid ticket, string actor, string action, string? detail = null) =>
        db.TicketAudit.Add(new TicketAudit { TicketId = ticket, Actor = actor, Action = action, Detail = detail, At = Now });

    private static string Clip(string text) => text.Length > MaxTextLength ? text[..MaxTextLength] : text;

    private static async Task<Dictionary<Guid, string>> NamesAsync(BotDb db, CancellationToken cancel) =>
        await db.OperatorAccounts.AsNoTracking().ToDictionaryAsync(o => o.Id, o => o.DisplayName, cancel);

    private static TicketView View(Ticket t, Dictionary<Guid, string> names) => new(
        t.Id, t.Status.ToString(), t.Language, t.Role, t.Level, t.Forms.Split(',', StringSplitOptions.RemoveEmptyEntries), t.Minor, t.Abroad, t.Urgent,
        t.Gender, t.Destination, t.ConsentAt, t.ConsentVersion, JsonSerializer.Deserialize<JsonElement>(t.Summary),
        t.OperatorId, t.OperatorId is { } o && names.TryGetValue(o, out var name) ? name : null,
        t.CreatedAt, t.ClaimedAt, t.FirstResponseAt, t.FirstResponseDue, t.ReferralDue, t.SafePlaceDue, t.EndedAt, t.Outcome);
}

/// <summary>A version number that moves whenever a ticket changes: open consoles wait on it (long poll) instead of reloading.</summary>
public sealed class TicketEvents
{
    private long _version;
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long Version => Interlocked.Read(ref _version);

    public void Changed()
    {
        Interlocked.Increment(ref _version);
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>Returns when the version moves past <paramref name="seen"/>, or after the timeout.</summary>
    public async Task<long> WaitAsync(long seen, TimeSpan timeout, CancellationToken cancel)
    {
        var next = Volatile.Read(ref _next).Task;
        if (Version == seen)
        {
            await next.WaitAsync(timeout, cancel).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }
        return Version;
    }
}

/// <summary>Tells people waiting too long (or outside working hours) the honest truth and the numbers, once per ticket.</summary>
public sealed class NoOperatorWatch(TicketService tickets, TimeProvider clock, IOptions<TicketOptions> options, ILogger<NoOperatorWatch> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.WatchInterval, clock);
        do
        {
            try
            {
                var told = await tickets.TellUnansweredAsync(stoppingToken);
                if (told > 0)
                {
                    log.LogInformation("Told {Count} waiting people that no operator has answered yet", told);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogError(e, "The unanswered-ticket watch failed; it tries again");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
