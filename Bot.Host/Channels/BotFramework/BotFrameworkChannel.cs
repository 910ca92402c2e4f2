using System.Text.Json;
using Bot.Dialogs;
using Bot.Host.Turns;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

namespace Bot.Host.Channels.BotFramework;

/// <summary>
/// The Bot Framework endpoint: Azure Bot Service (Web Chat, Teams, Messenger, Slack…) or the Emulator
/// posts Activities to /api/messages; replies go back through the Connector API from the outbox.
/// </summary>
public static class BotFrameworkChannel
{
    public const string Channel = "botframework";
    private const int MaxBodyBytes = 256 * 1024;
    /// <summary>Far above any channel's real ids (Teams' are the longest, a few hundred characters).</summary>
    private const int MaxIdLength = 1024;

    public static IHostApplicationBuilder AddBotFrameworkChannel(this IHostApplicationBuilder builder)
    {
        // The Bot Framework's own top-level names: MicrosoftAppId, MicrosoftAppPassword, MicrosoftAppType, MicrosoftAppTenantId.
        builder.Services.AddOptions<BotFrameworkOptions>()
            .Bind(builder.Configuration)
            .BindConfiguration("BotFramework")
            .Validate(o => !string.Equals(o.MicrosoftAppType, "UserAssignedMSI", StringComparison.OrdinalIgnoreCase),
                "MicrosoftAppType UserAssignedMSI is not supported: use MultiTenant or SingleTenant with MicrosoftAppPassword")
            .Validate(o => !o.Authenticates || !string.IsNullOrEmpty(o.MicrosoftAppPassword), "MicrosoftAppId is set but MicrosoftAppPassword is empty")
            .Validate(o => !(o.Authenticates && o.EmulatorMode), "BotFramework:EmulatorMode=true is for local work without MicrosoftAppId: unset one of them")
            .ValidateOnStart();
        // No request logging on these clients: a Connector URL carries the conversation id.
        builder.Services.AddHttpClient("BotFrameworkMetadata").RemoveAllLoggers();
        builder.Services.AddHttpClient(ConnectorSender.HttpClientName).RemoveAllLoggers()
            .AddStandardResilienceHandler(o =>
            {
                // Retries transient failures with backoff; a 429's Retry-After is waited as told.
                o.Retry.Delay = TimeSpan.FromMilliseconds(500);
                o.Retry.ShouldRetryAfterHeader = true;
            });
        builder.Services.AddSingleton<BotFrameworkAuth>();
        builder.Services.AddSingleton<ConnectorTokens>();
        builder.Services.AddSingleton<ConnectorSender>();
        builder.Services.AddSingleton<IChannelSender>(services => services.GetRequiredService<ConnectorSender>());
        return builder;
    }

    public static WebApplication MapBotFramework(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<BotFrameworkOptions>>().Value;
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(BotFrameworkChannel));
        if (options.EmulatorMode && !app.Environment.IsDevelopment())
        {
            log.LogWarning("BOT FRAMEWORK EMULATOR MODE IS ON in {Environment}: /api/messages takes unauthenticated activities from loopback. " +
                "Behind a reverse proxy on this machine that is anyone on the internet. Set MicrosoftAppId, or BotFramework:EmulatorMode=false",
                app.Environment.EnvironmentName);
        }
        else if (!options.Authenticates && !options.EmulatorMode)
        {
            log.LogInformation("Bot Framework channel off: no MicrosoftAppId (BotFramework:EmulatorMode=true for the Emulator)");
        }
        app.MapPost("/api/messages", ReceiveAsync);
        return app;
    }

    private static async Task<IResult> ReceiveAsync(HttpContext http, IOptions<BotFrameworkOptions> options, BotFrameworkAuth auth,
        ConversationService conversations, ConnectorSender sender, ILoggerFactory logs, IHostApplicationLifetime lifetime)
    {
        var authenticates = options.Value.Authenticates;
        var authorization = http.Request.Headers.Authorization.ToString();
        if (authenticates && string.IsNullOrEmpty(authorization))
        {
            return TypedResults.Unauthorized();
        }
        // Neither an app id nor the explicit Emulator mode: the endpoint is off. The peer address never decides it.
        if (!authenticates && !(options.Value.EmulatorMode && BotFrameworkAuth.FromLoopback(http)))
        {
            return TypedResults.StatusCode(StatusCodes.Status403Forbidden);
        }
        var (activity, error) = await ActivityJson.ReadAsync(http, MaxBodyBytes);
        if (error is not null)
        {
            return error;
        }
        if (authenticates)
        {
            var outcome = await auth.ValidateAsync(authorization, activity!, http.RequestAborted);
            if (outcome != AuthOutcome.Valid)
            {
                return outcome == AuthOutcome.Forbidden ? TypedResults.StatusCode(StatusCodes.Status403Forbidden) : TypedResults.Unauthorized();
            }
        }
        else if (!Uri.TryCreate(activity!.ServiceUrl, UriKind.Absolute, out var local) || !local.IsLoopback)
        {
            // Without a token nothing vouches for the serviceUrl: only the Emulator on this machine is answered.
            return TypedResults.BadRequest();
        }
        if (!WellFormed(activity!))
        {
            // Even a signed activity: a reply could never be delivered, and an id of kilobytes is nothing to store.
            return TypedResults.BadRequest();
        }
        var turn = ToTurn(activity!);
        if (turn is null || !Addressable(activity!))
        {
            return TypedResults.Ok();   // typing, events, the bot joining: nothing to do
        }
        var address = new BotFrameworkAddress(activity!.ServiceUrl!, activity.ChannelId!, activity.Conversation!.Id!,
            activity.Recipient!, activity.From!, activity.Id, activity.Locale);
        var key = "bf-" + Pseudonym.Of(activity.ChannelId + ":" + activity.Conversation.Id);
        var inboundId = activity.Id is null ? null : $"bf:{activity.ChannelId}:{activity.Id}";
        // The reply-to id changes with every activity: stored without it, the address stays the same (sealed once, not every turn).
        // Not the request's token: a turn that has begun is finished even if the channel hangs up (its retry is seen by its id).
        var result = await conversations.HandleAsync(key, Channel, turn, inboundId, (address with { ReplyToId = null }).ToJson(),
            address.ReplyToId is null ? null : address.ToJson(), cancel: lifetime.ApplicationStopping);
        if (result is { Effect: not TurnEffect.None, Messages.Count: > 0 })
        {
            // Quick exit and /forget keep nothing in the outbox: their last words go out now, once.
            var log = logs.CreateLogger(typeof(BotFrameworkChannel));
            _ = Task.Run(async () =>
            {
                try
                {
                    foreach (var message in result.Messages)
                    {
                        await sender.SendAsync(address, message, CancellationToken.None);
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException)
                {
                    log.LogWarning("Last reply to {ConversationKey} failed: {Error}", Pseudonym.Of(key), e.GetType().Name);
                }
            });
        }
        return TypedResults.Ok();
    }

    private static bool WellFormed(Activity activity) =>
        (activity.ServiceUrl is null || BotFrameworkAuth.CallableServiceUrl(activity.ServiceUrl))
        && new[] { activity.Id, activity.ChannelId, activity.Conversation?.Id, activity.From?.Id, activity.Recipient?.Id, activity.ReplyToId }
            .All(id => id is null || id.Length <= MaxIdLength);

    private static bool Addressable(Activity activity) =>
        !string.IsNullOrEmpty(activity.ServiceUrl) && !string.IsNullOrEmpty(activity.ChannelId)
        && !string.IsNullOrEmpty(activity.Conversation?.Id) && activity.From?.Id is not null && activity.Recipient?.Id is not null;

    private static UserTurn? ToTurn(Activity activity)
    {
        var locale = activity.Locale;
        switch (activity.Type)
        {
            case "message" when activity.Value is { ValueKind: JsonValueKind.String } value:
                return UserTurn.Pressed(value.GetString()!, locale);
            case "message":
                return UserTurn.FromTyped(activity.Text ?? "", locale);
            case "conversationUpdate" when activity.MembersAdded?.Any(m => m.Id is not null && m.Id != activity.Recipient?.Id) == true:
                return UserTurn.Typed("/start", locale);   // the person joined (not the bot): greet once
            default:
                return null;
        }
    }
}
