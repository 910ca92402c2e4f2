using Bot.Host.Storage;

namespace Bot.Host.Turns;

/// <summary>
/// The one hook for "this conversation's access has ended": /exit, /forget and an operator's block raise it once the change is
/// committed. Whatever holds a conversation open for a client (a web chat stream, a long poll) watches it and closes at once,
/// so whoever copied the token from the phone sees nothing after the person left. Every host of the database hears it
/// (<see cref="HostSignals"/>): the copied token's stream may be open on another host.
/// </summary>
public sealed class Revocations
{
    private const string Signal = "revoked";
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<Action>> _watchers = new(StringComparer.Ordinal);
    private readonly HostSignals _signals;

    public Revocations(HostSignals signals)
    {
        _signals = signals;
        signals.On(Signal, Ended, missed: () => Missed?.Invoke());
    }

    /// <summary>
    /// This host may have missed revocations of other hosts (it lost its connection to the database's signals for a while):
    /// whatever holds a conversation open must check its access again.
    /// </summary>
    public event Action? Missed;

    /// <summary>Calls <paramref name="revoked"/> (once, on the revoking thread: keep it short) when the conversation's access ends.</summary>
    /// <returns>Dispose to stop watching (the stream ended first).</returns>
    public IDisposable Watch(string conversationKey, Action revoked)
    {
        lock (_gate)
        {
            (_watchers.TryGetValue(conversationKey, out var list) ? list : _watchers[conversationKey] = []).Add(revoked);
        }
        return new Watcher(this, conversationKey, revoked);
    }

    /// <summary>A <see cref="CancellationToken"/> cancelled on revocation, for code that already takes one.</summary>
    public IDisposable Watch(string conversationKey, out CancellationToken revoked)
    {
        var source = new CancellationTokenSource();
        revoked = source.Token;
        var watch = Watch(conversationKey, () =>
        {
            try
            {
                source.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // the watcher stopped watching at the same moment
            }
        });
        return new Both(watch, source);
    }

    internal void Revoke(string conversationKey) => _signals.Raise(Signal, conversationKey);

    private void Ended(string conversationKey)
    {
        List<Action>? watchers;
        lock (_gate)
        {
            _watchers.Remove(conversationKey, out watchers);
        }
        watchers?.ForEach(revoked => revoked());
    }

    private void Unwatch(string conversationKey, Action revoked)
    {
        lock (_gate)
        {
            if (_watchers.TryGetValue(conversationKey, out var list) && list.Remove(revoked) && list.Count == 0)
            {
                _watchers.Remove(conversationKey);
            }
        }
    }

    private sealed class Watcher(Revocations owner, string key, Action revoked) : IDisposable
    {
        public void Dispose() => owner.Unwatch(key, revoked);
    }

    private sealed class Both(IDisposable watch, CancellationTokenSource source) : IDisposable
    {
        public void Dispose()
        {
            watch.Dispose();
            source.Dispose();
        }
    }
}
