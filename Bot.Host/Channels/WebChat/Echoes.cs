using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Bot.Host.Channels.WebChat;

/// <summary>
/// The user's own activities read back (Direct Line echoes them; Web Chat waits for the echo to mark a message sent).
/// Memory only, for minutes: what a person typed never reaches the database or the logs. Bounded for a client that posts and
/// never reads: each echo keeps the ids and a clipped text, at most <see cref="PerConversation"/> per conversation, all of them
/// within a byte budget (the oldest go first) and for <see cref="Lifetime"/> at most.
/// </summary>
public sealed class Echoes(TimeProvider clock, IOptions<WebChatOptions> options)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);
    private const int PerConversation = 20;
    private const int MaxText = 1024;
    private const int MaxId = 128;
    /// <summary>What an echo costs besides its strings: the entry, the activity, the list nodes.</summary>
    private const int Overhead = 400;

    private sealed record Echo(string Conversation, long AfterReply, long Sequence, DateTimeOffset At, int Bytes, Activity Activity);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<LinkedListNode<Echo>>> _byConversation = new(StringComparer.Ordinal);
    /// <summary>All echoes, oldest first: what the budget and the clock evict.</summary>
    private readonly LinkedList<Echo> _all = new();
    private long _bytes;
    // One counter for all conversations, starting from the clock, so a watermark from before a restart hides no new echo.
    private long _sequence = clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Bytes held now (an estimate of the strings and their bookkeeping).</summary>
    public long Bytes
    {
        get { lock (_gate) { return _bytes; } }
    }

    public void Add(string id, long afterReply, Activity posted)
    {
        var activity = Clipped(posted);
        var bytes = Overhead + 2 * ((activity.Text?.Length ?? 0) + (activity.Id?.Length ?? 0) + id.Length + MaxId);
        lock (_gate)
        {
            var now = clock.GetUtcNow();
            var list = _byConversation.TryGetValue(id, out var existing) ? existing : _byConversation[id] = [];
            list.Add(_all.AddLast(new Echo(id, afterReply, ++_sequence, now, bytes, activity)));
            _bytes += bytes;
            if (list.Count > PerConversation)
            {
                Remove(list[0]);
            }
            while (_all.First is { } oldest && (_bytes > options.Value.EchoBudgetBytes || now - oldest.Value.At > Lifetime))
            {
                Remove(oldest);
            }
        }
    }

    /// <summary>The echoes after the <paramref name="seen"/>th; those already read (and old ones) are let go.</summary>
    public IReadOnlyList<(long AfterReply, long Sequence, Activity Activity)> After(string id, long seen)
    {
        lock (_gate)
        {
            if (!_byConversation.TryGetValue(id, out var list))
            {
                return [];
            }
            var now = clock.GetUtcNow();
            foreach (var node in list.Where(n => n.Value.Sequence <= seen || now - n.Value.At > Lifetime).ToList())
            {
                Remove(node);
            }
            return _byConversation.TryGetValue(id, out var left) ? left.Select(n => (n.Value.AfterReply, n.Value.Sequence, n.Value.Activity)).ToList() : [];
        }
    }

    /// <summary>Quick exit and /forget: nothing of the conversation stays, in memory either.</summary>
    public void Forget(string id)
    {
        lock (_gate)
        {
            if (_byConversation.TryGetValue(id, out var list))
            {
                list.ToList().ForEach(Remove);
            }
        }
    }

    private void Remove(LinkedListNode<Echo> node)
    {
        var echo = node.Value;
        _all.Remove(node);
        _bytes -= echo.Bytes;
        if (_byConversation.TryGetValue(echo.Conversation, out var list) && list.Remove(node) && list.Count == 0)
        {
            _byConversation.Remove(echo.Conversation);
        }
    }

    /// <summary>What Web Chat needs to match the echo to its message: the ids, the kind, a clipped text; nothing else of the post.</summary>
    private static Activity Clipped(Activity posted) => new()
    {
        Type = Clip(posted.Type, 32),
        Id = posted.Id,
        Timestamp = posted.Timestamp,
        ChannelId = posted.ChannelId,
        Conversation = posted.Conversation,
        From = posted.From is { } from ? new ChannelAccount(Clip(from.Id, MaxId), Clip(from.Name, MaxId), Clip(from.Role, 16)) : null,
        Text = Clip(posted.Text, MaxText),
        Locale = Clip(posted.Locale, 16),
        Value = posted.Value is { ValueKind: JsonValueKind.String } value && value.GetString()!.Length <= MaxId ? value.Clone() : null,
        ChannelData = posted.ChannelData is { ValueKind: JsonValueKind.Object } data && data.TryGetProperty("clientActivityID", out var client)
            && client.ValueKind == JsonValueKind.String
            ? JsonSerializer.SerializeToElement(new { clientActivityID = Clip(client.GetString(), MaxId) })
            : null,
    };

    private static string? Clip(string? text, int length) => text is null || text.Length <= length ? text : text[..length];
}
