using System.Collections.Concurrent;
using System.Text;
using System.Threading.Channels;
using Npgsql;

namespace Bot.Host.Storage;

/// <summary>
/// "Something changed" for clients that wait on a host (the operators' consoles' long poll, a person's web chat stream), heard
/// by every host of the database: on SQLite the one host calls its handlers; on PostgreSQL each raise is also a NOTIFY, and every
/// other host's LISTEN calls its handlers. What travels is the signal's name and, for a keyed signal, a conversation key (already
/// in every row of the database), a pseudonym or an operator's account id and role; never a word of a conversation or a ticket,
/// never a person's address.
/// </summary>
public sealed class HostSignals(StorageOptions storage, ILogger<HostSignals> log) : BackgroundService
{
    private const string Channel = "bot_signals";
    /// <summary>PostgreSQL refuses a payload of 8,000 bytes or more: a burst of signals is cut into notifications below it.</summary>
    private const int MaxPayloadBytes = 7_000;
    private static readonly TimeSpan Reconnect = TimeSpan.FromSeconds(1);
    /// <summary>Tells this host's own notifications from the others' (they come back to its LISTEN too).</summary>
    private readonly string _self = Guid.NewGuid().ToString("N");
    private readonly ConcurrentDictionary<string, Action> _handlers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Keyed> _keyed = new(StringComparer.Ordinal);
    private readonly Channel<string> _outgoing = System.Threading.Channels.Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Calls <paramref name="handler"/> whenever a host raises <paramref name="name"/> (this one too).</summary>
    public void On(string name, Action handler) => _handlers.AddOrUpdate(name, handler, (_, before) => before + handler);

    /// <summary>
    /// Calls <paramref name="handler"/> with the key whenever a host raises <paramref name="name"/> for a key (this one too), and
    /// <paramref name="missed"/> when this host may have missed some (it listens again after a lost connection).
    /// </summary>
    public void On(string name, Action<string> handler, Action missed) =>
        _keyed.AddOrUpdate(name, new Keyed(handler, missed), (_, before) => new Keyed(before.Handler + handler, before.Missed + missed));

    public void Raise(string name)
    {
        Call(name);
        Tell(name);
    }

    public void Raise(string name, string key)
    {
        Call(name, key);
        Tell(name + ":" + key);
    }

    /// <summary>Only the other hosts hear it: this one has already done what the signal asks.</summary>
    public void RaiseElsewhere(string name, string key) => Tell(name + ":" + key);

    private void Tell(string entry)
    {
        if (storage.Shared)
        {
            _outgoing.Writer.TryWrite(entry);
        }
    }

    private void Call(string name)
    {
        if (_handlers.TryGetValue(name, out var handler))
        {
            handler();
        }
    }

    private void Call(string name, string key)
    {
        if (_keyed.TryGetValue(name, out var keyed))
        {
            keyed.Handler(key);
        }
    }

    /// <summary>One notification from another host: its id, then one signal per line ("name" or "name:key").</summary>
    private void Heard(string payload)
    {
        var lines = payload.Split('\n');
        if (lines[0] == _self)
        {
            return;
        }
        foreach (var line in lines.Skip(1))
        {
            if (line.Split(':', 2) is [var name, var key])
            {
                Call(name, key);
            }
            else
            {
                Call(line);
            }
        }
    }

    private sealed record Keyed(Action<string> Handler, Action Missed);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        storage.Shared ? Task.WhenAll(ListenAsync(stoppingToken), NotifyAsync(stoppingToken)) : Task.CompletedTask;

    private async Task ListenAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(storage.ResolvedConnectionString());
                await connection.OpenAsync(stop);
                connection.Notification += (_, e) => Heard(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stop);
                }
                // Listening (again): whatever was raised while nobody listened is treated as raised now.
                foreach (var name in _handlers.Keys)
                {
                    Call(name);
                }
                foreach (var keyed in _keyed.Values)
                {
                    keyed.Missed();
                }
                while (true)
                {
                    await connection.WaitAsync(stop);
                }
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                log.LogWarning("Listening for other hosts' changes failed ({Error}); again in {Delay}", e.GetType().Name, Reconnect);
                await Task.Delay(Reconnect, stop);
            }
        }
    }

    private async Task NotifyAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(storage.ResolvedConnectionString());
                await connection.OpenAsync(stop);
                while (await _outgoing.Reader.WaitToReadAsync(stop))
                {
                    // A burst of changes is a few notifications, each signal once: the waiting clients read once anyway.
                    var entries = new HashSet<string>(StringComparer.Ordinal);
                    while (_outgoing.Reader.TryRead(out var entry))
                    {
                        entries.Add(entry);
                    }
                    foreach (var payload in Payloads(entries))
                    {
                        await using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @payload)", connection);
                        notify.Parameters.AddWithValue("channel", Channel);
                        notify.Parameters.AddWithValue("payload", payload);
                        await notify.ExecuteNonQueryAsync(stop);
                    }
                }
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                log.LogWarning("Telling other hosts of changes failed ({Error}); again in {Delay}", e.GetType().Name, Reconnect);
                await Task.Delay(Reconnect, stop);
            }
        }
    }

    private IEnumerable<string> Payloads(IEnumerable<string> entries)
    {
        var payload = new StringBuilder(_self);
        foreach (var entry in entries)
        {
            if (payload.Length > _self.Length && Encoding.UTF8.GetByteCount(entry) + payload.Length + 1 > MaxPayloadBytes)
            {
                yield return payload.ToString();
                payload.Clear().Append(_self);
            }
            payload.Append('\n').Append(entry);
        }
        if (payload.Length > _self.Length)
        {
            yield return payload.ToString();
        }
    }
}
