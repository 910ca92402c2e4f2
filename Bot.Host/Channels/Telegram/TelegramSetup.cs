using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bot.Content;
using Bot.Dialogs;
using Bot.Host.Turns;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Telegram.Bot;
using Telegram.Bot.Types;

namespace Bot.Host.Channels.Telegram;

public static class TelegramSetup
{
    public const string WebhookPath = "/telegram/webhook";
    private const string SecretHeader = "X-Telegram-Bot-Api-Secret-Token";
    /// <summary>An update holds at most 4096 characters of text and a quoted message: far below this.</summary>
    private const int MaxBodyBytes = 256 * 1024;

    /// <summary>The Telegram channel, when Telegram:BotToken is set: polling, or a webhook with Telegram:WebhookUrl.</summary>
    public static IHostApplicationBuilder AddTelegramChannel(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IValidateOptions<TelegramOptions>, TelegramOptionsValidator>();
        builder.Services.AddOptions<TelegramOptions>().BindConfiguration("Telegram").ValidateOnStart();
        var options = builder.Configuration.GetSection("Telegram").Get<TelegramOptions>() ?? new TelegramOptions();
        if (!options.Enabled)
        {
            return builder;
        }

        builder.Services.AddHttpClient("telegram", http => http.Timeout = TimeSpan.FromSeconds(options.PollingTimeout + 30))
            .RemoveAllLoggers()   // the request URL holds the bot token
            .AddResilienceHandler("telegram", pipeline => pipeline.AddRetry(new HttpRetryStrategyOptions
            {
                // Only what never reached Telegram is retried here, so a retry can never send a reply twice;
                // 429 is retried by Telegram.Bot itself after retry_after, anything else by the outbox later.
                ShouldHandle = arguments => ValueTask.FromResult(arguments.Outcome.Exception is HttpRequestException
                {
                    HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError,
                }),
                MaxRetryAttempts = 4,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(500),
            }));
        builder.Services.AddSingleton<ITelegramBotClient>(services =>
        {
            var o = services.GetRequiredService<IOptions<TelegramOptions>>().Value;
            var client = services.GetRequiredService<IHttpClientFactory>().CreateClient("telegram");
            var baseUrl = string.IsNullOrWhiteSpace(o.ApiBaseUrl) ? null : o.ApiBaseUrl;
            return new TelegramBotClient(new TelegramBotClientOptions(o.BotToken!, baseUrl) { RetryThreshold = 60, RetryCount = 3 }, client);
        });
        builder.Services.AddSingleton<TelegramSender>();
        builder.Services.AddSingleton<IChannelSender>(services => services.GetRequiredService<TelegramSender>());
        builder.Services.AddSingleton<UpdateHandler>();
        builder.Services.AddHostedService<TelegramStartup>();
        if (!options.UsesWebhook)
        {
            builder.Services.AddHostedService<TelegramPolling>();
        }
        if (options.OperatorChatId is not null)
        {
            builder.Services.AddSingleton<IEscalationObserver, OperatorAlerts>();
        }
        return builder;
    }

    /// <summary>POST /telegram/webhook: only Telegram knows the secret; the turn is committed before the 200.</summary>
    public static WebApplication MapTelegramWebhook(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<TelegramOptions>>().Value;
        if (!options.Enabled || !options.UsesWebhook)
        {
            return app;
        }
        var secret = Encoding.UTF8.GetBytes(options.WebhookSecret!);
        app.MapPost(WebhookPath, async (HttpContext http, UpdateHandler handler, IHostApplicationLifetime lifetime) =>
        {
            var given = Encoding.UTF8.GetBytes(http.Request.Headers[SecretHeader].ToString());
            if (!CryptographicOperations.FixedTimeEquals(given, secret))
            {
                return Results.Unauthorized();
            }
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = MaxBodyBytes;
            }
            if (http.Request.ContentLength > MaxBodyBytes)
            {
                return PublicEndpoints.PayloadTooLarge(http);
            }
            Update? update;
            try
            {
                update = await JsonSerializer.DeserializeAsync<Update>(http.Request.Body, JsonBotAPI.Options, http.RequestAborted);
            }
            catch (JsonException)
            {
                // Telegram never sends this, and resends it a while; the 4xx shows in getWebhookInfo's last_error_message.
                return Results.BadRequest();
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                return PublicEndpoints.PayloadTooLarge(http);
            }
            if (update is null)
            {
                return Results.BadRequest();
            }
            // Not the request's token: a turn that has begun is finished even if Telegram hangs up.
            await handler.HandleAsync(update, lifetime.ApplicationStopping);
            return Results.Ok();   // a failed turn throws: 500, and Telegram sends the update again later
        });
        return app;
    }
}

/// <summary>At start: the command menu in each language, and the webhook registered.</summary>
public sealed class TelegramStartup(ITelegramBotClient bot, BotContent content, TelegramSender sender, IOptions<TelegramOptions> options,
    ILogger<TelegramStartup> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (o.UsesWebhook)
        {
            await sender.BestEffortAsync("setWebhook", null, () => bot.SetWebhook(o.WebhookUrl!, secretToken: o.WebhookSecret,
                allowedUpdates: TelegramPolling.Allowed, dropPendingUpdates: false, cancellationToken: stoppingToken));
        }
        log.LogInformation("Telegram channel on: {Mode}", o.UsesWebhook ? "webhook" : "long polling");
        foreach (var code in content.LanguageCodes.Prepend(null))
        {
            var pack = content[code ?? BotContent.Original];   // no language: the default menu, in Kazakh
            var commands = Conversation.CommandNames.Select(c => new BotCommand(c[1..], pack.Text("command." + c[1..]))).ToList();
            await sender.BestEffortAsync("setMyCommands", null, () => bot.SetMyCommands(commands, languageCode: code, cancellationToken: stoppingToken));
        }
    }
}

/// <summary>One line in the operators' group per escalation: no answers, no personal data.</summary>
public sealed class OperatorAlerts(TelegramSender sender, IOptions<TelegramOptions> options, BotContent content, ILogger<OperatorAlerts> log)
    : IEscalationObserver
{
    public async Task EscalatedAsync(string conversationKey, EscalationRequest escalation, CancellationToken cancel)
    {
        var pack = content[options.Value.OperatorChatLanguage];
        var line = pack.Operator("alert.telegram", ("id", escalation.Id.ToString()[..8]),
            ("level", pack.Operator("level." + (escalation.Urgent ? nameof(Level.Urgent) : escalation.Level.ToString()))),
            ("team", pack.Operator("team." + escalation.Destination)), ("minor", pack.Operator(escalation.Minor ? "alert.yes" : "alert.no")));
        try
        {
            await sender.SendDirectAsync(options.Value.OperatorChatId!.Value, new BotMessage(line, []), cancel, alert: true);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogError("Operators' alert for escalation {EscalationId} failed: {Error}", escalation.Id, TelegramSender.Describe(e));
        }
    }
}
