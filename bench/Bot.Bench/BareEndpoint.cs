using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Bot.Host.Channels;
using Bot.Tests.Host;

namespace Bot.Bench;

/// <summary>
/// The ceiling: the same requests parsed the same way and a reply of the same size, with no dialog
/// and no storage. Runs as its own process (this program with --bare), like the host.
/// </summary>
public static class BareEndpoint
{
    public static Task<HostProcess> StartAsync() => HostProcess.StartAsync(program: ["Bot.Bench.dll", "--bare"]);

    public static async Task RunAsync(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args.Where(a => a != "--bare").ToArray());
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var reply = JsonSerializer.SerializeToUtf8Bytes(new
        {
            activities = new[] { Question() },
            watermark = "42",
        }, ActivityJson.Options);

        app.MapGet("/health", () => "ok");
        app.MapPost("/v3/directline/conversations", () => Results.Json(new { conversationId = "bare", token = new string('t', 220), expires_in = 1800 }));
        app.MapPost("/v3/directline/conversations/{id}/activities", async (string id, HttpRequest request) =>
        {
            var activity = await JsonSerializer.DeserializeAsync<Activity>(request.Body, ActivityJson.Options);
            return activity is null || !request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.Ordinal)
                ? Results.BadRequest()
                : Results.Json(new { id = id + "|u1" });
        });
        app.MapGet("/v3/directline/conversations/{id}/activities", () => Results.Bytes(reply, "application/json"));
        await app.RunAsync();
    }

    /// <summary>A screening question as the host sends it: text and five options.</summary>
    private static Activity Question() => new()
    {
        Type = "message",
        Id = "bare|0000042",
        Timestamp = DateTimeOffset.UtcNow,
        ChannelId = "webchat",
        From = new ChannelAccount("bot", "Bot", "bot"),
        Conversation = new ConversationAccount("bare"),
        Text = "Question 3\nDoes someone else keep your passport or ID and not give it back when you ask?",
        SuggestedActions = new SuggestedActions(new[] { "yes", "no", "not-sure", "skip", "stop" }
            .Select(name => new CardAction("postBack", name, "12." + name)).ToList()),
    };
}
