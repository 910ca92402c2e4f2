using System.Net.Http.Json;
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
    public static Task<HostProcess> StartAsync(string botApi) =>
        HostProcess.StartAsync(settings: new Dictionary<string, string> { ["Bench:BotApi"] = botApi }, program: ["Bot.Bench.dll", "--bare"]);

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

        // Telegram: the same update parsed by the same library, and a question of the same size sent back.
        using var botApi = new HttpClient { BaseAddress = new Uri(app.Configuration["Bench:BotApi"] + "/bot" + TelegramPath.Token + "/") };
        app.MapPost("/telegram/webhook", async (HttpRequest request) =>
        {
            if (request.Headers["X-Telegram-Bot-Api-Secret-Token"] != TelegramPath.Secret)
            {
                return Results.Unauthorized();
            }
            var update = await JsonSerializer.DeserializeAsync<Telegram.Bot.Types.Update>(request.Body, Telegram.Bot.JsonBotAPI.Options);
            var chat = update?.Message?.Chat.Id ?? update?.CallbackQuery?.Message?.Chat.Id ?? 0;
            using var sent = await botApi.PostAsync("sendMessage", JsonContent.Create(TelegramQuestion(chat)));
            sent.EnsureSuccessStatusCode();
            return Results.Ok();
        });

        // Bot Framework: the same Activity read the same way, and a reply of the same size posted to its serviceUrl.
        using var connector = new HttpClient();
        app.MapPost("/api/messages", async (HttpContext http) =>
        {
            var (activity, error) = await ActivityJson.ReadAsync(http, 256 * 1024);
            if (error is not null)
            {
                return error;
            }
            if (activity!.ServiceUrl is null || activity.Conversation?.Id is null || activity.From is null || activity.Recipient is null)
            {
                return Results.Ok();
            }
            var address = new Bot.Host.Channels.BotFramework.BotFrameworkAddress(activity.ServiceUrl, activity.ChannelId ?? "emulator",
                activity.Conversation.Id, activity.Recipient, activity.From, activity.Id, activity.Locale);
            var reply = Bot.Host.Channels.BotFramework.ConnectorSender.ToActivity(address, BotFrameworkQuestion);
            var url = $"{address.ServiceUrl.TrimEnd('/')}/v3/conversations/{Uri.EscapeDataString(address.ConversationId)}/activities/{Uri.EscapeDataString(activity.Id ?? "")}";
            using var sent = await connector.PostAsync(url, JsonContent.Create(reply, options: ActivityJson.Options));
            sent.EnsureSuccessStatusCode();
            return Results.Ok();
        });
        await app.RunAsync();
    }

    private static readonly Bot.Dialogs.BotMessage BotFrameworkQuestion = new(
        "Question 3\nDoes someone else keep your passport or ID and not give it back when you ask?",
        [.. new[] { "yes", "no", "not-sure", "skip", "stop" }.Select(name => new Bot.Dialogs.BotOption("12." + name, name))]);

    private static object TelegramQuestion(long chat) => new
    {
        chat_id = chat,
        text = "Question 3\nDoes someone else keep your passport or ID and not give it back when you ask?",
        reply_markup = new
        {
            inline_keyboard = new[] { "yes", "no", "not-sure", "skip", "stop" }
                .Select(name => new[] { new { text = name, callback_data = "12." + name } }).ToArray(),
        },
    };

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
