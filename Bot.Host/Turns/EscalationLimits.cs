using Bot.Host.Storage;

namespace Bot.Host.Turns;

/// <summary>
/// Caps on escalations, so a flood cannot fill the operators' queue: per client address an hour (web chat only: the other
/// channels' requests all come from Telegram's or Microsoft's few servers) and per conversation a day. Room is reserved before a
/// turn that may escalate and given back when it did not, so turns running in parallel cannot pass a cap together. A refusal is
/// never silent: the person is given the numbers (the dialog), the operators' queue shows the count, the log a warning.
/// Kept in memory: a restart forgets the counts (a flood cannot restart the host). With several hosts each tells the others of
/// every escalation it queued and every one it refused (a signal carrying the conversation key and the client address's
/// pseudonym, never the address), so a cap holds across them, short of escalations committed on two hosts in the same moment.
/// </summary>
public sealed class EscalationLimits
{
    public enum Cap { None, Client, Conversation }

    private const string Queued = "escalation-queued";
    private const string Refusal = "escalation-refused";

    private const int MaxEntries = 100_000;   // beyond it the keys with nothing left in their window are dropped
    private static readonly TimeSpan ClientWindow = TimeSpan.FromHours(1);
    private static readonly TimeSpan ConversationWindow = TimeSpan.FromDays(1);
    private static readonly TimeSpan RefusedWindow = TimeSpan.FromDays(1);
    private readonly int _perClient;
    private readonly int _perConversation;
    private readonly TimeProvider _clock;
    private readonly ILogger<EscalationLimits> _log;
    private readonly HostSignals _signals;
    private readonly Dictionary<string, List<DateTimeOffset>> _clients = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<DateTimeOffset>> _conversations = new(StringComparer.Ordinal);
    /// <summary>Refusals counted by the hour they happened in (a flood's count stays 24 numbers, not one entry each).</summary>
    private readonly List<(DateTimeOffset Hour, int PerClient, int PerConversation)> _refused = [];
    private readonly Lock _lock = new();

    public EscalationLimits(IConfiguration configuration, TimeProvider clock, ILogger<EscalationLimits> log, HostSignals signals)
    {
        (_perClient, _perConversation) = (configuration.GetValue("Abuse:EscalationsPerHourPerClient", 10), configuration.GetValue("Abuse:EscalationsPerDayPerConversation", 3));
        (_clock, _log, _signals) = (clock, log, signals);
        signals.On(Queued, QueuedElsewhere, missed: () => { });   // missed ones are not counted: a cap is then a little looser for a while
        signals.On(Refusal, cap => Count(Enum.Parse<Cap>(cap)), missed: () => { });
    }

    /// <summary>Room for one escalation, given back on dispose unless <see cref="Keep"/> was called (the ticket was committed).</summary>
    public sealed class Reservation : IDisposable
    {
        private readonly EscalationLimits? _limits;
        private readonly string _conversation;
        private readonly string? _client;
        private readonly DateTimeOffset _at;
        private bool _done;

        internal Reservation(EscalationLimits? limits, Cap reached, string conversation, string? client, DateTimeOffset at) =>
            (_limits, Reached, _conversation, _client, _at) = (limits, reached, conversation, client, at);

        /// <summary>The cap this turn is over (no room reserved), or <see cref="Cap.None"/>.</summary>
        public Cap Reached { get; }

        /// <summary>The escalation was committed: the room stays used, here and on the other hosts.</summary>
        public void Keep()
        {
            if (!_done && Reached == Cap.None)
            {
                _limits?.Kept(_conversation, _client);
            }
            _done = true;
        }

        public void Dispose()
        {
            if (!_done && Reached == Cap.None)
            {
                _limits?.Release(_conversation, _client, _at);
            }
            _done = true;
        }
    }

    /// <summary>No reservation: the turn cannot escalate.</summary>
    public static Reservation None { get; } = new(null, Cap.None, "", null, default);

    /// <param name="client">The client address (<see cref="ClientAddress"/>), or null where the channel has none.</param>
    public Reservation Reserve(string conversation, string? client)
    {
        // Counted under the address's pseudonym, which every host of the deployment computes alike and may tell the others.
        client = client is null ? null : Pseudonym.Of("client:" + client);
        var now = _clock.GetUtcNow();
        lock (_lock)
        {
            Trim(now);
            var reached = Full(_conversations, conversation, _perConversation, now - ConversationWindow) ? Cap.Conversation
                : client is not null && Full(_clients, client, _perClient, now - ClientWindow) ? Cap.Client
                : Cap.None;
            if (reached == Cap.None)
            {
                Add(_conversations, conversation, now);
                if (client is not null)
                {
                    Add(_clients, client, now);
                }
            }
            return new Reservation(this, reached, conversation, client, now);
        }
    }

    /// <summary>The person asked for a person and was told to call instead: counted for the operators and logged (without ids).</summary>
    public void Refused(Cap cap)
    {
        _signals.RaiseElsewhere(Refusal, cap.ToString());
        if (Count(cap) is var count && count is 1 or 10 or 100 or 1000 or 10_000 or 100_000)   // a flood of refusals is a few lines, not one each
        {
            _log.LogWarning("Escalations not queued this hour over the {Cap} cap: {Count} (each was given 116 16 and 102 instead)",
                cap == Cap.Client ? "Abuse:EscalationsPerHourPerClient" : "Abuse:EscalationsPerDayPerConversation", count);
        }
    }

    /// <returns>This hour's refusals over <paramref name="cap"/>, this one included.</returns>
    private int Count(Cap cap)
    {
        var now = _clock.GetUtcNow();
        lock (_lock)
        {
            Trim(now);
            var hour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
            if (_refused.Count == 0 || _refused[^1].Hour != hour)
            {
                _refused.Add((hour, 0, 0));
            }
            var last = _refused[^1];
            _refused[^1] = cap == Cap.Client ? last with { PerClient = last.PerClient + 1 } : last with { PerConversation = last.PerConversation + 1 };
            return cap == Cap.Client ? _refused[^1].PerClient : _refused[^1].PerConversation;
        }
    }

    /// <summary>Escalations refused in the last 24 hours, per cap: what the operators' queue shows.</summary>
    public (int PerClient, int PerConversation) RefusedLastDay()
    {
        lock (_lock)
        {
            Trim(_clock.GetUtcNow());
            return (_refused.Sum(r => r.PerClient), _refused.Sum(r => r.PerConversation));
        }
    }

    private void Kept(string conversation, string? client) => _signals.RaiseElsewhere(Queued, (client ?? "-") + " " + conversation);

    /// <summary>Another host queued an escalation: it counts here from now.</summary>
    private void QueuedElsewhere(string signal)
    {
        if (signal.Split(' ', 2) is not [var client, var conversation])
        {
            return;
        }
        var now = _clock.GetUtcNow();
        lock (_lock)
        {
            Trim(now);
            Add(_conversations, conversation, now);
            if (client != "-")
            {
                Add(_clients, client, now);
            }
        }
    }

    private void Release(string conversation, string? client, DateTimeOffset at)
    {
        lock (_lock)
        {
            Remove(_conversations, conversation, at);
            if (client is not null)
            {
                Remove(_clients, client, at);
            }
        }
    }

    private static bool Full(Dictionary<string, List<DateTimeOffset>> counts, string key, int cap, DateTimeOffset since)
    {
        if (cap <= 0 || !counts.TryGetValue(key, out var times))
        {
            return false;   // 0 turns the cap off
        }
        times.RemoveAll(at => at <= since);
        return times.Count >= cap;
    }

    private static void Add(Dictionary<string, List<DateTimeOffset>> counts, string key, DateTimeOffset at)
    {
        if (!counts.TryGetValue(key, out var times))
        {
            counts[key] = times = [];
        }
        times.Add(at);
    }

    private static void Remove(Dictionary<string, List<DateTimeOffset>> counts, string key, DateTimeOffset at)
    {
        if (counts.TryGetValue(key, out var times))
        {
            times.Remove(at);
        }
    }

    private void Trim(DateTimeOffset now)
    {
        _refused.RemoveAll(r => now - r.Hour >= RefusedWindow);
        foreach (var (counts, window) in new[] { (_clients, ClientWindow), (_conversations, ConversationWindow) })
        {
            if (counts.Count > MaxEntries)
            {
                foreach (var key in counts.Where(c => c.Value.All(at => now - at >= window)).Select(c => c.Key).ToList())
                {
                    counts.Remove(key);
                }
            }
        }
    }
}
