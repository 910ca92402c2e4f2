using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Bot.Dialogs;
using Bot.Host.Storage;
using Bot.Host.Turns;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;

namespace Bot.Host.Channels.WebChat;

public sealed class WebChatOptions
{
    /// <summary>Where the quick-exit button leaves for: a neutral site.</summary>
    public string ExitUrl { get; set; } = "https://www.google.com/search?q=weather";
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(30);
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
        api.MapPost("/conversations/{id}/activities", PostActivity);
        api.MapGet("/conversations/{id}/activities", GetActivities);
        return app;
    }

    private static async Task<IResult> StartConversation(HttpContext http, ConversationService conversations, Tokens tokens)
    {
        var id = Base64Url(RandomNumberGenerator.GetBytes(16));
        var locale = http.Request.GetTypedHeaders().AcceptLanguage.OrderByDescending(l => l.Quality ?? 1).FirstOrDefault()?.Value.Value;
        await conversations.HandleAsync(id, Channel, UserTurn.Typed("/start", locale), cancel: http.RequestAborted);
        return TypedResults.Created($"/v3/directline/conversations/{id}", tokens.Issue(id));
    }

    private static IResult RefreshToken(HttpContext http, Tokens tokens) =>
        tokens.Authorize(http, id: null) is { } id ? TypedResults.Ok(tokens.Issue(id)) : TypedResults.Unauthorized();

    private static async Task<IResult> PostActivity(string id, HttpContext http, ConversationService conversations, Tokens tokens, FinalReplies finals)
    {
        if (tokens.Authorize(http, id) is null)
        {
            return TypedResults.Unauthorized();
        }
        var (activity, error) = await ReadActivityAsync(http);
        if (error is not null)
        {
            return error;
        }
        var activityId = $"{id}|u{Base64Url(RandomNumberGenerator.GetBytes(6))}";
        if (activity!.Type != "message")
        {
            return TypedResults.Ok(new { id = activityId });   // typing, events: nothing to do
        }
        var result = await conversations.HandleAsync(id, Channel, ToTurn(activity), cancel: http.RequestAborted);
        if (result!.Effect != TurnEffect.None)
        {
            finals.Keep(id, result.Messages);
        }
        return TypedResults.Ok(new { id = activityId });
    }

    private static async Task<IResult> GetActivities(string id, string? watermark, HttpContext http, BotDb db, Tokens tokens, FinalReplies finals)
    {
        if (tokens.Authorize(http, id) is null)
        {
            return TypedResults.Unauthorized();
        }
        var after = long.TryParse(watermark, NumberStyles.None, CultureInfo.InvariantCulture, out var w) ? w : 0;
        var rows = await db.Outbox.AsNoTracking()
            .Where(m => m.ConversationKey == id && m.Id > after)
            .OrderBy(m => m.Id).Take(100).ToListAsync(http.RequestAborted);
        var activities = rows.Select(row => ToActivity(id, row.Id.ToString("D7", CultureInfo.InvariantCulture), row.CreatedAt,
                JsonSerializer.Deserialize<BotMessage>(row.Payload, ConversationService.Json)!))
            .Concat(finals.Take(id).Select((m, i) => ToActivity(id, "f" + i.ToString(CultureInfo.InvariantCulture), DateTime.UtcNow, m)))
            .ToList();
        var next = rows.Count > 0 ? rows[^1].Id : after;
        return TypedResults.Ok(new { activities, watermark = next.ToString(CultureInfo.InvariantCulture) });
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
        From = new ChannelAccount("bot", "Bot", "bot"),
        Conversation = new ConversationAccount(conversationId),
        Text = message.Text,
        SuggestedActions = message.Options.Count == 0 ? null
            : new SuggestedActions(message.Options.Select(o => new CardAction("postBack", o.Label, o.Id)).ToList()),
    };

    private static async Task<(Activity?, IResult?)> ReadActivityAsync(HttpContext http)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }
        if (http.Request.ContentLength > MaxBodyBytes)
        {
            return (null, TypedResults.StatusCode(StatusCodes.Status413PayloadTooLarge));
        }
        try
        {
            var activity = await JsonSerializer.DeserializeAsync<Activity>(http.Request.Body, ActivityJson.Options, http.RequestAborted);
            return activity is null ? (null, TypedResults.BadRequest()) : (activity, null);
        }
        catch (JsonException)
        {
            return (null, TypedResults.BadRequest());
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TypedResults.StatusCode(StatusCodes.Status413PayloadTooLarge));
        }
    }

    internal static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>Short-lived per-conversation tokens: one conversation's token cannot read another's activities.</summary>
public sealed class Tokens(IDataProtectionProvider protection, Microsoft.Extensions.Options.IOptions<WebChatOptions> options)
{
    private readonly ITimeLimitedDataProtector _protector = protection.CreateProtector("webchat-token").ToTimeLimitedDataProtector();

    public object Issue(string conversationId) => new
    {
        conversationId,
        token = _protector.Protect(conversationId, options.Value.TokenLifetime),
        expires_in = (int)options.Value.TokenLifetime.TotalSeconds,
    };

    /// <summary>The conversation the bearer token belongs to, or null; with an id, it must be that one.</summary>
    public string? Authorize(HttpContext http, string? id)
    {
        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return null;
        }
        try
        {
            var owner = _protector.Unprotect(header["Bearer ".Length..].Trim());
            return id is null || owner == id ? owner : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}

/// <summary>
/// The last words after /exit or /forget, when nothing of the conversation may stay in the database:
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
