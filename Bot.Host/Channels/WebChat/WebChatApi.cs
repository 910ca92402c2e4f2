using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Bot.Content;
using Bot.Dialogs;
using Bot.Host.Storage;
using Bot.Host.Turns;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

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
    /// <summary>Websites (scheme://host[:port]) whose embedded Microsoft Web Chat may call the Direct Line endpoints from the browser.</summary>
    public string[] AllowedOrigins { get; set; } = [];
    /// <summary>
    /// How often an idle stream sends Direct Line's keep-alive: below the proxy's idle timeout (nginx closes an idle proxied
    /// connection after 60 s by default) and often enough for clients to notice a dead host.
    /// </summary>
    public TimeSpan StreamKeepAlive { get; set; } = TimeSpan.FromSeconds(20);
}

/// <summary>
/// The embedded web chat's API, shaped as Direct Line 3.0 (conversations, activities, watermark),
/// so Microsoft's Web Chat client can later use it unchanged.
/// </summary>
public static partial class WebChatApi
{
    public const string Channel = "webchat";
    private const int MaxBodyBytes = 64 * 1024;
    private const int MaxUploadBytes = 16 * 1024 * 1024;   // read and dropped: a phone's photo is refused politely, not with a 413
    private const string CorsPolicy = "webchat-embedders";

    public static IHostApplicationBuilder AddWebChat(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WebChatOptions>().BindConfiguration("WebChat")
            .Validate(o => o.StreamKeepAlive > TimeSpan.Zero, "WebChat:StreamKeepAlive must be a time above zero, such as 00:00:20").ValidateOnStart();
        builder.Services.AddSingleton<FinalReplies>();
        builder.Services.AddSingleton<Tokens>();
        builder.Services.AddSingleton<Echoes>();
        builder.Services.AddSingleton<WebChatFeed>();
        builder.Services.AddSingleton<WebChatStreams>();
        builder.Services.AddHostedService(services => services.GetRequiredService<WebChatStreams>());
        builder.Services.AddSingleton<IReplyObserver>(services => services.GetRequiredService<WebChatStreams>());
        // Bearer tokens, no cookies: a site allowed here can do from the browser only what it could do from its own server.
        var origins = builder.Configuration.GetSection("WebChat:AllowedOrigins").Get<string[]>() ?? [];
        builder.Services.AddCors(cors => cors.AddPolicy(CorsPolicy, policy => policy.WithOrigins(origins).AllowAnyHeader().AllowAnyMethod()));
        return builder;
    }

    public static WebApplication MapWebChat(this WebApplication app)
    {
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });   // the stream sends Direct Line's own keep-alives
        app.UseCors();
        app.MapGet("/webchat/settings", Settings);

        var api = app.MapGroup("/v3/directline").RequireCors(CorsPolicy);
        api.MapPost("/conversations", StartConversation).RequireRateLimiting(PublicEndpoints.NewConversationPolicy);
        api.MapPost("/tokens/generate", StartConversation).RequireRateLimiting(PublicEndpoints.NewConversationPolicy);
        api.MapPost("/tokens/refresh", RefreshToken);
        api.MapGet("/conversations/{id}", Reconnect);
        api.MapPost("/conversations/{id}/activities", PostActivity);
        api.MapGet("/conversations/{id}/activities", GetActivities);
        api.MapGet("/conversations/{id}/stream", OpenStream);
        api.MapPost("/conversations/{id}/upload", Upload);
        return app;
    }

    /// <summary>
    /// What our own page needs besides the conversation: where quick exit goes, the longest message, the numbers it makes
    /// tappable (only these, from contacts.yaml), and its own few words in every language.
    /// </summary>
    private static Ok<PageSettings> Settings(Microsoft.Extensions.Options.IOptions<WebChatOptions> options, BotContent content) =>
        TypedResults.Ok(new PageSettings(
            options.Value.ExitUrl,
            UserTurn.MaxTextLength,
            [.. content.LanguageCodes.SelectMany(code => content[code].Contacts.Select(c => c.Number).Concat(content[code].Consulates.Select(c => c.Number)))
                .Distinct().OrderByDescending(n => n.Length)],
            content.LanguageCodes.ToDictionary(code => code, code => new PageWords(
                content[code].Text("web.exit"),
                content[code].Text("web.forget"),
                content[code].Text("web.too-long", ("max", UserTurn.MaxTextLength.ToString(CultureInfo.InvariantCulture))),
                content[code].Text("web.not-sent"),
                content[code].Text("forget.done"),
                content[code].Text("button.start-again")))));

    private sealed record PageSettings(string ExitUrl, int MaxLength, string[] Numbers, Dictionary<string, PageWords> Words);

    private sealed record PageWords(string Exit, string Forget, string TooLong, string NotSent, string Erased, string StartAgain);

    private static async Task<IResult> StartConversation(HttpContext http, ConversationService conversations, Tokens tokens)
    {
        // Direct Line clients (botframework-directlinejs, Web Chat) start with a token from /tokens/generate:
        // that token names a conversation already started, which they then open here. One that was forgotten stays gone.
        if (http.Request.Headers.Authorization.Count > 0)
        {
            return await tokens.AuthorizeAsync(http, id: null) is { } own
                ? TypedResults.Created($"/v3/directline/conversations/{own.ConversationId}", tokens.Issue(own, http.Request, WebChatFeed.Start))
                : TypedResults.Unauthorized();
        }
        var start = await StartTurnAsync(http);
        var id = Base64Url(RandomNumberGenerator.GetBytes(16));
        await conversations.HandleAsync(id, Channel, start, cancel: TurnCancellation(http));
        return TypedResults.Created($"/v3/directline/conversations/{id}", tokens.IssueFirst(id, http.Request));
    }

    /// <summary>
    /// /start in the locale of Direct Line's conversationStartProperties, else the first of our languages the browser's
    /// Accept-Language asks for; from our own page (its channelData) with the page's buttons named.
    /// </summary>
    private static async Task<UserTurn> StartTurnAsync(HttpContext http)
    {
        if (http.Request.ContentLength is > 0 and <= 4096 && http.Request.HasJsonContentType())
        {
            try
            {
                var body = await JsonSerializer.DeserializeAsync<Activity>(http.Request.Body, ActivityJson.Options, http.RequestAborted);
                if (body is not null)
                {
                    return UserTurn.Typed("/start", body.Locale ?? AcceptLanguage(http)) with { ExitButton = HasExitButton(body) };
                }
            }
            catch (JsonException)
            {
                // a start request's body is optional: fall back to the browser's language
            }
        }
        return UserTurn.Typed("/start", AcceptLanguage(http));
    }

    private static string? AcceptLanguage(HttpContext http) =>
        BrowserLanguage.Of(http.Request, http.RequestServices.GetRequiredService<BotContent>().LanguageCodes);

    /// <summary>Our own page marks what it sends: its header has the quick-exit and erase buttons.</summary>
    private static bool HasExitButton(Activity activity) =>
        activity.ChannelData is { ValueKind: JsonValueKind.Object } data && data.TryGetProperty("exitButton", out var flag) && flag.ValueKind == JsonValueKind.True;

    /// <summary>
    /// Direct Line's reconnect: a fresh token and a stream that replays what came after the watermark; without one, the
    /// stream carries only what comes after this request.
    /// </summary>
    private static async Task<IResult> Reconnect(string id, HttpContext http, Tokens tokens, WebChatFeed feed)
    {
        if (await tokens.AuthorizeAsync(http, id) is not { } grant)
        {
            return TypedResults.Unauthorized();
        }
        var watermark = http.Request.Query.TryGetValue("watermark", out var given)
            ? (string.IsNullOrEmpty(given) ? WebChatFeed.Start : given.ToString())
            : await feed.EndAsync(id, http.RequestAborted);
        return TypedResults.Ok(tokens.Issue(grant, http.Request, watermark));
    }

    /// <summary>
    /// The stream, authorised by its URL's short-lived token (a browser's WebSocket cannot send a header) exactly as a bearer
    /// token is; it closes the moment the conversation's access ends (/exit, /forget, a block).
    /// </summary>
    private static async Task<IResult> OpenStream(string id, string? watermark, string? t, HttpContext http, Tokens tokens, WebChatStreams streams,
        Revocations revocations)
    {
        using var watch = revocations.Watch(id, out var revoked);   // before authorising: a revocation meanwhile is not missed
        if (await tokens.AuthorizeAsync(t, id, http.RequestAborted) is null)
        {
            return TypedResults.Unauthorized();
        }
        if (!http.WebSockets.IsWebSocketRequest)
        {
            return TypedResults.BadRequest();
        }
        using var socket = await http.WebSockets.AcceptWebSocketAsync();
        await streams.RunAsync(id, string.IsNullOrEmpty(watermark) ? WebChatFeed.Start : watermark, socket, revoked, http.RequestAborted);
        return TypedResults.Empty;
    }

    private static async Task<IResult> RefreshToken(HttpContext http, Tokens tokens) =>
        await tokens.AuthorizeAsync(http, id: null) is { } grant ? TypedResults.Ok(tokens.Issue(grant)) : TypedResults.Unauthorized();

    private static async Task<IResult> PostActivity(string id, HttpContext http, ConversationService conversations, Tokens tokens, FinalReplies finals,
        Echoes echoes, BlockedConversations blocked, WebChatStreams streams, ConversationStore store)
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
        var turn = activity!.Type == "message" ? ToTurn(activity) : null;
        if (!authorized && !(turn is not null && ConversationService.IsLeaving(turn)))
        {
            return TypedResults.Unauthorized();
        }
        return await HandleAsync(id, activity, turn, http, conversations, finals, echoes, streams, store);
    }

    /// <summary>Echoes the person's activity (if their client waits for it) and runs the turn, if any; the answer is the activity's id.</summary>
    private static async Task<IResult> HandleAsync(string id, Activity activity, UserTurn? turn, HttpContext http, ConversationService conversations,
        FinalReplies finals, Echoes echoes, WebChatStreams streams, ConversationStore store)
    {
        var activityId = $"{id}|u{Base64Url(RandomNumberGenerator.GetBytes(6))}";
        var inboundId = RepeatKey(id, activity);
        if (activity.ChannelData is { ValueKind: JsonValueKind.Object } data && data.TryGetProperty("clientActivityID", out _))
        {
            // Web Chat marks its message sent when it reads it back; the echo lives in memory only.
            var last = await store.LastReplyAsync(id, http.RequestAborted);
            echoes.Add(id, last, activity with { Id = activityId, Conversation = new ConversationAccount(id), Timestamp = DateTimeOffset.UtcNow, ChannelId = Channel });
            streams.Changed(id);
        }
        if (turn is null)
        {
            return TypedResults.Ok(new { id = activityId });   // typing, events: nothing to do
        }
        streams.Typing(id);
        var result = await conversations.HandleAsync(id, Channel, turn, inboundId, client: ClientAddress.Of(http), cancel: TurnCancellation(http));
        if (result is null)
        {
            return TypedResults.Ok(new { id = activityId });   // sent again: handled the first time
        }
        if (result.Effect != TurnEffect.None)
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

    /// <summary>
    /// What makes an activity sent again (Web Chat's "Retry", our page's own second try after a POST whose answer was lost) a
    /// repeat, handled once: the client's id for it (Web Chat's clientActivityID, our page's messageId), with the conversation,
    /// the pressed value and the text's length (no word of it), so a client that reuses one id for different messages loses none.
    /// </summary>
    private static string? RepeatKey(string id, Activity activity) =>
        activity.ChannelData is { ValueKind: JsonValueKind.Object } data
        && (data.TryGetProperty("clientActivityID", out var clientId) || data.TryGetProperty("messageId", out clientId))
            ? "webchat:" + Pseudonym.Of(string.Join('\n', id, clientId.ToString(), activity.Value?.ToString() ?? "",
                (activity.Text?.Length ?? 0).ToString(CultureInfo.InvariantCulture)))
            : null;

    /// <summary>
    /// Not the request's token: a turn that has begun is finished even if the client hangs up (a phone that lost its signal, a
    /// client that gave up on a slow POST), so a message whose echo was shown is not lost; Web Chat's "Retry" of it is then seen
    /// by its clientActivityID and not handled twice.
    /// </summary>
    private static CancellationToken TurnCancellation(HttpContext http) =>
        http.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;

    /// <summary>
    /// Web Chat's attachment upload. Files are not read or kept: their bytes are dropped as they arrive, and the person is
    /// told so in their language, with the question again.
    /// </summary>
    private static async Task<IResult> Upload(string id, HttpContext http, ConversationService conversations, Tokens tokens, FinalReplies finals,
        Echoes echoes, WebChatStreams streams, ConversationStore store)
    {
        if (await tokens.AuthorizeAsync(http, id) is null)
        {
            return TypedResults.Unauthorized();
        }
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxUploadBytes;
        }
        var activity = new Activity { Type = "message", From = new ChannelAccount("user", Role: "user") };
        try
        {
            if (Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var type)
                && Microsoft.Net.Http.Headers.HeaderUtilities.RemoveQuotes(type.Boundary).Value is { Length: > 0 and <= 200 } boundary)
            {
                var reader = new Microsoft.AspNetCore.WebUtilities.MultipartReader(boundary, http.Request.Body) { BodyLengthLimit = MaxUploadBytes };
                var drop = new byte[16 * 1024];
                while (await reader.ReadNextSectionAsync(http.RequestAborted) is { } section)
                {
                    if (section.ContentType?.StartsWith("application/vnd.microsoft.activity", StringComparison.OrdinalIgnoreCase) == true
                        && await ActivityJson.ReadAsync(section.Body, MaxBodyBytes, http.RequestAborted) is { } sent)
                    {
                        // The person's words, for the echo only; the files and their names are dropped.
                        activity = sent with { Attachments = null };
                        continue;
                    }
                    while (await section.Body.ReadAsync(drop, http.RequestAborted) > 0)
                    {
                    }
                }
            }
            else
            {
                await http.Request.Body.CopyToAsync(Stream.Null, http.RequestAborted);
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            return TypedResults.BadRequest();
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return PublicEndpoints.PayloadTooLarge(http);
        }
        return await HandleAsync(id, activity, UserTurn.Unreadable(activity.Locale), http, conversations, finals, echoes, streams, store);
    }

    /// <param name="wait">Long polling (the embedded page where WebSockets are blocked): with nothing new, wait up to 25 s for it.</param>
    private static async Task<IResult> GetActivities(string id, string? watermark, bool? wait, HttpContext http, Tokens tokens, WebChatFeed feed,
        WebChatStreams streams, FinalReplies finals, Revocations revocations)
    {
        using var watch = revocations.Watch(id, out var revoked);   // a long poll ends, like a stream, when the person leaves
        if (await tokens.AuthorizeAsync(http, id) is not null)
        {
            using var waiting = CancellationTokenSource.CreateLinkedTokenSource(revoked, http.RequestAborted);
            var changed = wait == true ? streams.WaitAsync(id, waiting.Token) : null;   // before reading: a change meanwhile is not missed
            var set = await feed.ReadAsync(id, watermark, http.RequestAborted);
            if (changed is not null && set.Activities.Count == 0)
            {
                var checkAccess = await changed;
                if (!revoked.IsCancellationRequested && (!checkAccess || await tokens.AuthorizeAsync(http, id) is not null))
                {
                    return TypedResults.Ok(await feed.ReadAsync(id, watermark, http.RequestAborted));
                }
            }
            else
            {
                return TypedResults.Ok(set);
            }
        }
        // After /forget the conversation is gone and its tokens with it; its own token may read the last words once.
        return tokens.Read(http, id) is not null && finals.Take(id) is { Count: > 0 } last
            ? TypedResults.Ok(new ActivitySet(
                last.Select((m, i) => ToActivity(id, "f" + i.ToString(CultureInfo.InvariantCulture), DateTime.UtcNow, m)).ToList(), watermark ?? WebChatFeed.Start))
            : TypedResults.Unauthorized();
    }
}

/// <summary>A conversation's activities after a watermark: replies from the outbox and the person's echoes.</summary>
public sealed class WebChatFeed(ConversationStore store, Echoes echoes, Sealed secrets)
{
    /// <summary>The watermark before anything of a conversation.</summary>
    public const string Start = "0";

    /// <summary>The watermark after everything there is now.</summary>
    public async Task<string> EndAsync(string id, CancellationToken cancel)
    {
        var last = await store.LastReplyAsync(id, cancel);
        return $"{last.ToString(CultureInfo.InvariantCulture)}.{echoes.Sequence.ToString(CultureInfo.InvariantCulture)}";
    }

    public async Task<ActivitySet> ReadAsync(string id, string? watermark, CancellationToken cancel)
    {
        // The watermark is the last reply's outbox id, then ".n" once echoes were read: n is the last echo seen.
        var parts = (watermark ?? "").Split('.');
        var after = long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var w) ? w : 0;
        var echoesSeen = parts.Length > 1 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var e) ? e : 0;
        var rows = await store.RepliesAfterAsync(id, after, take: 100, cancel);
        var replies = rows.Select(row => (Position: row.Id, Order: 0L, Activity: WebChatApi.ToActivity(id, row.Id.ToString("D7", CultureInfo.InvariantCulture),
            row.CreatedAt, row.Message(secrets))));
        var echoed = echoes.After(id, echoesSeen);
        var activities = replies.Concat(echoed.Select(x => (Position: x.AfterReply, Order: x.Sequence, x.Activity)))
            .OrderBy(x => x.Position).ThenBy(x => x.Order).Select(x => x.Activity)
            .ToList();
        var next = (rows.Count > 0 ? rows[^1].Id : after).ToString(CultureInfo.InvariantCulture);
        var lastEcho = echoed.Count > 0 ? echoed[^1].Sequence : echoesSeen;
        return new ActivitySet(activities, lastEcho > 0 ? $"{next}.{lastEcho.ToString(CultureInfo.InvariantCulture)}" : next);
    }
}

public static partial class WebChatApi
{
    private static UserTurn ToTurn(Activity activity)
    {
        var locale = activity.Locale;
        if (activity.Value is { ValueKind: JsonValueKind.String } value)
        {
            return UserTurn.Pressed(value.GetString()!, locale) with { ExitButton = HasExitButton(activity) };
        }
        // Web Chat sends a postBack's string value as the text, marked in channelData.
        if (activity.ChannelData is { ValueKind: JsonValueKind.Object } data && data.TryGetProperty("postBack", out var postBack)
            && postBack.ValueKind == JsonValueKind.True && activity.Text is { Length: > 0 } pressed)
        {
            return UserTurn.Pressed(pressed, locale);
        }
        return UserTurn.FromTyped(activity.Text ?? "", locale) with { ExitButton = HasExitButton(activity) };
    }

    internal static Activity ToActivity(string conversationId, string sequence, DateTime at, BotMessage message) => new()
    {
        Type = "message",
        Id = $"{conversationId}|{sequence}",
        Timestamp = new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)),
        ChannelId = Channel,
        // An operator's words come from "operator", named by their name line: the page gives them a bubble of their own.
        From = message.From is { } who ? new ChannelAccount("operator", who, "bot") : new ChannelAccount("bot", "Bot", "bot"),
        Conversation = new ConversationAccount(conversationId),
        Text = message.Text,
        Locale = message.Language,
        SuggestedActions = message.Options.Count == 0 ? null
            // messageBack, not postBack: Web Chat shows and reads out the button's words as the person's message, never the option's id
            // (it hides a postBack in the transcript but its screen-reader region still says "You said: 2.safe").
            : new SuggestedActions(message.Options.Select(o => new CardAction("messageBack", o.Label, o.Id) { DisplayText = o.Label }).ToList()),
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
