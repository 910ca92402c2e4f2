using System.Collections.Concurrent;
using System.Threading.Channels;
using Npgsql;

namespace Bot.Host.Storage;

/// <summary>
/// "Something changed" for clients that wait on a host (the operators' consoles' long poll), heard by every host of the
/// database: on SQLite the one host calls its handlers; on PostgreSQL each raise is also a NOTIFY, and every other host's LISTEN
/// calls its handlers. Nothing but the signal's name travels (never an id or a word of a ticket).
/// </summary>
public sealed class HostSignals(StorageOptions storage, ILogger<HostSignals> log) : BackgroundService
{
    private const string Channel = "bot_signals";
    private static readonly TimeSpan Reconnect = TimeSpan.FromSeconds(1);
    /// <summary>Tells this host's own notifications from the others' (they come back to its LISTEN too).</summary>
    private readonly string _self = Guid.NewGuid().ToString("N");
    private readonly ConcurrentDictionary<string, Action> _handlers = new(StringComparer.Ordinal);
    private readonly Channel<string> _outgoing = System.Threading.Channels.Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Calls <paramref name="handler"/> whenever a host raises <paramref name="name"/> (this one too).</summary>
    public void On(string name, Action handler) => _handlers.AddOrUpdate(name, handler, (_, before) => before + handler);

    public void Raise(string name)
    {
        Call(name);
        if (storage.Shared)
        {
            _outgoing.Writer.TryWrite(name);
        }
    }

    private void Call(string name)
    {
        if (_handlers.TryGetValue(name, out var handler))
        {
            handler();
        }
    }

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
                connection.Notification += (_, e) =>
                {
                    if (e.Payload.Split(':', 2) is [var from, var name] && from != _self)
                    {
                        Call(name);
                    }
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stop);
                }
                // Listening (again): whatever was raised while nobody listened is treated as raised now.
                foreach (var name in _handlers.Keys)
                {
                    Call(name);
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
                    // A burst of changes is one notification per name: the waiting consoles reload once anyway.
                    var names = new HashSet<string>(StringComparer.Ordinal);
                    while (_outgoing.Reader.TryRead(out var name))
                    {
                        names.Add(name);
                    }
                    foreach (var name in names)
                    {
                        await using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @payload)", connection);
                        notify.Parameters.AddWithValue("channel", Channel);
                        notify.Parameters.AddWithValue("payload", _self + ":" + name);
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
}
