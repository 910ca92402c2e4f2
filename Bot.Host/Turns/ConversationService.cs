using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using System.Text.Json;
using System.Text.Json.Serialization;
using Bot.Content;
using Bot.Dialogs;
using Bot.Host.Channels;
using Bot.Host.Storage;
using Microsoft.EntityFrameworkCore;

namespace Bot.Host.Turns;

/// <summary>
/// Runs one turn for any channel: load the conversation, fire the machine, then commit the state,
/// the escalation and the replies together before the turn is acknowledged. Turns of one
/// conversation run one at a time, on every host (<see cref="ConversationLocks"/>). On SQLite this host is the database's only
/// writer and the states are cached; on PostgreSQL another host may have written since, so a turn reads the state under its
/// lock, in the transaction it writes in.
/// </summary>
public sealed class ConversationService(
    ConversationStore store, BotContent content, TimeProvider clock, ConversationLocks locks, TurnWriter writer,
    OutboxDispatcher outbox, FloodGuard flood, EscalationLimits escalations, BlockedConversations blocked, Sealed secrets, Revocations revocations, IEnumerable<IEscalationObserver> observers,
    IEnumerable<ITurnRecorder> recorders, IEnumerable<IReplyObserver> replyObservers, ILogger<ConversationService> log)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    private const int CacheLimit = 100_000;   // beyond it the cache starts again; the database stays the truth
    /// <summary>Far below any retention period, so a cached state is never one the retention sweep erased.</summary>
    private static readonly TimeSpan CacheLifetime = TimeSpan.FromHours(1);
    private readonly ConcurrentDictionary<string, Stored> _cache = new();

    /// <summary>What the database holds for a conversation, as far as a turn needs it.</summary>
    /// <param name="State">The state's JSON, opened.</param>
    private sealed record Stored(string? State, string? Channel, string? Address, DateTime At, int Generation = 0);

    /// <param name="key">The conversation's storage key (never a raw personal id).</param>
    /// <param name="inboundId">The channel's id of this update ("telegram:123"): a repeat is handled once only.</param>
    /// <param name="address">Where a push channel sends the replies; saved with the turn (sealed, and again only when it changes).</param>
    /// <param name="replyAddress">
    /// Where this turn's own replies go, when that differs from <paramref name="address"/> in what changes every turn (the Bot
    /// Framework's reply-to id): handed to the dispatcher, not stored, so the stored address is not sealed and written every turn.
    /// </param>
    /// <param name="client">
    /// The person's own address (<see cref="ClientAddress"/>), where the channel knows it (the web chat): escalations are capped
    /// per client as well as per conversation.
    /// </param>
    /// <returns>The turn, or null when <paramref name="inboundId"/> was handled before.</returns>
    public async Task<TurnResult?> HandleAsync(string key, string channel, UserTurn turn,
        string? inboundId = null, string? address = null, string? replyAddress = null, string? client = null, CancellationToken cancel = default)
    {
        TurnResult? result;
        var inbound = inboundId is null ? null : new InboundSeen { Id = inboundId, ReceivedAt = clock.GetUtcNow().UtcDateTime };
        await using (var held = await locks.EnterAsync(key, cancel, inbound))
        {
            result = await HandleLockedAsync(held, key, channel, turn, inboundId, address, replyAddress, client, cancel);
        }
        // Outside the lock: an alert that waits on a slow channel must not hold up the person's next turn.
        if (result?.Escalation is { } escalated)
        {
            foreach (var observer in observers)
            {
                await observer.EscalatedAsync(key, escalated, cancel);
            }
        }
        return result;
    }

    private async Task<TurnResult?> HandleLockedAsync(HeldConversation held, string key, string channel, UserTurn turn, string? inboundId,
        string? address, string? replyAddress, string? client, CancellationToken cancel)
    {
        // A repeat of inboundId is found by the write itself (its InboundSeen row's key), not by a read before every turn.
        cancel.ThrowIfCancellationRequested();
        var stored = await StoredAsync(held, key, cancel);
        var state = stored.State is null ? new ConversationState() : JsonSerializer.Deserialize<ConversationState>(stored.State, Json)!;
        var from = state.Step;

        var verdict = flood.Admit(key, leaving: IsLeaving(turn));
        // Room in the queue is reserved before a turn that may escalate, and given back unless its ticket is committed.
        using var room = verdict == FloodGuard.Verdict.Admit && Conversation.MayEscalate(state) ? escalations.Reserve(key, client) : EscalationLimits.None;
        var result = verdict switch
        {
            FloodGuard.Verdict.Admit => await RunAsync(state, turn, room.Reached == EscalationLimits.Cap.None),
            FloodGuard.Verdict.Warn => new TurnResult([new BotMessage(content[state.Language ?? BotContent.Original].Text("input.slow-down"), [])], TurnEffect.None, null),
            _ => null,
        };
        if (result is null)
        {
            return new TurnResult([], TurnEffect.None, null);   // a flood after the warning: silence
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var turnRecord = new TurnRecord(key, channel, from, state.Step, result, now);
        if (result.Effect == TurnEffect.Forget)
        {
            if (!await EraseAsync(held, turnRecord, inboundId))
            {
                return null;
            }
            _cache.TryRemove(key, out var _);
            outbox.Forget(key);
            revocations.Revoke(key);
            await writer.CheckpointAsync();   // acknowledged once the erased pages are gone from the log too
            log.LogInformation("Turn {ConversationKey} erased the conversation", Pseudonym.Of(key));
            return result;
        }
        var replies = result.Effect == TurnEffect.None ? Replies(key, channel, result.Messages, now) : [];
        var quickExit = result.Effect == TurnEffect.QuickExit;
        var json = JsonSerializer.Serialize(state, Json);
        var conversation = new ConversationRecord { Key = key, Channel = channel, State = secrets.Seal(json), UpdatedAt = now };
        var newAddress = address is not null && address != stored.Address
            ? new ChannelAddress { Key = key, Channel = channel, Address = secrets.Seal(address), UpdatedAt = now }
            : null;
        var (recorded, repeated) = (false, false);
        await held.WriteAsync(async db =>
        {
            (recorded, repeated) = (false, false);   // it may run again, when its batch failed
            if (inboundId is not null && !await held.RecordInboundAsync(db))
            {
                repeated = true;
                return;
            }
            if (stored.State is null)
            {
                db.Conversations.Add(conversation);
            }
            else
            {
                db.Conversations.Update(conversation);
            }
            if (newAddress is not null)
            {
                if (stored.Address is null)
                {
                    db.Addresses.Add(newAddress);
                }
                else
                {
                    db.Addresses.Update(newAddress);
                }
            }
            db.Outbox.AddRange(replies);
            recorded = await RecordAsync(db, turnRecord);
            if (quickExit)
            {
                await db.SaveChangesAsync();   // a first turn's row exists before its generation is raised
                await LeaveAsync(db, key);
            }
        });
        if (repeated)
        {
            return null;
        }
        Cache(key, new Stored(json, channel, address ?? stored.Address, now, quickExit ? stored.Generation + 1 : stored.Generation));
        if (quickExit)
        {
            outbox.Forget(key);
            revocations.Revoke(key);
            await writer.CheckpointAsync();
        }
        if (recorded)
        {
            TellRecorders();
        }

        if (replies.Count > 0)
        {
            if (outbox.Pushes(channel))
            {
                outbox.Notify(key, replyAddress ?? address ?? stored.Address, replies);   // committed, their ids set: sent without reading them back
            }
            else
            {
                TellReplyObservers(key);
            }
        }
        if (log.IsEnabled(LogLevel.Debug))   // the pseudonym is an HMAC: not computed for a line nobody reads
        {
            log.LogDebug("Turn {ConversationKey} on {Channel} moved {From} -> {To}", Pseudonym.Of(key), channel, from, state.Step);
        }
        if (result.Escalation is { } escalated)
        {
            room.Keep();
            log.LogInformation("Escalation {EscalationId} stored: {Level}, minor {Minor}, urgent {Urgent}, to {Destination}",
                escalated.Id, escalated.Level, escalated.Minor, escalated.Urgent, escalated.Destination);
        }
        else if (result.EscalationCapped)
        {
            escalations.Refused(room.Reached);
        }
        return result;
    }

    /// <summary>
    /// Something from outside the user's turn (an operator joined, wrote, ended), with the caller's own changes (the ticket,
    /// its message and audit) in the same commit as the conversation's state and the messages to the person: a crash leaves
    /// both or neither. Runs under the conversation's lock.
    /// </summary>
    /// <param name="change">
    /// Applies the caller's changes through the given context and says what they mean for the person (null: nothing they see).
    /// It runs inside the write, and again if its batch fails.
    /// </param>
    /// <returns>The person's side, or null when nothing reached them (nothing to tell, or the conversation is gone).</returns>
    public async Task<TurnResult?> ActAsync(string key, Func<BotDb, Task<Func<Conversation, ConversationState, Task<TurnResult>>?>> change,
        CancellationToken cancel = default)
    {
        await using var held = await locks.EnterAsync(key, cancel);
        var stored = await StoredAsync(held, key, cancel);
        var now = clock.GetUtcNow().UtcDateTime;
        (TurnResult Result, string Json, List<OutboxMessage> Replies)? done = null;
        await held.WriteAsync(async db =>
        {
            done = null;
            if (await change(db) is not { } act || stored.State is null || stored.Channel is null)
            {
                return;
            }
            // The machine runs inside the write, on a fresh copy of the state each time the write runs.
            var state = JsonSerializer.Deserialize<ConversationState>(stored.State, Json)!;
            var result = await RunAsync(conversation => act(conversation, state));
            var json = JsonSerializer.Serialize(state, Json);
            var replies = Replies(key, stored.Channel, result.Messages, now);
            db.Conversations.Update(new ConversationRecord { Key = key, Channel = stored.Channel, State = secrets.Seal(json), UpdatedAt = now });
            db.Outbox.AddRange(replies);
            done = (result, json, replies);
        });
        if (done is not { } committed)
        {
            return null;
        }
        Cache(key, stored with { State = committed.Json, At = now });
        if (committed.Replies.Count > 0)
        {
            if (outbox.Pushes(stored.Channel!))
            {
                outbox.Notify(key, stored.Address, committed.Replies);
            }
            else
            {
                TellReplyObservers(key);
            }
        }
        return committed.Result;
    }

    /// <inheritdoc cref="ActAsync(string, Func{BotDb, Task{Func{Conversation, ConversationState, Task{TurnResult}}?}}, CancellationToken)"/>
    public Task<TurnResult?> ActAsync(string key, Func<Conversation, ConversationState, TurnResult> act, CancellationToken cancel = default) =>
        ActAsync(key, _ => Task.FromResult<Func<Conversation, ConversationState, Task<TurnResult>>?>(
            (conversation, state) => Task.FromResult(act(conversation, state))), cancel);

    /// <summary>
    /// An update the bot does not read (a photo, an edit): recorded as handled under the conversation's lock, nothing of it kept.
    /// </summary>
    /// <returns>False when it was handled before; else the conversation's language (null before one is known).</returns>
    public async Task<(bool First, string? Language)> RecordUnreadAsync(string key, string inboundId, CancellationToken cancel)
    {
        await using var held = await locks.EnterAsync(key, cancel, new InboundSeen { Id = inboundId, ReceivedAt = clock.GetUtcNow().UtcDateTime });
        var first = false;
        var language = (await StoredAsync(held, key, cancel)).State is { } json ? JsonSerializer.Deserialize<ConversationState>(json, Json)!.Language : null;
        await held.WriteAsync(async db => first = await held.RecordInboundAsync(db));
        return first ? (true, language) : (false, null);
    }

    private List<OutboxMessage> Replies(string key, string channel, IEnumerable<BotMessage> messages, DateTime now) =>
        [.. messages.Select(m => new OutboxMessage { ConversationKey = key, Channel = channel, CreatedAt = now, Payload = OutboxMessage.PayloadOf(m, secrets) })];

    /// <summary>
    /// Quick exit: whoever picks the phone up next, or copied the token from it, finds nothing to read. The replies waiting
    /// for the conversation (an operator's too) are deleted and tokens issued before stop working.
    /// </summary>
    private static async Task LeaveAsync(BotDb db, string key)
    {
        await db.Outbox.Where(m => m.ConversationKey == key).ExecuteDeleteAsync();
        await RaiseGenerationAsync(db, key);
    }

    private static Task<int> RaiseGenerationAsync(BotDb db, string key) =>
        db.Conversations.Where(c => c.Key == key).ExecuteUpdateAsync(u => u.SetProperty(c => c.Generation, c => c.Generation + 1));

    /// <summary>
    /// Ends every token issued for the conversation (an operator's block), with the caller's own changes in the same commit.
    /// Under the conversation's lock, so no turn caches the generation from before.
    /// </summary>
    /// <param name="alongside">The caller's changes (the block's row and audit entry); false from it means nothing to do.</param>
    public async Task<bool> RevokeAsync(string key, Func<BotDb, Task<bool>> alongside, CancellationToken cancel = default)
    {
        var revoked = false;
        await using (var held = await locks.EnterAsync(key, cancel))
        {
            await held.WriteAsync(async db =>
            {
                revoked = await alongside(db) && await RaiseGenerationAsync(db, key) >= 0;
            });
            if (revoked && _cache.TryGetValue(key, out var cached))
            {
                Cache(key, cached with { Generation = cached.Generation + 1 });
            }
        }
        if (revoked)
        {
            revocations.Revoke(key);
        }
        return revoked;
    }

    /// <summary>The access generation tokens must name, or null when there is no such conversation (never started, or forgotten).</summary>
    public async ValueTask<int?> GenerationAsync(string key, CancellationToken cancel)
    {
        var stored = await StoredAsync(key, cancel);
        return stored.State is null ? null : stored.Generation;
    }

    /// <summary>The conversation's state as stored (a copy: changes go through turns), or null.</summary>
    public async ValueTask<ConversationState?> StateAsync(string key, CancellationToken cancel) =>
        (await StoredAsync(key, cancel)).State is { } json ? JsonSerializer.Deserialize<ConversationState>(json, Json) : null;

    /// <summary>Outside a turn: from the cache, or read (always read on a shared database: another host may have written).</summary>
    private async ValueTask<Stored> StoredAsync(string key, CancellationToken cancel) =>
        Cached(key) ?? Opened(await store.LoadAsync(key, cancel));

    /// <summary>In a turn: from the cache, or read under the held lock (on PostgreSQL in the transaction the turn writes in).</summary>
    private async ValueTask<Stored> StoredAsync(HeldConversation held, string key, CancellationToken cancel) =>
        Cached(key) ?? Opened(await held.LoadAsync(cancel));

    private Stored? Cached(string key) =>
        _cache.TryGetValue(key, out var cached) && clock.GetUtcNow().UtcDateTime - cached.At < CacheLifetime ? cached : null;

    /// <summary>
    /// Not on a shared database: a cached state or access generation would be trusted after another host changed it (a turn
    /// would run on a step the person has left; a token /exit ended on that host would still read here). The read it saves is
    /// one primary-key look-up in the transaction the turn holds anyway.
    /// </summary>
    private void Cache(string key, Stored stored)
    {
        if (locks.Shared)
        {
            return;
        }
        if (_cache.Count >= CacheLimit)
        {
            _cache.Clear();
        }
        _cache[key] = stored;
    }

    private async Task<bool> RecordAsync(BotDb db, TurnRecord turn)
    {
        var recorded = false;
        foreach (var recorder in recorders)
        {
            recorded |= await recorder.RecordAsync(db, turn);
        }
        return recorded;
    }

    private void TellRecorders()
    {
        foreach (var recorder in recorders)
        {
            recorder.Committed();
        }
    }

    private void TellReplyObservers(string key)
    {
        foreach (var observer in replyObservers)
        {
            observer.Committed(key);
        }
    }

    /// <summary>/exit or /forget: let through a flood limit and a block, so whoever holds the phone can always leave and erase.</summary>
    public static bool IsLeaving(UserTurn turn) =>
        turn.Option is null && turn.Text?.Trim().Split(' ', '@')[0].ToLowerInvariant() is "/exit" or "/forget";

    /// <summary>Configured machines, reused: one turn at a time each.</summary>
    private readonly ConcurrentBag<Conversation> _machines = [];

    private Task<TurnResult> RunAsync(ConversationState state, UserTurn turn, bool mayEscalate) =>
        RunAsync(conversation => conversation.HandleAsync(state, turn, mayEscalate));

    private async Task<TurnResult> RunAsync(Func<Conversation, Task<TurnResult>> run)
    {
        var conversation = _machines.TryTake(out var idle) ? idle : new Conversation(content, clock);
        try
        {
            return await run(conversation);
        }
        finally
        {
            _machines.Add(conversation);
        }
    }

    private Stored Opened(StoredConversation stored)
    {
        var (conversation, address) = stored;
        return new Stored(conversation is null ? null : secrets.OpenJson(conversation.State), conversation?.Channel,
            address is null ? null : secrets.Open(address), clock.GetUtcNow().UtcDateTime, conversation?.Generation ?? 0);
    }

    /// <summary>/forget: nothing of the conversation stays but the update's id, so a re-delivered /forget stays handled; a block ends.</summary>
    /// <returns>False when the update was handled before: nothing was erased again.</returns>
    private async Task<bool> EraseAsync(HeldConversation held, TurnRecord turn, string? inboundId)
    {
        var (key, recorded) = (turn.Key, false);
        var repeated = false;
        await held.WriteAsync(async db =>
        {
            (recorded, repeated) = (false, false);
            if (inboundId is not null && !await held.RecordInboundAsync(db))
            {
                repeated = true;
                return;
            }
            recorded = await RecordAsync(db, turn);
            await db.Outbox.Where(m => m.ConversationKey == key).ExecuteDeleteAsync();
            await db.Addresses.Where(a => a.Key == key).ExecuteDeleteAsync();
            await db.Conversations.Where(c => c.Key == key).ExecuteDeleteAsync();
            await db.BlockedConversations.Where(b => b.Key == key).ExecuteDeleteAsync();   // a block ends with the conversation
        });
        if (repeated)
        {
            return false;
        }
        blocked.Remove(key);
        if (recorded)
        {
            TellRecorders();
        }
        return true;
    }
}

/// <summary>
/// Per-conversation flood limit: a flood gets one cool-down message, then silence until the window
/// has passed. Nothing of the flood reaches the dialog or the database; a blocked conversation is silenced for good.
/// </summary>
public sealed class FloodGuard(IConfiguration configuration, TimeProvider clock, BlockedConversations blocked) : IDisposable
{
    public enum Verdict { Admit, Warn, Silence }

    private readonly TimeSpan _window = configuration.GetValue("Abuse:Window", TimeSpan.FromSeconds(30));
    private readonly ConcurrentDictionary<string, DateTimeOffset> _warned = new();
    private readonly PartitionedRateLimiter<string> _limiter = CreateLimiter(
        configuration.GetValue("Abuse:TurnsPerWindow", 30), configuration.GetValue("Abuse:Window", TimeSpan.FromSeconds(30)));

    private static PartitionedRateLimiter<string> CreateLimiter(int turns, TimeSpan window) =>
        PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key,
            _ => new FixedWindowRateLimiterOptions { PermitLimit = turns, Window = window, QueueLimit = 0 }));

    /// <param name="leaving">/exit or /forget: let through even a blocked conversation, so whoever holds the phone can always leave and erase.</param>
    public Verdict Admit(string key, bool leaving = false)
    {
        if (blocked.Contains(key) && !leaving)
        {
            return Verdict.Silence;   // blocked by an operator: silence, and nothing of the turn is stored
        }
        using var lease = _limiter.AttemptAcquire(key);
        if (lease.IsAcquired)
        {
            return Verdict.Admit;
        }
        var now = clock.GetUtcNow();
        if (_warned.TryGetValue(key, out var warned) && now - warned < _window)
        {
            return Verdict.Silence;
        }
        _warned[key] = now;
        if (_warned.Count > 10_000)
        {
            foreach (var old in _warned.Where(w => now - w.Value >= _window))
            {
                _warned.TryRemove(old.Key, out _);
            }
        }
        return Verdict.Warn;
    }

    public void Dispose() => _limiter.Dispose();
}

/// <summary>Told once replies of a conversation that reads them (not pushed: the web chat) are committed: its stream can fetch them now.</summary>
public interface IReplyObserver
{
    void Committed(string conversationKey);
}

/// <summary>Told of each escalation once it is committed (operators' alerts, tickets).</summary>
public interface IEscalationObserver
{
    Task EscalatedAsync(string conversationKey, EscalationRequest escalation, CancellationToken cancel);
}

/// <summary>
/// Keeps something in step with the conversation (tickets follow it: created at consent, the
/// person's words to an operator, cancel, /forget). Runs inside the turn's own write, so what it
/// changes commits with the turn or not at all; it must not write through <see cref="TurnWriter"/> itself.
/// </summary>
public interface ITurnRecorder
{
    /// <returns>True when it changed something; <see cref="Committed"/> follows once the write is durable.</returns>
    Task<bool> RecordAsync(BotDb db, TurnRecord turn);

    void Committed();
}

/// <param name="From">The step before the turn.</param>
/// <param name="To">The step after it.</param>
public sealed record TurnRecord(string Key, string Channel, Step From, Step To, TurnResult Result, DateTime At);
