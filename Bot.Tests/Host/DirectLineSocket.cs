using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Bot.Tests.Host;

/// <summary>A Direct Line stream as a client reads it: ActivitySets in order, keep-alives counted, the close frame kept.</summary>
public sealed class DirectLineSocket : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly Channel<JsonElement> _activities = Channel.CreateUnbounded<JsonElement>();
    private Task _reading = Task.CompletedTask;

    public List<JsonElement> Received { get; } = [];
    public string? Watermark { get; private set; }
    public int KeepAlives { get; private set; }
    /// <summary>Completes when the host closes the socket (or the connection drops: then null).</summary>
    public TaskCompletionSource<(WebSocketCloseStatus? Status, string? Description)> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task<DirectLineSocket> OpenAsync(string streamUrl, CancellationToken cancel = default)
    {
        var stream = new DirectLineSocket();
        await stream._socket.ConnectAsync(new Uri(streamUrl), cancel);
        stream._reading = stream.ReadAsync();
        return stream;
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                var received = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    Closed.TrySetResult((_socket.CloseStatus, _socket.CloseStatusDescription));
                    return;
                }
                message.Write(buffer, 0, received.Count);
                if (!received.EndOfMessage)
                {
                    continue;
                }
                if (message.Length == 0)
                {
                    KeepAlives++;
                    continue;
                }
                var set = JsonDocument.Parse(message.ToArray()).RootElement.Clone();
                message.SetLength(0);
                Watermark = set.GetProperty("watermark").GetString();
                foreach (var activity in set.GetProperty("activities").EnumerateArray())
                {
                    lock (Received)
                    {
                        Received.Add(activity);
                    }
                    _activities.Writer.TryWrite(activity);
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            Closed.TrySetResult((null, null));
        }
        finally
        {
            _activities.Writer.TryComplete();
        }
    }

    /// <summary>The next activity that matches, skipping others; fails after 20 s or when the socket closes first.</summary>
    public async Task<JsonElement> NextAsync(Func<JsonElement, bool> match, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            while (await _activities.Reader.WaitToReadAsync(timeout.Token))
            {
                while (_activities.Reader.TryRead(out var activity))
                {
                    if (match(activity))
                    {
                        return activity;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("No " + what + " on the stream in 20 s");
        }
        throw new InvalidOperationException("The stream closed before " + what);
    }

    /// <summary>The next message from the bot with options (a question).</summary>
    public Task<JsonElement> NextPromptAsync() =>
        NextAsync(a => a.GetProperty("from").GetProperty("role").GetString() == "bot" && WebChatClient.Options(a).Count > 0, "question");

    public static bool FromBot(JsonElement activity) =>
        activity.TryGetProperty("from", out var from) && from.GetProperty("role").GetString() == "bot" && activity.GetProperty("type").GetString() == "message";

    public async Task CloseAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
        }
        await _reading;
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Abort();
        await _reading;
        _socket.Dispose();
    }

    public static string Utf8(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}
