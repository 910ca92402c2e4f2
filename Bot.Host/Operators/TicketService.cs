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
    public bool Sees(Ticket ticket) => Sees(Role, ticket);
    public static bool Sees(OperatorRole role, Ticket ticket) => role == OperatorRole.Supervisor || ticket.Destination == QueueOf(role);
    public string Queue => QueueOf(Role);
    private static string QueueOf(OperatorRole role) => role == OperatorRole.Police ? nameof(Destination.Police) : nameof(Destination.Hotline);
    public bool SeesPoliceNotes => Role is OperatorRole.Police or OperatorRole.Supervisor;
}

public enum TicketOutcome { Done, NotFound, Conflict, Forbidden, GenderMismatch, Invalid, NoDisposition }

/// <summary>
/// A ticket in the queue: triage fields only (level, flags, clocks, language, team, channel), nothing the person said;
/// the list is audited once per operator and ticket. <paramref name="Flags"/> says why it is urgent (danger, doctor);
/// <paramref name="NoReaderOnShift"/>: nobody on shift who may take it has declared they read the person's language.
/// </summary>
public sealed record TicketListItem(
    Guid Id, string Status, string Channel, string Language, bool NoReaderOnShift, string Level, bool Minor, bool Abroad, bool Urgent, IReadOnlyList<string> Flags, string Gender,
    string Destination, Guid? OperatorId, string? OperatorName, DateTime CreatedAt, DateTime QueuedAt, DateTime? ClaimedAt,
    DateTime? FirstResponseAt, DateTime FirstResponseDue, DateTime ReferralDue, DateTime? SafePlaceDue, DateTime? EndedAt);

/// <param name="Summary">The stored answers by id, for a CRM; <paramref name="Readable"/> is the same in the reader's language.</param>
public sealed record TicketView(
    Guid Id, string Status, string Channel, string Language, string Role, string Level, IReadOnlyList<string> Forms, bool Minor, bool Abroad,
    bool Urgent, string Gender, string Destination, DateTime ConsentAt, string ConsentVersion, JsonElement Summary, ReadableSummary Readable,
    Guid? OperatorId, string? OperatorName, DateTime CreatedAt, DateTime QueuedAt, DateTime? ClaimedAt, DateTime? FirstResponseAt,
    DateTime FirstResponseDue, DateTime ReferralDue, DateTime? SafePlaceDue, DateTime? EndedAt, string? Outcome, string? Disposition,
    DateTime? ClosedAt);

public sealed record TicketDetail(TicketView Ticket, IReadOnlyList<TicketMessageView> Messages, IReadOnlyList<TicketNoteView> Notes, IReadOnlyList<TicketAuditView> Audit);
public sealed record TicketMessageView(long Id, string From, string Text, DateTime At);
public sealed record TicketNoteView(long Id, bool PoliceOnly, bool Transfer, string Text, DateTime At);
public sealed record TicketAuditView(string Actor, string Action, string? Detail, DateTime At);

public sealed class TicketOptions
{
    /// <summary>Target time to a first operator response.</summary>
    public TimeSpan FirstResponseTarget { get; set; } = TimeSpan.FromMinutes(15);
    /// <summary>For someone in danger or needing a doctor now.</summary>
    public TimeSpan UrgentFirstResponseTarget { get; set; } = TimeSpan.FromMinutes(5);
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
/// Everything operators do to tickets, for the console and the API alike. A change and what the person sees of it
/// (joined, messages, end) are one commit, through <see cref="ConversationService"/>'s ActAsync.
/// </summary>
public sealed class TicketService(
    IServiceScopeFactory scopes, TurnWriter writer, ConversationService conversations, Sealed secrets, TimeProvider clock,
    IOptions<TicketOptions> options, TicketEvents events, BlockedConversations blocking, BotContent content, OperatorShift shift,
    ILogger<TicketService> log)
{
    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>The queue: open tickets the operator may see, the most urgent first; each listed ticket is audited once per operator.</summary>
    public async Task<IReadOnlyList<TicketListItem>> ListAsync(OperatorIdentity who, CancellationToken cancel)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BotDb>();
        var tickets = await Priority(Visible(db, who)).ToListAsync(cancel);
        var ids = tickets.Select(t => t.Id).ToList();
        var seen = await db.TicketAudit.AsNoTracking().Where(a => a.Action == "listed" && a.Actor == who.Login && ids.Contains(a.TicketId))
            .Select(a => a.TicketId).ToListAsync(cancel);
        if (ids.Except(seen).ToList() is { Count: > 0 } unseen)
        {
            var now = Now;
            await writer.WriteAsync(write => unseen.ForEach(id => Tickets.Audit(write, id, who.Login, "listed", null, now)));
        }
        var names = await NamesAsync(db, cancel);
        return tickets.Select(t => new TicketListItem(t.Id, t.Status.ToString(), t.Channel, t.Language, !shift.SomeoneReads(t), t.Level, t.Minor, t.Abroad, t.Urgent,
            t.Urgent ? Readable.Flags(Stored(t)) : [], t.Gender, t.Destination, t.OperatorId, Name(t, names), t.CreatedAt, t.QueuedAt, t.ClaimedAt, t.FirstResponseAt, t.FirstResponseDue,
            t.ReferralDue, t.SafePlaceDue, t.EndedAt)).ToList();
    }

    /// <summary>
    /// Take next: the most urgent waiting ticket of the operator's queue that the person's gender preference allows,
    /// with the same atomic claim as a click on it; when another operator wins one, the next.
    /// </summary>
    public async Task<(TicketOutcome Outcome, Guid? Id)> TakeNextAsync(OperatorIdentity who, CancellationToken cancel)
    {
        List<(Guid Id, string Gender)> waiting;
        await using (var scope = scopes.CreateAsyncScope())
        {
            waiting = (await Priority(Visible(scope.ServiceProvider.GetRequiredService<BotDb>(), who)
                    .Where(t => t.Status == TicketStatus.New && t.EndedAt == null)).Select(t => new { t.Id, t.Gender }).ToListAsync(cancel))
                .Select(t => (t.Id, t.Gender)).ToList();
        }
        foreach (var (id, _) in waiting.Where(t => !GenderMismatch(t.Gender, who)))
        {
            if (await ClaimAsync(who, id, overrideGender: false, cancel) == TicketOutcome.Done)
            {
                return (TicketOutcome.Done, id);
            }
        }
        return (TicketOutcome.NotFound, null);
    }

    private static IQueryable<Ticket> Visible(BotDb db, OperatorIdentity who)
    {
        var query = db.Tickets.AsNoTracking().Where(t => Tickets.Open.Contains(t.Status));
        return who.Role == OperatorRole.Supervisor ? query : query.Where(t => t.Destination == who.Queue);
    }

    /// <summary>Urgent, then children, then strong signs, then the longest wait.</summary>
    private static IOrderedQueryable<Ticket> Priority(IQueryable<Ticket> tickets) =>
        tickets.OrderByDescending(t => t.Urgent).ThenByDescending(t => t.Minor)
            .ThenByDescending(t => t.Level == nameof(Level.Urgent) || t.Level == nameof(Level.Strong)).ThenBy(t => t.QueuedAt);

    private static bool GenderMismatch(string preferred, OperatorIdentity who) =>
        (preferred == nameof(Gender.Woman) && who.Gender != "f") || (preferred == nameof(Gender.Man) && who.Gender != "m");

    /// <summary>One ticket with its transcript, the notes this operator may read and the audit trail; the view itself is audited.</summary>
    public async Task<TicketDetail?> GetAsync(OperatorIdentity who, Guid id, LanguagePack reader, CancellationToken cancel)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BotDb>();
        var ticket = await db.Tickets.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, cancel);
        if (ticket is null || !who.Sees(ticket))
        {
            return null;
        }
        var now = Now;
        await writer.WriteAsync(write => Tickets.Audit(write, id, who.Login, "viewed", null, now));
        var messages = (await db.TicketMessages.AsNoTracking().Where(m => m.TicketId == id).OrderBy(m => m.Id).ToListAsync(cancel))
            .Select(m => new TicketMessageView(m.Id, m.From, secrets.Open(m.Text), m.At)).ToList();
        var notes = (await db.TicketNotes.AsNoTracking().Where(n => n.TicketId == id && (who.SeesPoliceNotes || !n.PoliceOnly)).OrderBy(n => n.Id).ToListAsync(cancel))
            .Select(n => new TicketNoteView(n.Id, n.PoliceOnly, n.Transfer, secrets.Open(n.Text), n.At)).ToList();
        var audit = await db.TicketAudit.AsNoTracking().Where(a => a.TicketId == id && (who.SeesPoliceNotes || a.Action != "police-note")).OrderBy(a => a.Id)
            .Select(a => new TicketAuditView(a.Actor, a.Action, a.Detail, a.At)).ToListAsync(cancel);
        return new TicketDetail(View(ticket, await NamesAsync(db, cancel), reader), messages, notes, audit);
    }

    /// <summary>
    /// Atomic: one conditional UPDATE (status still new, still in this operator's queue), so of two
    /// operators clicking at once exactly one wins. Clauses 8, 15: the other gender needs an audited override.
    /// </summary>
    public Task<TicketOutcome> ClaimAsync(OperatorIdentity who, Guid id, bool overrideGender, CancellationToken cancel) =>
        ChangeAsync(who, id, async (db, ticket, now) =>
        {
            var mismatch = GenderMismatch(ticket.Gender, who);
            if (mismatch && !overrideGender)
            {
                return Outcome(TicketOutcome.GenderMismatch);
            }
            var won = await db.Tickets.Where(t => t.Id == id && t.Status == TicketStatus.New && t.Destination == ticket.Destination)
                .ExecuteUpdateAsync(u => u.SetProperty(t => t.Status, TicketStatus.Claimed).SetProperty(t => t.OperatorId, who.Id)
                    .SetProperty(t => t.ClaimedAt, now));
            if (won == 0)
            {
                return Outcome(TicketOutcome.Conflict);
            }
            if (mismatch)
            {
                Tickets.Audit(db, id, who.Login, "gender-override", $"preferred={ticket.Gender};operator={who.Gender}", now);
            }
            Tickets.Audit(db, id, who.Login, "claimed", null, now);
            var destination = Enum.Parse<Destination>(ticket.Destination);
            return Outcome(TicketOutcome.Done, (c, state) =>
                c.OperatorJoined(state, id, who.DisplayName, who.Gender == "m" ? Gender.Man : Gender.Woman, destination));
        }, cancel);

    /// <summary>
    /// Abuse (issue 6): until the block ends the conversation's turns get no reply and nothing of them is stored, and its web chat
    /// tokens stop working. Any operator who sees the ticket may block for <see cref="BlockedConversations.DefaultLength"/>, with a
    /// reason (sealed, as notes are); a supervisor may set another length, which also extends or shortens a block in force.
    /// Audited; the ticket itself stays as it is; /forget ends the block.
    /// </summary>
    /// <param name="length">Null for the default; another length only from a supervisor.</param>
    public async Task<TicketOutcome> BlockAsync(OperatorIdentity who, Guid id, string reason, TimeSpan? length, CancellationToken cancel)
    {
        reason = reason.Trim();
        if (reason.Length is 0 or > Tickets.MaxTextLength || length is { } asked && (asked <= TimeSpan.Zero || asked > TimeSpan.FromDays(30)))
        {
            return TicketOutcome.Invalid;
        }
        if (length is not null && who.Role != OperatorRole.Supervisor)
        {
            return TicketOutcome.Forbidden;
        }
        var (outcome, key) = await BlockableAsync(who, id, cancel);
        if (key is null)
        {
            return outcome;
        }
        var now = Now;
        var until = now + (length ?? BlockedConversations.DefaultLength);
        var blocked = await conversations.RevokeAsync(key, async db =>
        {
            var row = await db.BlockedConversations.FirstOrDefaultAsync(b => b.Key == key);
            if (row is not null && row.ExpiresAt > now && length is null)
            {
                return false;   // blocked already; only a supervisor changes its end
            }
            if (row is null)
            {
                db.BlockedConversations.Add(new BlockedConversation { Key = key, BlockedAt = now, ExpiresAt = until, Reason = secrets.Seal(reason) });
            }
            else
            {
                (row.BlockedAt, row.ExpiresAt, row.Reason) = (row.ExpiresAt > now ? row.BlockedAt : now, until, secrets.Seal(reason));
            }
            Tickets.Audit(db, id, who.Login, "blocked", OperatorApi.Invariant($"until={until:yyyy-MM-ddTHH:mm:ssZ}"), now);
            return true;
        }, cancel);
        if (blocked)
        {
            blocking.Set(key, until);
            log.LogWarning("Ticket {TicketId}: conversation {ConversationKey} blocked by {Login} until {Until}", id, Pseudonym.Of(key), who.Login, until);
            events.Changed();
        }
        return TicketOutcome.Done;
    }

    /// <summary>A supervisor ends a block early (audited).</summary>
    public async Task<TicketOutcome> LiftBlockAsync(OperatorIdentity who, Guid id, CancellationToken cancel)
    {
        if (who.Role != OperatorRole.Supervisor)
        {
            return TicketOutcome.Forbidden;
        }
        var (outcome, key) = await BlockableAsync(who, id, cancel);
        if (key is null)
        {
            return outcome;
        }
        var now = Now;
        var lifted = false;
        await writer.WriteAsync(async db =>
        {
            lifted = await db.BlockedConversations.Where(b => b.Key == key).ExecuteDeleteAsync() > 0;
            if (lifted)
            {
                Tickets.Audit(db, id, who.Login, "unblocked", null, now);
            }
        });
        if (!lifted)
        {
            return TicketOutcome.Conflict;
        }
        blocking.Remove(key);
        events.Changed();
        return TicketOutcome.Done;
    }

    /// <summary>The conversation of a ticket this operator sees, or why there is none (forgotten: nothing left to block).</summary>
    private async Task<(TicketOutcome Outcome, string? Key)> BlockableAsync(OperatorIdentity who, Guid id, CancellationToken cancel)
    {
        await using var scope = scopes.CreateAsyncScope();
        var ticket = await scope.ServiceProvider.GetRequiredService<BotDb>().Tickets.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, cancel);
        return ticket is null || !who.Sees(ticket) ? (TicketOutcome.NotFound, null)
            : ticket.ConversationKey is { } key ? (TicketOutcome.Done, key) : (TicketOutcome.Conflict, null);
    }

    /// <summary>A message from the assigned operator, to the person on their own channel.</summary>
    public Task<TicketOutcome> SendAsync(OperatorIdentity who, Guid id, string text, CancellationToken cancel)
    {
        text = text.Trim();
        return AssignedChangeAsync(who, id, (db, ticket, now) =>
        {
            if (text.Length is 0 or > Tickets.MaxTextLength)
            {
                return Outcome(TicketOutcome.Invalid);
            }
            if (ticket.OperatorId is null || ticket.ConversationKey is null || ticket.EndedAt is not null)
            {
                return Outcome(TicketOutcome.Conflict);   // claim first; nobody to write to any more
            }
            db.TicketMessages.Add(new TicketMessage { TicketId = id, From = "operator", OperatorId = who.Id, Text = secrets.Seal(text), At = now });
            ticket.FirstResponseAt ??= now;
            if (ticket.Status == TicketStatus.Claimed)
            {
                ticket.Status = TicketStatus.InConversation;
            }
            Tickets.Audit(db, id, who.Login, "operator-message", null, now);
            var team = Enum.Parse<Destination>(ticket.Destination);
            return Outcome(TicketOutcome.Done, (c, state) => c.OperatorWrote(state, id, text, who.DisplayName, team));
        }, cancel);
    }

    /// <summary>Hotline ⇄ police, with a note; the ticket goes back to the other queue as new.</summary>
    public Task<TicketOutcome> TransferAsync(OperatorIdentity who, Guid id, string note, CancellationToken cancel) =>
        AssignedChangeAsync(who, id, (db, ticket, now) =>
        {
            if (string.IsNullOrWhiteSpace(note) || note.Length > Tickets.MaxTextLength)
            {
                return Outcome(TicketOutcome.Invalid);
            }
            if (ticket.EndedAt is not null)
            {
                return Outcome(TicketOutcome.Conflict);   // the person is back with the bot: a new request is theirs to make
            }
            var to = ticket.Destination == nameof(Destination.Police) ? nameof(Destination.Hotline) : nameof(Destination.Police);
            if (ticket.Minor && to == nameof(Destination.Hotline) && who.Role != OperatorRole.Supervisor)
            {
                return Outcome(TicketOutcome.Forbidden);   // clause 16: a child's request stays with the police unless a supervisor decides
            }
            db.TicketNotes.Add(new TicketNote { TicketId = id, OperatorId = who.Id, Transfer = true, Text = secrets.Seal(note.Trim()), At = now });
            (ticket.Destination, ticket.Status, ticket.OperatorId, ticket.ClaimedAt) = (to, TicketStatus.New, null, null);
            (ticket.QueuedAt, ticket.NoOperatorToldAt) = (now, null);   // a new queue: its own wait, told again if nobody there answers
            Tickets.Audit(db, id, who.Login, "transferred", "team=" + to, now);
            var destination = Enum.Parse<Destination>(to);
            return Outcome(TicketOutcome.Done, (c, state) => c.OperatorTransferred(state, id, destination));
        }, cancel);

    public Task<TicketOutcome> NoteAsync(OperatorIdentity who, Guid id, string text, bool policeOnly, CancellationToken cancel) =>
        ChangeAsync(who, id, (db, ticket, now) =>
        {
            if (string.IsNullOrWhiteSpace(text) || text.Length > Tickets.MaxTextLength || (policeOnly && !who.SeesPoliceNotes))
            {
                return Outcome(TicketOutcome.Invalid);
            }
            if (ticket.Summary.Length == 0)
            {
                return Outcome(TicketOutcome.Conflict);   // forgotten or anonymised: nothing may be added about the person
            }
            db.TicketNotes.Add(new TicketNote { TicketId = id, OperatorId = who.Id, PoliceOnly = policeOnly, Text = secrets.Seal(text.Trim()), At = now });
            Tickets.Audit(db, id, who.Login, policeOnly ? "police-note" : "note", null, now);
            return Outcome(TicketOutcome.Done);
        }, cancel);

    /// <summary>Clauses 12, 18: a safe place for at most three days; the clock starts when it is asked for.</summary>
    public Task<TicketOutcome> StartSafePlaceClockAsync(OperatorIdentity who, Guid id, CancellationToken cancel) =>
        AssignedChangeAsync(who, id, (db, ticket, now) =>
        {
            ticket.SafePlaceDue ??= now.AddHours(72);
            Tickets.Audit(db, id, who.Login, "safe-place-asked", null, now);
            return Outcome(TicketOutcome.Done);
        }, cancel);

    /// <summary>The operator referred the person to a service (clause 39); where to is kept as a sealed note.</summary>
    public Task<TicketOutcome> ReferAsync(OperatorIdentity who, Guid id, string to, CancellationToken cancel) =>
        AssignedChangeAsync(who, id, (db, ticket, now) =>
        {
            if (string.IsNullOrWhiteSpace(to) || to.Length > 200)
            {
                return Outcome(TicketOutcome.Invalid);
            }
            if (ticket.OperatorId is null)
            {
                return Outcome(TicketOutcome.Conflict);   // claim first
            }
            ticket.Status = TicketStatus.Referred;
            db.TicketNotes.Add(new TicketNote { TicketId = id, OperatorId = who.Id, Text = secrets.Seal("Referred to: " + to.Trim()), At = now });
            Tickets.Audit(db, id, who.Login, "referred", null, now);
            return Outcome(TicketOutcome.Done);
        }, cancel);

    /// <summary>Ends the conversation: the person returns to the bot menu and gets the rights card.</summary>
    public Task<TicketOutcome> EndAsync(OperatorIdentity who, Guid id, CancellationToken cancel) =>
        AssignedChangeAsync(who, id, (db, ticket, now) =>
            ticket.EndedAt is not null || ticket.OperatorId is null ? Outcome(TicketOutcome.Conflict) : Outcome(TicketOutcome.Done, End(db, ticket, who, now)), cancel);

    /// <summary>Wrap-up: closes the ticket with a disposition and an optional note (ending the conversation first if it is still going).</summary>
    public Task<TicketOutcome> CloseAsync(OperatorIdentity who, Guid id, string disposition, string? outcome, CancellationToken cancel) =>
        AssignedChangeAsync(who, id, (db, ticket, now) =>
        {
            if (!Dispositions.All.Contains(disposition))
            {
                return Outcome(TicketOutcome.NoDisposition);
            }
            if (outcome?.Length > 2000)
            {
                return Outcome(TicketOutcome.Invalid);
            }
            var then = ticket.EndedAt is null ? End(db, ticket, who, now) : null;
            (ticket.Status, ticket.Disposition, ticket.ClosedAt) = (TicketStatus.Closed, disposition, now);
            ticket.Outcome = string.IsNullOrWhiteSpace(outcome) ? null : secrets.Seal(outcome.Trim());
            Tickets.Audit(db, id, who.Login, "closed", "disposition=" + disposition, now);
            return Outcome(TicketOutcome.Done, then);
        }, cancel);

    private static Func<Conversation, ConversationState, Task<TurnResult>>? End(BotDb db, Ticket ticket, OperatorIdentity who, DateTime now)
    {
        ticket.EndedAt = now;
        Tickets.Audit(db, ticket.Id, who.Login, "ended", null, now);
        return ticket.ConversationKey is null ? null : (c, state) => c.OperatorEndedAsync(state, ticket.Id);
    }

    /// <summary>Tickets nobody claimed in time, or that arrive outside working hours: the person is told honestly, once.</summary>
    public async Task<int> TellUnansweredAsync(CancellationToken cancel)
    {
        var settings = options.Value;
        var now = Now;
        var outside = !settings.IsWorkingTime(clock.GetUtcNow());
        var before = now - settings.NoOperatorAfter;
        List<(Guid Id, string Key)> due;
        await using (var scope = scopes.CreateAsyncScope())
        {
            due = (await scope.ServiceProvider.GetRequiredService<BotDb>().Tickets.AsNoTracking()
                .Where(t => t.Status == TicketStatus.New && t.NoOperatorToldAt == null && t.ConversationKey != null && t.EndedAt == null
                    && t.ClaimedAt == null && (outside || t.QueuedAt <= before))
                .Select(t => new { t.Id, t.ConversationKey }).ToListAsync(cancel))
                .Select(t => (t.Id, t.ConversationKey!)).ToList();
        }
        foreach (var (id, key) in due)
        {
            // The mark and the words to the person commit together.
            await conversations.ActAsync(key, async db =>
            {
                // Only if nobody claimed it since the query above.
                if (await db.Tickets.Where(t => t.Id == id && t.Status == TicketStatus.New && t.NoOperatorToldAt == null)
                    .ExecuteUpdateAsync(u => u.SetProperty(t => t.NoOperatorToldAt, now)) == 0)
                {
                    return null;
                }
                Tickets.Audit(db, id, "system", "no-operator-told", outside ? "reason=outside-hours" : "reason=no-claim", now);
                return (c, state) => Task.FromResult(c.NoOperatorYet(state, id, outside));
            }, cancel);
        }
        if (due.Count > 0)
        {
            events.Changed();
        }
        return due.Count;
    }

    /// <summary>A change only the operator who claimed the ticket (or a supervisor) may make, while it is open.</summary>
    private Task<TicketOutcome> AssignedChangeAsync(OperatorIdentity who, Guid id, Func<BotDb, Ticket, DateTime, Change> change, CancellationToken cancel) =>
        ChangeAsync(who, id, (db, ticket, now) =>
            !Tickets.Open.Contains(ticket.Status) ? Outcome(TicketOutcome.Conflict)
            : ticket.OperatorId != who.Id && who.Role != OperatorRole.Supervisor ? Outcome(TicketOutcome.Forbidden)
            : change(db, ticket, now), cancel);

    private sealed record Change(TicketOutcome Outcome, Func<Conversation, ConversationState, Task<TurnResult>>? Then);

    private static Change Outcome(TicketOutcome outcome, Func<Conversation, ConversationState, Task<TurnResult>>? then = null) => new(outcome, then);

    private static Change Outcome(TicketOutcome outcome, Func<Conversation, ConversationState, TurnResult> then) =>
        new(outcome, (c, state) => Task.FromResult(then(c, state)));

    private Task<TicketOutcome> ChangeAsync(OperatorIdentity who, Guid id, Func<BotDb, Ticket, DateTime, Change> change, CancellationToken cancel) =>
        ChangeAsync(who, id, (db, ticket, now) => Task.FromResult(change(db, ticket, now)), cancel);

    /// <summary>
    /// One commit per operator action: the ticket's change (read and applied inside the write, so it sees what the writes
    /// before it did) and what it means for the person (their conversation's state and the messages to them) commit
    /// together, under the conversation's lock.
    /// </summary>
    private async Task<TicketOutcome> ChangeAsync(OperatorIdentity who, Guid id, Func<BotDb, Ticket, DateTime, Task<Change>> change, CancellationToken cancel)
    {
        var now = Now;
        Change? done = null;
        var key = await ConversationOfAsync(id, cancel);
        async Task<Func<Conversation, ConversationState, Task<TurnResult>>?> Apply(BotDb db)
        {
            var ticket = await db.Tickets.FirstOrDefaultAsync(t => t.Id == id, CancellationToken.None);   // queued: it runs to its end
            done = ticket is null || !who.Sees(ticket) ? Outcome(TicketOutcome.NotFound) : await change(db, ticket, now);
            // A conversation erased since the look-up (/forget) is not written to.
            return done.Outcome == TicketOutcome.Done && ticket!.ConversationKey == key ? done.Then : null;
        }
        if (key is null)
        {
            await writer.WriteAsync(async db => await Apply(db));
        }
        else
        {
            await conversations.ActAsync(key, Apply, cancel);
        }
        if (done!.Outcome != TicketOutcome.Done)
        {
            return done.Outcome;
        }
        log.LogDebug("Ticket {TicketId} changed by {Login}", id, who.Login);
        events.Changed();
        return TicketOutcome.Done;
    }

    /// <summary>The conversation a ticket belongs to, whose lock its changes take; null when there is none (forgotten).</summary>
    private async Task<string?> ConversationOfAsync(Guid id, CancellationToken cancel)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<BotDb>().Tickets.AsNoTracking().Where(t => t.Id == id)
            .Select(t => t.ConversationKey).FirstOrDefaultAsync(cancel);
    }

    private static async Task<Dictionary<Guid, string>> NamesAsync(BotDb db, CancellationToken cancel) =>
        await db.Users.AsNoTracking().ToDictionaryAsync(o => o.Id, o => o.DisplayName, cancel);

    private JsonElement Stored(Ticket t) => JsonSerializer.Deserialize<JsonElement>(t.Summary.Length == 0 ? "{}" : secrets.Open(t.Summary));

    private static string? Name(Ticket t, Dictionary<Guid, string> names) => t.OperatorId is { } o && names.TryGetValue(o, out var name) ? name : null;

    private TicketView View(Ticket t, Dictionary<Guid, string> names, LanguagePack reader)
    {
        var summary = Stored(t);
        return new(t.Id, t.Status.ToString(), t.Channel, t.Language, t.Role, t.Level, t.Forms.Split(',', StringSplitOptions.RemoveEmptyEntries),
            t.Minor, t.Abroad, t.Urgent, t.Gender, t.Destination, t.ConsentAt, t.ConsentVersion, summary,
            Readable.Build(summary, t, content, reader), t.OperatorId, Name(t, names), t.CreatedAt, t.QueuedAt, t.ClaimedAt,
            t.FirstResponseAt, t.FirstResponseDue, t.ReferralDue, t.SafePlaceDue, t.EndedAt, t.Outcome is null ? null : secrets.Open(t.Outcome),
            t.Disposition, t.ClosedAt);
    }
}

/// <summary>
/// A version number that moves whenever a ticket changes, on this host or another of the database (<see cref="HostSignals"/>):
/// open consoles wait on it (long poll) instead of reloading.
/// </summary>
public sealed class TicketEvents
{
    private const string Signal = "tickets";
    private readonly HostSignals _signals;
    private long _version;
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TicketEvents(HostSignals signals)
    {
        _signals = signals;
        signals.On(Signal, Moved);
    }

    public long Version => Interlocked.Read(ref _version);

    /// <summary>A ticket changed here: every host's consoles hear of it.</summary>
    public void Changed() => _signals.Raise(Signal);

    private void Moved()
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
