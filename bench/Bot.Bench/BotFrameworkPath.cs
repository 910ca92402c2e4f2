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
/// A person on a Bot Framework channel walking the real screening path (<see cref="Screen"/>): a turn is one activity posted
/// to /api/messages (auth off, as with the Emulator), and counts when the next question has reached
/// the Connector stand-in named by the activity's serviceUrl.
/// </summary>
public sealed class BotFrameworkPath(ConnectorStandIn connector)
{
    private const int BareTurnsPerConversation = 20;
    private static long _conversations;
    private static long _activities;

    public Task<bool> Walk(HttpClient http, List<double> latencies, CancellationToken stop) => Converse(http, latencies, bare: false, stop);

    public Task<bool> Bare(HttpClient http, List<double> latencies, CancellationToken stop) => Converse(http, latencies, bare: true, stop);

    /// <summary>/api/messages acknowledgement times (POST to 200), for the 1 s target.</summary>
    public ConcurrentBag<double> Acknowledged { get; } = [];

    /// <returns>True when the walk reached the waiting screen (escalated).</returns>
    private async Task<bool> Converse(HttpClient http, List<double> latencies, bool bare, CancellationToken stop)
    {
        var conversation = "bench-" + Interlocked.Increment(ref _conversations);
        var inbox = connector.Open(conversation);
        try
        {
            var started = Stopwatch.GetTimestamp();
            await PostAsync(http, Joined(conversation), stop);
            var prompt = await Inbox.NextQuestionAsync(inbox, "suggestedActions", stop);
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            var turns = 1;
            while (!stop.IsCancellationRequested && (!bare || turns < BareTurnsPerConversation))
            {
                var option = Screen.Choose([.. prompt["suggestedActions"]!["actions"]!.AsArray()
                    .Select(a => new Screen.Option((string)a!["value"]!, (string)a["title"]!))]);
                if (option is null)
                {
                    return true;   // waiting for an operator: this person's walk is done
                }
                var at = Stopwatch.GetTimestamp();
                await PostAsync(http, Pressed(conversation, option), stop);
                prompt = await Inbox.NextQuestionAsync(inbox, "suggestedActions", stop);
                latencies.Add(Stopwatch.GetElapsedTime(at).TotalMilliseconds);
                turns++;
            }
            return false;
        }
        finally
        {
            connector.Close(conversation);
        }
    }

    private async Task PostAsync(HttpClient http, JsonObject activity, CancellationToken stop)
    {
        using var content = new StringContent(activity.ToJsonString(), Encoding.UTF8, "application/json");
        var at = Stopwatch.GetTimestamp();
        using var response = await http.PostAsync("api/messages", content, stop);
        response.EnsureSuccessStatusCode();
        Acknowledged.Add(Stopwatch.GetElapsedTime(at).TotalMilliseconds);
    }

    private JsonObject Activity(string conversation, string type) => new()
    {
        ["type"] = type,
        ["id"] = "act-" + Interlocked.Increment(ref _activities),
        ["timestamp"] = DateTimeOffset.UtcNow,
        ["channelId"] = "emulator",
        ["serviceUrl"] = connector.Url,
        ["from"] = new JsonObject { ["id"] = "user-" + conversation, ["name"] = "User", ["role"] = "user" },
        ["recipient"] = new JsonObject { ["id"] = "bot", ["name"] = "Bot", ["role"] = "bot" },
        ["conversation"] = new JsonObject { ["id"] = conversation },
        ["locale"] = "en-US",
    };

    /// <summary>The person joined: the bot greets.</summary>
    private JsonObject Joined(string conversation)
    {
        var activity = Activity(conversation, "conversationUpdate");
        activity["membersAdded"] = new JsonArray(new JsonObject { ["id"] = "user-" + conversation, ["name"] = "User" });
        return activity;
    }

    private JsonObject Pressed(string conversation, string option)
    {
        var activity = Activity(conversation, "message");
        activity["value"] = option;
        return activity;
    }
}

/// <summary>A lean Connector stand-in on loopback: takes every reply activity, hands each conversation's to its reader.</summary>
public sealed class ConnectorStandIn : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Channel<JsonObject>> _conversations = new();
    private long _ids;

    public string Url { get; private set; } = "";

    private ConnectorStandIn()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        _app = builder.Build();
        async Task<IResult> Receive(string conversation, HttpRequest request)
        {
            var activity = (await JsonNode.ParseAsync(request.Body))?.AsObject() ?? [];
            if (_conversations.TryGetValue(conversation, out var inbox))
            {
                inbox.Writer.TryWrite(activity);
            }
            return Results.Text($"{{\"id\":\"{Interlocked.Increment(ref _ids)}\"}}", "application/json");
        }
        _app.MapPost("/v3/conversations/{conversation}/activities", Receive);
        _app.MapPost("/v3/conversations/{conversation}/activities/{replyTo}", (string conversation, string replyTo, HttpRequest request) => Receive(conversation, request));
    }

    public static async Task<ConnectorStandIn> StartAsync()
    {
        var connector = new ConnectorStandIn();
        await connector._app.StartAsync();
        connector.Url = connector._app.Urls.First();
        return connector;
    }

    public ChannelReader<JsonObject> Open(string conversation) =>
        _conversations.GetOrAdd(conversation, _ => Channel.CreateUnbounded<JsonObject>()).Reader;

    public void Close(string conversation) => _conversations.TryRemove(conversation, out _);

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
