using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Bot.Dialogs;
using Bot.Host.Storage;
using Bot.Host.Turns;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.Features;

namespace Bot.Host.Channels.WebChat;

public sealed class WebChatOptions
{
    /// <summary>Where the quick-exit button leaves for: a neutral site.</summary>
    public string ExitUrl { get; set; } = "https://www.google.com/search?q=weather";
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(30);
    /// <summary>No token of a conversation lives longer than this after its first, however often it is refreshed.</summary>
    public TimeSpan TokenMaxAge { get; set; } = TimeSpan.FromHours(8);
    /// <summary>Memory for all conversations' echoes together.</summary>
    public long EchoBudgetBytes { get; set; } = 8 * 1024 * 1024;
}

/// <summary>
/// The embedded web chat's API, shaped as Direct Line 3.0 (conversations, activities, watermark),
/// so Microsoft's Web Chat client can later use it unchanged.
/// </summary>
public static class WebChatApi
{
    public const string Channel = "webchat";
    private const int MaxBodyBytes = 64 * 1024;
    private const int MaxTextLength = 4096;

    public static IHostApplicationBuilder AddWebChat(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WebChatOptions>().BindConfiguration("WebChat");
        builder.Services.AddSingleton<FinalReplies>();
        builder.Services.AddSingleton<Tokens>();
        builder.Services.AddSingleton<Echoes>();
        return builder;
    }

    public static WebApplication MapWebChat(this WebApplication app)
    {
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.MapGet("/webchat/settings", (Microsoft.Extensions.Options.IOptions<WebChatOptions> options) =>
            TypedResults.Ok(new { exitUrl = options.Value.ExitUrl }));

        var api = app.MapGroup("/v3/directline");
        api.MapPost("/conversations", StartConversation).RequireRateLimiting(PublicEndpoints.NewConversationPolicy);
        api.MapPost("/tokens/generate", StartConversation).RequireRateLimiting(PublicEndpoints.NewConversationPolicy);
        api.MapPost("/tokens/refresh", RefreshToken);
        api.MapGet("/conversations/{id}", Reconnect);
        api.MapPost("/conversations/{id}/activities", PostActivity);
        api.MapGet("/conversations/{id}/activities", GetActivities);
        return app;
    }

    private static async Task<IResult> StartConversation(HttpContext http, ConversationService conversations, Tokens tokens)
    {
        // Direct Line clients (botframework-directlinejs, Web Chat) start with a token from /tokens/generate:
        // that token names a conversation already started, which they then open here. One that was forgotten stays gone.
        if (http.Request.Headers.Authorization.Count > 0)
        {
            return await tokens.AuthorizeAsync(http, id: null) is { } own
                ? TypedResults.Created($"/v3/directline/conversations/{own.ConversationId}", tokens.Issue(own))
                : TypedResults.Unauthorized();
        }
        var locale = await StartLocaleAsync(http);
        var id = Base64Url(RandomNumberGenerator.GetBytes(16));
        await conversations.HandleAsync(id, Channel, UserTurn.Typed("/start", locale), cancel: http.RequestAborted);
        return TypedResults.Created($"/v3/directline/conversations/{id}", tokens.IssueFirst(id));
    }

    /// <summary>The locale of Direct Line's conversationStartProperties, else the browser's Accept-Language.</summary>
    private static async Task<string?> StartLocaleAsync(HttpContext http)
    {
        if (http.Request.ContentLength is > 0 and <= 4096 && http.Request.HasJsonContentType())
        {
            try
            {
                var body = await JsonSerializer.DeserializeAsync<JsonElement>(http.Request.Body, ActivityJson.Options, http.RequestAborted);
                if (body.ValueKind == JsonValueKind.Object && body.TryGetProperty("locale", out var locale) && locale.ValueKind == JsonValueKind.String)
                {
                    return locale.GetString();
                }
            }
            catch (JsonException)
            {
                // a start request's body is optional: fall back to the browser's language
            }
        }
        return http.Request.GetTypedHeaders().AcceptLanguage.OrderByDescending(l => l.Quality ?? 1).FirstOrDefault()?.Value.Value;
    }

    /// <summary>Direct Line's reconnect: a fresh token for the caller's own conversation.</summary>
    private static async Task<IResult> Reconnect(string id, HttpContext http, Tokens tokens) =>
        await tokens.AuthorizeAsync(http, id) is { } grant ? TypedResults.Ok(tokens.Issue(grant)) : TypedResults.Unauthorized();

    private static async Task<IResult> RefreshToken(HttpContext http, Tokens tokens) =>
        await tokens.AuthorizeAsync(http, id: null) is { } grant ? TypedResults.Ok(tokens.Issue(grant)) : TypedResults.Unauthorized();

    private static async Task<IResult> PostActivity(string id, HttpContext http, ConversationService conversations, Tokens tokens, FinalReplies finals,
        Echoes echoes, BlockedConversations blocked, ConversationStore store)
    {
        var authorized = await tokens.AuthorizeAsync(http, id) is not null;
        // A block ends the conversation's tokens, but whoever holds the phone can still leave and erase (/exit, /forget).
        if (!authorized && !(blocked.Contains(id) && tokens.Read(http, id) is not null))
        {
            return TypedResults.Unauthorized();
        }
        var (activity, error) = await ActivityJson.ReadAsync(http, MaxBodyBytes);
        if (error is not null)
        {
            return error;
        }
        if (!authorized && !(activity!.Type == "message" && ConversationService.IsLeaving(ToTurn(activity))))
        {
            return TypedResults.Unauthorized();
        }
        var activityId = $"{id}|u{Base64Url(RandomNumberGenerator.GetBytes(6))}";
        if (activity!.ChannelData is { ValueKind: JsonValueKind.Object } data && data.TryGetProperty("clientActivityID", out _))
        {
            // Web Chat marks its message sent when it reads it back; the echo lives in memory only.
            var last = await store.LastReplyAsync(id, http.RequestAborted);
            echoes.Add(id, last, activity with { Id = activityId, Conversation = new ConversationAccount(id), Timestamp = DateTimeOffset.UtcNow, ChannelId = Channel });
        }
        if (activity.Type != "message")
        {
            return TypedResults.Ok(new { id = activityId });   // typing, events: nothing to do
        }
        var result = await conversations.HandleAsync(id, Channel, ToTurn(activity), client: ClientAddress.Of(http), cancel: http.RequestAborted);
        if (result!.Effect != TurnEffect.None)
        {
            echoes.Forget(id);
        }
        if (result.Effect == TurnEffect.Forget)
        {
            finals.Keep(id, result.Messages);   // the page shows that all is erased; a quick exit's page has already left
        }
        if (result.Effect == TurnEffect.QuickExit)
        {
            // Whatever the page kept in this browser (cache, storage) goes too, even if its script could not wipe it.
            http.Response.Headers["Clear-Site-Data"] = "\"cache\", \"storage\"";
        }
        return TypedResults.Ok(new { id = activityId });
    }

    private static async Task<IResult> GetActivities(string id, string? watermark, HttpContext http, ConversationStore store, Tokens tokens, FinalReplies finals,
        Echoes echoes, Sealed secrets)
    {
        if (await tokens.AuthorizeAsync(http, id) is null)
        {
            // After /forget the conversation is gone and its tokens with it; its own token may read the last words once.
            return tokens.Read(http, id) is not null && finals.Take(id) is { Count: > 0 } last
                ? TypedResults.Ok(new
                {
                    activities = last.Select((m, i) => ToActivity(id, "f" + i.ToString(CultureInfo.InvariantCulture), DateTime.UtcNow, m)).ToList(),
                    watermark,
                })
                : TypedResults.Unauthorized();
        }
        // The watermark is the last reply's outbox id, then ".n" once echoes were read: n is the last echo seen.
        var parts = (watermark ?? "").Split('.');
        var after = long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var w) ? w : 0;
        var echoesSeen = parts.Length > 1 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var e) ? e : 0;
        var rows = await store.RepliesAfterAsync(id, after, take: 100, http.RequestAborted);
        var replies = rows.Select(row => (Position: row.Id, Order: 0L, Activity: ToActivity(id, row.Id.ToString("D7", CultureInfo.InvariantCulture),
            row.CreatedAt, row.Message(secrets))));
        var echoed = echoes.After(id, echoesSeen);
        var activities = replies.Concat(echoed.Select(x => (Position: x.AfterReply, Order: x.Sequence, x.Activity)))
            .OrderBy(x => x.Position).ThenBy(x => x.Order).Select(x => x.Activity)
            .ToList();
        var next = (rows.Count > 0 ? rows[^1].Id : after).ToString(CultureInfo.InvariantCulture);
        var lastEcho = echoed.Count > 0 ? echoed[^1].Sequence : echoesSeen;
        return TypedResults.Ok(new { activities, watermark = lastEcho > 0 ? $"{next}.{lastEcho.ToString(CultureInfo.InvariantCulture)}" : next });
    }

    private static UserTurn ToTurn(Activity activity)
    {
        var locale = activity.Locale;
        if (activity.Value is { ValueKind: JsonValueKind.String } value)
        {
            return UserTurn.Pressed(value.GetString()!, locale);
        }
        var text = activity.Text ?? "";
        // Over-long or control-character text is not an answer: the bot asks again, clearly.
        text = text.Length > MaxTextLength ? "" : new string(text.Where(c => !char.IsControl(c) || c == '\n').ToArray());
        return UserTurn.Typed(text, locale);
    }

    private static Activity ToActivity(string conversationId, string sequence, DateTime at, BotMessage message) => new()
    {
        Type = "message",
        Id = $"{conversationId}|{sequence}",
        Timestamp = new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)),
        ChannelId = Channel,
        // An operator's words come from "operator", named by their name line: the page gives them a bubble of their own.
        From = message.From is { } who ? new ChannelAccount("operator", who, "bot") : new ChannelAccount("bot", "Bot", "bot"),
        Conversation = new ConversationAccount(conversationId),
        Text = message.Text,
        SuggestedActions = message.Options.Count == 0 ? null
            : new SuggestedActions(message.Options.Select(o => new CardAction("postBack", o.Label, o.Id)).ToList()),
    };

    internal static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>
/// The last words after /forget, when nothing of the conversation may stay in the database:
/// kept in memory for the next poll only.
/// </summary>
public sealed class FinalReplies
{
    private readonly ConcurrentDictionary<string, IReadOnlyList<BotMessage>> _replies = new();

    private const int Limit = 10_000;   // pages closed before their last poll must not pile up

    public void Keep(string id, IReadOnlyList<BotMessage> messages)
    {
        if (_replies.Count >= Limit)
        {
            _replies.Clear();
        }
        _replies[id] = messages;
    }

    public IReadOnlyList<BotMessage> Take(string id) => _replies.TryRemove(id, out var messages) ? messages : [];
}
