using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Bot.Tests.Host.Telegram;

/// <summary>One Bot API call as the fake server received it; <paramref name="Host"/> names the bot host that made it (see <see cref="FakeBotApi.TokenOf"/>).</summary>
public sealed record ApiCall(string Method, JsonObject Body, DateTime At, bool Ok, string Host = "");

/// <summary>
/// A small stand-in for the Telegram Bot API on loopback: queues updates for getUpdates, answers the methods
/// the bot calls, records every call, and can answer sendMessage with 429 and retry_after. As Telegram does, a getUpdates that
/// begins while another is waiting ends the waiting one with 409 Conflict.
/// </summary>
public sealed class FakeBotApi : IAsyncDisposable
{
    public const string Token = "123456:TEST-token_abcdef";
    private const string HostTokenPrefix = "123456:TEST-host_";

    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly List<ApiCall> _calls = [];
    private readonly List<JsonObject> _updates = [];
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _nextUpdateId = 1000;
    /// <summary>The update ids getUpdates has handed out: an offset may confirm only those.</summary>
    private readonly HashSet<int> _handedOut = [];
    private int _confirmedUnseen;
    private readonly HashSet<JsonObject> _enqueued = new(ReferenceEqualityComparer.Instance);
    private int _nextMessageId = 1;
    private int _tooManyRequests;
    /// <summary>The getUpdates waiting now: ended with 409 when another begins.</summary>
    private TaskCompletionSource? _polling;
    private int _conflicts;

    public string Url { get; private set; } = "";

    /// <summary>Methods answered with 400, as Telegram does for "message is not modified" or a server that lacks a method.</summary>
    public HashSet<string> Refused { get; } = [];

    /// <summary>Seconds the next 429s ask the bot to wait.</summary>
    public int RetryAfter { get; set; } = 1;

    private FakeBotApi()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/bot{token}/{method}", HandleAsync);
    }

    public static async Task<FakeBotApi> StartAsync()
    {
        var api = new FakeBotApi();
        await api._app.StartAsync();
        api.Url = api._app.Urls.First();
        return api;
    }

    /// <summary>
    /// The same bot's token as a host of several on one database is given it: the fake treats every such token as the one bot
    /// (one queue of updates, one getUpdates at a time) and records which host made each call.
    /// </summary>
    public static string TokenOf(string host) => HostTokenPrefix + host;

    /// <summary>How many getUpdates began while another was waiting (each ended the waiting one with 409).</summary>
    public int Conflicts
    {
        get
        {
            lock (_gate)
            {
                return _conflicts;
            }
        }
    }

    /// <summary>The next <paramref name="count"/> sendMessage calls get 429 Too Many Requests.</summary>
    public void AnswerTooManyRequests(int count)
    {
        lock (_gate)
        {
            _tooManyRequests = count;
        }
    }

    public IReadOnlyList<ApiCall> Calls(string? method = null)
    {
        lock (_gate)
        {
            return _calls.Where(c => method is null || c.Method == method).ToList();
        }
    }

    /// <summary>The messages delivered to a chat, in order.</summary>
    public IReadOnlyList<ApiCall> Sent(long chatId) =>
        Calls("sendMessage").Where(c => c.Ok && (long)c.Body["chat_id"]! == chatId).ToList();

    /// <summary>
    /// Updates an offset confirmed before any getUpdates had handed them out: each is a message lost without a trace. Telegram
    /// numbers updates as they arrive, so only a bot that moved its offset past what it was given can make one.
    /// </summary>
    public int ConfirmedUnseen
    {
        get
        {
            lock (_gate)
            {
                return _confirmedUnseen;
            }
        }
    }

    /// <summary>A number for an update posted to a webhook; one queued for getUpdates is numbered again as it arrives.</summary>
    public int NextUpdateId()
    {
        lock (_gate)
        {
            return _nextUpdateId++;
        }
    }

    public int NextMessageId()
    {
        lock (_gate)
        {
            return _nextMessageId++;
        }
    }

    /// <summary>
    /// Queues an update for getUpdates, numbered again as it arrives, as Telegram does: with the number it was made with, a chat's
    /// update could arrive after another chat's later one had been handed out and confirmed, and the offset would drop it unseen.
    /// The same object twice is a re-delivery, under its first number.
    /// </summary>
    public void Enqueue(JsonObject update)
    {
        lock (_gate)
        {
            if (_enqueued.Add(update))
            {
                update["update_id"] = _nextUpdateId++;
            }
            _updates.Add(update);
            _arrived.TrySetResult();
        }
    }

    private async Task<IResult> HandleAsync(string token, string method, HttpContext http)
    {
        if (token != Token && !token.StartsWith(HostTokenPrefix, StringComparison.Ordinal))
        {
            return Results.Json(new { ok = false, error_code = 401, description = "Unauthorized" }, statusCode: 401);
        }
        var host = token.StartsWith(HostTokenPrefix, StringComparison.Ordinal) ? token[HostTokenPrefix.Length..] : "";
        using var reader = new StreamReader(http.Request.Body);
        var text = await reader.ReadToEndAsync();
        var body = string.IsNullOrWhiteSpace(text) ? [] : JsonNode.Parse(text)!.AsObject();
        if (method == "getUpdates")
        {
            lock (_gate)
            {
                _calls.Add(new ApiCall(method, body, DateTime.UtcNow, true, host));
            }
            return await UpdatesAsync(body, http.RequestAborted) is { } updates
                ? Results.Json(new JsonObject { ["ok"] = true, ["result"] = updates })
                : Results.Json(new
                {
                    ok = false, error_code = 409,
                    description = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
                }, statusCode: 409);
        }
        var tooMany = false;
        lock (_gate)
        {
            if (method == "sendMessage" && _tooManyRequests > 0)
            {
                _tooManyRequests--;
                tooMany = true;
            }
            if (method == "sendMessage" && !tooMany)
            {
                body["_message_id"] = _nextMessageId++;   // the id the bot gets back, for the tests' callbacks
            }
            _calls.Add(new ApiCall(method, body, DateTime.UtcNow, !tooMany && !Refused.Contains(method), host));
        }
        if (Refused.Contains(method))
        {
            return Results.Json(new { ok = false, error_code = 400, description = "Bad Request: message is not modified" }, statusCode: 400);
        }
        if (tooMany)
        {
            return Results.Json(new JsonObject
            {
                ["ok"] = false, ["error_code"] = 429, ["description"] = $"Too Many Requests: retry after {RetryAfter}",
                ["parameters"] = new JsonObject { ["retry_after"] = RetryAfter },
            }, statusCode: 429);
        }
        JsonNode? result = method switch
        {
            "getMe" => new JsonObject { ["id"] = 123456, ["is_bot"] = true, ["first_name"] = "Test", ["username"] = "test_bot" },
            "sendMessage" => Message(body, (int)body["_message_id"]!),
            "editMessageText" or "editMessageReplyMarkup" => Message(body, (int)body["message_id"]!),
            "answerCallbackQuery" or "deleteMessage" or "deleteMessages" or "setMyCommands" or "sendChatAction"
                or "setWebhook" or "deleteWebhook" => true,
            _ => null,
        };
        return result is null
            ? Results.Json(new { ok = false, error_code = 404, description = "Not Found: method not found" }, statusCode: 404)
            : Results.Json(new JsonObject { ["ok"] = true, ["result"] = result });
    }

    private static JsonObject Message(JsonObject body, int messageId) => new()
    {
        ["message_id"] = messageId,
        ["date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        ["chat"] = new JsonObject { ["id"] = body["chat_id"]!.DeepClone(), ["type"] = "private" },
        ["text"] = body["text"]?.DeepClone(),
        ["reply_markup"] = body["reply_markup"]?.DeepClone(),
    };

    /// <summary>
    /// Long polling: confirms what is below the offset, then waits (at most the timeout) for something to hand out.
    /// Null when another getUpdates began meanwhile (Telegram's 409); a caller that hangs up stops waiting.
    /// </summary>
    private async Task<JsonArray?> UpdatesAsync(JsonObject body, CancellationToken aborted)
    {
        var offset = (int?)body["offset"] ?? 0;
        var timeout = TimeSpan.FromSeconds(Math.Min((int?)body["timeout"] ?? 0, 2));
        var deadline = DateTime.UtcNow + timeout;
        var terminated = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_polling is { } waiting)
            {
                _conflicts++;
                waiting.TrySetResult();
            }
            _polling = terminated;
        }
        try
        {
            while (true)
            {
                Task arrived;
                lock (_gate)
                {
                    if (terminated.Task.IsCompleted)
                    {
                        return null;
                    }
                    _confirmedUnseen += _updates.Count(u => (int)u["update_id"]! < offset && !_handedOut.Contains((int)u["update_id"]!));
                    _updates.RemoveAll(u => (int)u["update_id"]! < offset);
                    if (_updates.Count > 0 || DateTime.UtcNow >= deadline || aborted.IsCancellationRequested)
                    {
                        var batch = _updates.Take(100).ToList();
                        batch.ForEach(u => _handedOut.Add((int)u["update_id"]!));
                        return new JsonArray(batch.Select(u => (JsonNode)u.DeepClone()).ToArray());
                    }
                    if (_arrived.Task.IsCompleted)
                    {
                        _arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    }
                    arrived = _arrived.Task;
                }
                var left = TimeSpan.FromTicks(Math.Max(0, (deadline - DateTime.UtcNow).Ticks));
                await Task.WhenAny(arrived, terminated.Task, Task.Delay(left, aborted));
            }
        }
        finally
        {
            lock (_gate)
            {
                if (_polling == terminated)
                {
                    _polling = null;
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
