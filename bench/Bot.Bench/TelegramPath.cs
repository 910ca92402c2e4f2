using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Bot.Bench;

/// <summary>
/// A person on Telegram walking the real screening path (<see cref="Screen"/>) through the webhook: a turn is one
/// update posted with the secret, and counts when the next question (or the tapped screen, edited) has reached the
/// Bot API stand-in.
/// </summary>
public sealed class TelegramPath(BotApiStandIn api)
{
    public const string Token = "123456:BENCH-token";
    public const string Secret = "bench-webhook-secret";
    private const int BareTurnsPerConversation = 20;
    private static long _chats = 1_000_000;
    private static long _updates;

    /// <summary>The host's Telegram settings for the benchmark: Telegram's own send limits are policy, not capacity, so they are lifted.</summary>
    public static Dictionary<string, string> HostSettings(BotApiStandIn api) => new()
    {
        ["Telegram:BotToken"] = Token,
        ["Telegram:ApiBaseUrl"] = api.Url,
        ["Telegram:WebhookUrl"] = "https://bench.invalid/telegram/webhook",
        ["Telegram:WebhookSecret"] = Secret,
        ["Telegram:PerChatPerSecond"] = "100000",
        ["Telegram:PerChatBurst"] = "100000",
        ["Telegram:PerSecond"] = "1000000",
        ["Telegram:PerChatPerMinute"] = "1000000",
    };

    public Task<bool> Walk(HttpClient http, List<double> latencies, CancellationToken stop) => Converse(http, latencies, bare: false, stop);

    public Task<bool> Bare(HttpClient http, List<double> latencies, CancellationToken stop) => Converse(http, latencies, bare: true, stop);

    /// <summary>Webhook acknowledgement times (POST to 200), for the 1 s target.</summary>
    public ConcurrentBag<double> Acknowledged { get; } = [];

    /// <returns>True when the walk reached the waiting screen (escalated).</returns>
    private async Task<bool> Converse(HttpClient http, List<double> latencies, bool bare, CancellationToken stop)
    {
        var chat = Interlocked.Increment(ref _chats);
        var inbox = api.Open(chat);
        try
        {
            var started = Stopwatch.GetTimestamp();
            await PostAsync(http, Message(chat, "/start"), stop);
            var prompt = await Inbox.NextQuestionAsync(inbox, "reply_markup", stop);
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            var turns = 1;
            while (!stop.IsCancellationRequested && (!bare || turns < BareTurnsPerConversation))
            {
                var (data, messageId) = Choose(prompt);
                if (data is null)
                {
                    return true;   // waiting for an operator: this person's walk is done
                }
                var at = Stopwatch.GetTimestamp();
                await PostAsync(http, Callback(chat, messageId, data), stop);
                prompt = await Inbox.NextQuestionAsync(inbox, "reply_markup", stop);
                latencies.Add(Stopwatch.GetElapsedTime(at).TotalMilliseconds);
                turns++;
            }
            return false;
        }
        finally
        {
            api.Close(chat);
        }
    }

    private async Task PostAsync(HttpClient http, JsonObject update, CancellationToken stop)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "telegram/webhook")
        {
            Content = new StringContent(update.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", Secret);
        var at = Stopwatch.GetTimestamp();
        using var response = await http.SendAsync(request, stop);
        response.EnsureSuccessStatusCode();
        Acknowledged.Add(Stopwatch.GetElapsedTime(at).TotalMilliseconds);
    }

    private static (string? Data, int MessageId) Choose(JsonObject prompt)
    {
        var buttons = prompt["reply_markup"]!["inline_keyboard"]!.AsArray().SelectMany(row => row!.AsArray())
            .Select(b => new Screen.Option((string)b!["callback_data"]!, (string)b["text"]!)).ToList();
        return (Screen.Choose(buttons), (int)prompt["_message_id"]!);
    }

    private static JsonObject From(long chat) => new() { ["id"] = chat, ["is_bot"] = false, ["first_name"] = "B", ["language_code"] = "en" };

    private static JsonObject Chat(long chat) => new() { ["id"] = chat, ["type"] = "private" };

    private static JsonObject Message(long chat, string text) => new()
    {
        ["update_id"] = Interlocked.Increment(ref _updates),
        ["message"] = new JsonObject
        {
            ["message_id"] = 1, ["date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ["chat"] = Chat(chat), ["from"] = From(chat), ["text"] = text,
        },
    };

    private static JsonObject Callback(long chat, int messageId, string data) => new()
    {
        ["update_id"] = Interlocked.Increment(ref _updates),
        ["callback_query"] = new JsonObject
        {
            ["id"] = "cq" + messageId, ["from"] = From(chat), ["chat_instance"] = "1", ["data"] = data,
            ["message"] = new JsonObject
            {
                ["message_id"] = messageId, ["date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ["chat"] = Chat(chat), ["text"] = "question",
            },
        },
    };
}

/// <summary>
/// A lean Bot API stand-in on loopback: answers every method, hands each chat's sent messages to its reader, and its
/// edits too (a tap on a "tap all that apply" screen edits that screen in place, with its new ticks).
/// </summary>
public sealed class BotApiStandIn : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<long, Channel<JsonObject>> _chats = new();
    private int _messageId;

    public string Url { get; private set; } = "";

    private BotApiStandIn()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/bot{token}/{method}", async (string method, HttpRequest request) =>
        {
            var body = (await JsonNode.ParseAsync(request.Body))?.AsObject() ?? [];
            if (method == "editMessageText" && body["reply_markup"] is not null && _chats.TryGetValue((long)body["chat_id"]!, out var edited))
            {
                body["_message_id"] = (int)body["message_id"]!;
                edited.Writer.TryWrite(body);
            }
            if (method != "sendMessage")
            {
                return Results.Text(method is "editMessageText" or "editMessageReplyMarkup" or "getMe" ? "{\"ok\":true,\"result\":{\"message_id\":1,\"date\":1,\"chat\":{\"id\":1,\"type\":\"private\"},\"id\":1,\"is_bot\":true,\"first_name\":\"b\"}}" : "{\"ok\":true,\"result\":true}", "application/json");
            }
            var id = Interlocked.Increment(ref _messageId);
            body["_message_id"] = id;
            var chat = (long)body["chat_id"]!;
            if (_chats.TryGetValue(chat, out var inbox))
            {
                inbox.Writer.TryWrite(body);
            }
            return Results.Text($"{{\"ok\":true,\"result\":{{\"message_id\":{id},\"date\":1,\"chat\":{{\"id\":{chat},\"type\":\"private\"}}}}}}", "application/json");
        });
    }

    public static async Task<BotApiStandIn> StartAsync()
    {
        var api = new BotApiStandIn();
        await api._app.StartAsync();
        api.Url = api._app.Urls.First();
        return api;
    }

    public ChannelReader<JsonObject> Open(long chat) => _chats.GetOrAdd(chat, _ => Channel.CreateUnbounded<JsonObject>()).Reader;

    public void Close(long chat) => _chats.TryRemove(chat, out _);

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
