using System.Collections.Concurrent;
using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using Bot.Host.Storage;
using Bot.Host.Turns;

namespace Bot.Host.Channels.WebChat;

/// <summary>
/// Direct Line's stream: one WebSocket per conversation that carries ActivitySets (the same activities as GET, after the
/// watermark it was opened with), the bot's typing and an empty keep-alive message now and then. Long polls wait here too.
/// Memory per socket is a few small objects: no buffer is held while a socket waits. With several hosts, a reply committed on
/// one wakes the conversation's socket or long poll on any other (<see cref="HostSignals"/>).
/// </summary>
public sealed class WebChatStreams : BackgroundService, IReplyObserver
{
    private const string Signal = "reply";
    /// <summary>A long poll with nothing new answers after this, below the usual proxy read timeout.</summary>
    public static readonly TimeSpan LongPoll = TimeSpan.FromSeconds(25);
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);
    private static readonly ChannelAccount Bot = new("bot", "Bot", "bot");

    private readonly ConcurrentDictionary<string, OpenStream> _open = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<bool>> _polls = new(StringComparer.Ordinal);
    private readonly WebChatFeed _feed;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<WebChatStreams> _log;
    private readonly HostSignals _signals;
    private readonly TimeSpan _keepAlive;
    /// <summary>Several hosts: a signal from another host may be lost with its connection, so each keep-alive reads too.</summary>
    private readonly bool _readOnKeepAlive;

    public WebChatStreams(WebChatFeed feed, IHostApplicationLifetime lifetime, ILogger<WebChatStreams> log, HostSignals signals,
        Revocations revocations, StorageOptions storage, Microsoft.Extensions.Options.IOptions<WebChatOptions> options)
    {
        (_feed, _lifetime, _log, _signals, _readOnKeepAlive) = (feed, lifetime, log, signals, storage.Shared);
        _keepAlive = options.Value.StreamKeepAlive;
        signals.On(Signal, Changed, missed: ChangedAll);
        // Revocations raised while this host was not listening: every socket reconnects and every long poll answers, and
        // each shows its token again, so a copied token of a conversation that ended meanwhile gets 401.
        revocations.Missed += () =>
        {
            foreach (var stream in _open.Values)
            {
                stream.Close(Closing.Restarting);
            }
            AnswerPolls(checkAccess: true);
        };
    }

    /// <summary>Sockets open now.</summary>
    public int Count => _open.Count;

    /// <summary>Something new for the conversation (a reply, an echo): its socket sends it, its long poll answers.</summary>
    public void Changed(string id)
    {
        if (_open.TryGetValue(id, out var stream))
        {
            stream.Wake(changed: true);
        }
        if (_polls.TryRemove(id, out var poll))
        {
            poll.TrySetResult(false);
        }
    }

    private void ChangedAll()
    {
        foreach (var stream in _open.Values)
        {
            stream.Wake(changed: true);
        }
        AnswerPolls(checkAccess: false);
    }

    private void AnswerPolls(bool checkAccess)
    {
        foreach (var id in _polls.Keys)
        {
            if (_polls.TryRemove(id, out var poll))
            {
                poll.TrySetResult(checkAccess);
            }
        }
    }

    /// <summary>Replies committed, on this host or another: the conversation's socket or long poll, wherever it is, reads them.</summary>
    void IReplyObserver.Committed(string conversationKey) => _signals.Raise(Signal, conversationKey);

    /// <summary>The bot is working on the person's message: Web Chat shows it typing. Over the socket only, never stored.</summary>
    public void Typing(string id)
    {
        if (_open.TryGetValue(id, out var stream))
        {
            stream.Typing();
        }
    }

    /// <summary>Waits until something new arrives for the conversation, or the long poll's time is up; call before reading, so nothing is missed.</summary>
    /// <returns>True when the caller must check the conversation's access again before it reads (a revocation may have been missed).</returns>
    public Task<bool> WaitAsync(string id, CancellationToken cancel)
    {
        var poll = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (_polls.TryGetValue(id, out var earlier) && _polls.TryUpdate(id, poll, earlier))
        {
            earlier.TrySetResult(false);   // one long poll per conversation: the older one answers now
        }
        else
        {
            _polls[id] = poll;
        }
        return poll.Task.WaitAsync(LongPoll, cancel).ContinueWith(done =>
        {
            _polls.TryRemove(new(id, poll));
            return done.IsCompletedSuccessfully && done.Result;
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Runs one accepted socket until it closes. A newer socket of the same conversation closes this one ("collision").</summary>
    /// <param name="revoked">Cancelled when the conversation's access ends (/exit, /forget, a block): the socket closes at once, nothing more is sent.</param>
    public async Task RunAsync(string id, string watermark, WebSocket socket, CancellationToken revoked, CancellationToken aborted)
    {
        var stream = new OpenStream(watermark);
        _open.AddOrUpdate(id, stream, (_, older) =>
        {
            older.Close(Closing.Collision);
            return stream;
        });
        using var revocation = revoked.Register(() => stream.Close(Closing.Revoked));
        using var gone = aborted.Register(() => stream.Close(Closing.Gone));
        using var stopping = _lifetime.ApplicationStopping.Register(() => stream.Close(Closing.Restarting));
        var receiving = ReceiveAsync(socket, stream);
        try
        {
            await SendAsync(id, socket, stream);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            _log.LogDebug("Stream {ConversationKey} ended: {Reason}", Pseudonym.Of(id), e.GetType().Name);
        }
        finally
        {
            _open.TryRemove(new(id, stream));
            if (await Task.WhenAny(receiving, Task.Delay(CloseTimeout, CancellationToken.None)) != receiving)
            {
                socket.Abort();
            }
            await receiving;
        }
    }

    private async Task SendAsync(string id, WebSocket socket, OpenStream stream)
    {
        while (true)
        {
            var (changed, keepAlive, closing) = await stream.NextAsync();
            if (closing is Closing.Gone)
            {
                return;   // the connection dropped: nothing can be sent any more
            }
            if (closing is null)
            {
                var typing = stream.TakeTyping();
                // Read on each change rather than handed the rows: the socket sends exactly what GET would, in the same order.
                var set = changed ? await _feed.ReadAsync(id, stream.Watermark, CancellationToken.None) : null;
                var activities = Enumerable.Range(0, typing).Select(_ => TypingActivity(id)).Concat(set?.Activities ?? []).ToList();
                if (activities.Count > 0)
                {
                    await SendTextAsync(socket, JsonSerializer.SerializeToUtf8Bytes(
                        new ActivitySet(activities, set?.Watermark ?? stream.Watermark), ActivityJson.Options));
                }
                else if (keepAlive)
                {
                    await SendTextAsync(socket, []);   // Direct Line's keep-alive: an empty message
                }
                stream.Watermark = set?.Watermark ?? stream.Watermark;
            }
            if (closing is { } reason)
            {
                using var timeout = new CancellationTokenSource(CloseTimeout);
                await socket.CloseOutputAsync(Status(reason), Description(reason), timeout.Token);
                return;
            }
        }
    }

    private static async Task SendTextAsync(WebSocket socket, byte[] utf8)
    {
        using var timeout = new CancellationTokenSource(SendTimeout);   // a client that stopped reading does not hold the socket for ever
        await socket.SendAsync(utf8, WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
    }

    /// <summary>Reads what the client sends (only keep-alives and the close) until the socket closes.</summary>
    private static async Task ReceiveAsync(WebSocket socket, OpenStream stream)
    {
        var buffer = new byte[16];   // nothing the client sends is read: a small buffer, drained
        try
        {
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    stream.Close(Closing.ClientClosed);
                    return;
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            stream.Close(Closing.Gone);
        }
    }

    private long _typing;

    private Activity TypingActivity(string id) => new()
    {
        Type = "typing",
        Id = $"{id}|t{Interlocked.Increment(ref _typing).ToString(CultureInfo.InvariantCulture)}",
        Timestamp = DateTimeOffset.UtcNow,
        ChannelId = WebChatApi.Channel,
        From = Bot,
        Conversation = new ConversationAccount(id),
    };

    /// <summary>Wakes every socket once per keep-alive period: one timer for all of them.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_keepAlive);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                foreach (var stream in _open.Values)
                {
                    stream.Wake(changed: _readOnKeepAlive, keepAlive: true);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    private enum Closing { Collision, Revoked, Restarting, ClientClosed, Gone }

    /// <summary>One open socket's position and what it has to do next; woken by changes, the keep-alive timer or a close.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001",
        Justification = "Its semaphore holds no wait handle; a late wake after the socket closed must not throw into the turn that woke it")]
    private sealed class OpenStream(string watermark)
    {
        // Signalled and changed from the start: the first read (what came after the watermark) happens at once.
        private readonly SemaphoreSlim _wake = new(1);
        private readonly Lock _gate = new();
        private int _signalled = 1, _changed = 1, _keepAlive, _typing;
        private Closing? _closing;

        public string Watermark { get; set; } = watermark;

        public void Wake(bool changed = false, bool keepAlive = false)
        {
            if (changed)
            {
                Volatile.Write(ref _changed, 1);
            }
            if (keepAlive)
            {
                Volatile.Write(ref _keepAlive, 1);
            }
            if (Interlocked.Exchange(ref _signalled, 1) == 0)
            {
                _wake.Release();
            }
        }

        public void Typing()
        {
            Interlocked.Increment(ref _typing);
            Wake();
        }

        public int TakeTyping() => Math.Min(Interlocked.Exchange(ref _typing, 0), 1);

        public void Close(Closing closing)
        {
            lock (_gate)
            {
                _closing ??= closing;
            }
            Wake();
        }

        public async Task<(bool Changed, bool KeepAlive, Closing? Closing)> NextAsync()
        {
            await _wake.WaitAsync();
            Volatile.Write(ref _signalled, 0);
            Closing? closing;
            lock (_gate)
            {
                closing = _closing;
            }
            return (Interlocked.Exchange(ref _changed, 0) == 1, Interlocked.Exchange(ref _keepAlive, 0) == 1, closing);
        }
    }

    /// <summary>What the close frame says, per reason.</summary>
    private static WebSocketCloseStatus Status(Closing closing) => closing switch
    {
        Closing.Collision or Closing.Revoked => WebSocketCloseStatus.PolicyViolation,
        Closing.Restarting => WebSocketCloseStatus.EndpointUnavailable,
        _ => WebSocketCloseStatus.NormalClosure,
    };

    private static string Description(Closing closing) => closing switch
    {
        Closing.Collision => "collision",
        Closing.Revoked => "revoked",
        Closing.Restarting => "restarting",
        _ => "ended",
    };
}

/// <summary>Direct Line's ActivitySet: what GET and the stream send.</summary>
public sealed record ActivitySet(IReadOnlyList<Activity> Activities, string Watermark);
