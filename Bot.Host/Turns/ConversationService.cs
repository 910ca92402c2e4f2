using System.Text.Json;
using System.Text.Json.Serialization;
using Bot.Content;
using Bot.Dialogs;
using Bot.Host.Channels;
using Bot.Host.Storage;
using Microsoft.EntityFrameworkCore;

namespace Bot.Host.Turns;

/// <summary>
/// Runs one turn for any channel: load the conversation, fire the machine, then save the state,
/// the escalation and the replies in one transaction. Turns of one conversation run one at a time.
/// </summary>
public sealed class ConversationService(
    IServiceScopeFactory scopes, BotContent content, TimeProvider clock, ConversationLocks locks, OutboxDispatcher outbox,
    IEnumerable<IEscalationObserver> observers, IEnumerable<ITurnObserver> turnObservers, ILogger<ConversationService> log)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    /// <param name="key">The conversation's storage key (never a raw personal id).</param>
    /// <param name="inboundId">The channel's id of this update ("telegram:123"): a repeat is handled once only.</param>
    /// <param name="address">Where a push channel sends the replies; saved with the turn.</param>
    /// <returns>The turn, or null when <paramref name="inboundId"/> was handled before.</returns>
    public async Task<TurnResult?> HandleAsync(string key, string channel, UserTurn turn,
        string? inboundId = null, string? address = null, CancellationToken cancel = default)
    {
        using var _ = await locks.EnterAsync(key, cancel);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BotDb>();
        if (inboundId is not null)
        {
            if (await db.InboundSeen.AnyAsync(s => s.Id == inboundId, cancel))
            {
                return null;
            }
            db.InboundSeen.Add(new InboundSeen { Id = inboundId, ReceivedAt = clock.GetUtcNow().UtcDateTime });
        }
        var record = await db.Conversations.FindAsync([key], cancel);
        var state = record is null ? new ConversationState() : JsonSerializer.Deserialize<ConversationState>(record.State, Json)!;
        var from = state.Step;

        var result = await new Conversation(state, content, clock).HandleAsync(turn);

        var now = clock.GetUtcNow().UtcDateTime;
        if (result.Effect == TurnEffect.Forget)
        {
            await db.SaveChangesAsync(cancel);   // the update id only: a re-delivered /forget stays handled
            await EraseAsync(db, key, cancel);
            log.LogInformation("Turn {ConversationKey} erased the conversation", Pseudonym.Of(key));
            await NotifyTurnAsync(key, from, state.Step, result, cancel);
            return result;
        }
        if (record is null)
        {
            record = new ConversationRecord { Key = key, Channel = channel, State = "" };
            db.Conversations.Add(record);
        }
        record.State = JsonSerializer.Serialize(state, Json);
        record.UpdatedAt = now;
        if (address is not null)
        {
            var stored = await db.Addresses.FindAsync([key], cancel);
            if (stored is null)
            {
                db.Addresses.Add(new ChannelAddress { Key = key, Channel = channel, Address = address, UpdatedAt = now });
            }
            else
            {
                (stored.Address, stored.UpdatedAt) = (address, now);
            }
        }
        if (result.Escalation is { } escalation)
        {
            db.Escalations.Add(ToRecord(key, escalation, now));
        }
        if (result.Effect == TurnEffect.None)
        {
            db.Outbox.AddRange(result.Messages.Select(m => new OutboxMessage
            {
                ConversationKey = key, Channel = channel, CreatedAt = now, Payload = JsonSerializer.Serialize(m, Json),
            }));
        }
        await db.SaveChangesAsync(cancel);
        if (result.Effect == TurnEffect.None && outbox.Pushes(channel))
        {
            outbox.Notify(key);
        }
        log.LogInformation("Turn {ConversationKey} on {Channel} moved {From} -> {To}", Pseudonym.Of(key), channel, from, state.Step);
        if (result.Escalation is { } escalated)
        {
            log.LogInformation("Escalation {EscalationId} stored: {Level}, minor {Minor}, urgent {Urgent}, to {Destination}",
                escalated.Id, escalated.Level, escalated.Minor, escalated.Urgent, escalated.Destination);
            foreach (var observer in observers)
            {
                await observer.EscalatedAsync(key, escalated, cancel);
            }
        }
        await NotifyTurnAsync(key, from, state.Step, result, cancel);
        return result;
    }

    private async Task NotifyTurnAsync(string key, Step from, Step to, TurnResult result, CancellationToken cancel)
    {
        foreach (var observer in turnObservers)
        {
            await observer.TurnHandledAsync(key, from, to, result, cancel);
        }
    }

    /// <summary>
    /// Something from outside the user's turn (an operator joined, wrote, ended): runs under the
    /// conversation's lock and stores the state and the messages to the user on their own channel.
    /// </summary>
    /// <returns>The result, or null when the conversation is gone (forgotten).</returns>
    public async Task<TurnResult?> ActAsync(string key, Func<Conversation, TurnResult> act, CancellationToken cancel = default) =>
        await ActAsync(key, c => Task.FromResult(act(c)), cancel);

    /// <inheritdoc cref="ActAsync(string, Func{Conversation, TurnResult}, CancellationToken)"/>
    public async Task<TurnResult?> ActAsync(string key, Func<Conversation, Task<TurnResult>> act, CancellationToken cancel = default)
    {
        using var _ = await locks.EnterAsync(key, cancel);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BotDb>();
        var record = await db.Conversations.FindAsync([key], cancel);
        if (record is null)
        {
            return null;
        }
        var state = JsonSerializer.Deserialize<ConversationState>(record.State, Json)!;
        var result = await act(new Conversation(state, content, clock));
        var now = clock.GetUtcNow().UtcDateTime;
        record.State = JsonSerializer.Serialize(state, Json);
        record.UpdatedAt = now;
        db.Outbox.AddRange(result.Messages.Select(m => new OutboxMessage
        {
            ConversationKey = key, Channel = record.Channel, CreatedAt = now, Payload = JsonSerializer.Serialize(m, Json),
        }));
        await db.SaveChangesAsync(cancel);
        if (result.Messages.Count > 0 && outbox.Pushes(record.Channel))
        {
            outbox.Notify(key);
        }
        return result;
    }

    /// <summary>/forget: nothing of the conversation stays.</summary>
    private static async Task EraseAsync(BotDb db, string key, CancellationToken cancel)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancel);
        await db.Outbox.Where(m => m.ConversationKey == key).ExecuteDeleteAsync(cancel);
        await db.Addresses.Where(a => a.Key == key).ExecuteDeleteAsync(cancel);
        await db.Escalations.Where(e => e.ConversationKey == key).ExecuteDeleteAsync(cancel);
        await db.Conversations.Where(c => c.Key == key).ExecuteDeleteAsync(cancel);
        await transaction.CommitAsync(cancel);
    }

    private static EscalationRecord ToRecord(string key, EscalationRequest e, DateTime now) => new()
    {
        Id = e.Id,
        ConversationKey = key,
        Language = e.Language,
        Role = e.Role.ToString(),
        Level = e.Level.ToString(),
        Forms = string.Join(',', e.Forms.Select(f => f.Key())),
        Minor = e.Minor,
        Abroad = e.Abroad,
        Urgent = e.Urgent,
        Gender = e.Gender.ToString(),
        Destination = e.Destination.ToString(),
        ConsentAt = e.ConsentAt.UtcDateTime,
        ConsentVersion = e.ConsentVersion,
        Summary = JsonSerializer.Serialize(e.Summary, Json),
        CreatedAt = now,
    };
}

/// <summary>Told of each escalation once it is committed (operators' alerts, tickets).</summary>
public interface IEscalationObserver
{
    Task EscalatedAsync(string conversationKey, EscalationRequest escalation, CancellationToken cancel);
}

/// <summary>Told of every turn once it is committed (tickets follow the conversation: a user's words to the operator, a cancel, /forget).</summary>
public interface ITurnObserver
{
    Task TurnHandledAsync(string conversationKey, Step from, Step to, TurnResult result, CancellationToken cancel);
}

/// <summary>Serialises the turns of one conversation; different conversations run in parallel.</summary>
public sealed class ConversationLocks
{
    private readonly SemaphoreSlim[] _stripes = Enumerable.Range(0, 1024).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    public async Task<IDisposable> EnterAsync(string key, CancellationToken cancel)
    {
        var stripe = _stripes[(uint)StringComparer.Ordinal.GetHashCode(key) % (uint)_stripes.Length];
        await stripe.WaitAsync(cancel);
        return new Release(stripe);
    }

    private sealed class Release(SemaphoreSlim stripe) : IDisposable
    {
        public void Dispose() => stripe.Release();
    }
}
