using Bot.Host.Storage;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Bot.Host.Channels.BotFramework;

/// <summary>What a reply needs, saved per conversation; its serviceUrl came from a validated request.</summary>
public sealed record BotFrameworkAddress(
    string ServiceUrl, string ChannelId, string ConversationId, ChannelAccount Bot, ChannelAccount User, string? ReplyToId, string? Locale)
{
    public string ToJson() => JsonSerializer.Serialize(this, ActivityJson.Options);

    public static BotFrameworkAddress FromJson(string json) => JsonSerializer.Deserialize<BotFrameworkAddress>(json, ActivityJson.Options)!;
}

/// <summary>Replies through the Connector REST API; the OutboxDispatcher calls it in order, again after a failure.</summary>
public sealed class ConnectorSender(IHttpClientFactory http, ConnectorTokens tokens) : IChannelSender
{
    public const string HttpClientName = "BotFrameworkConnector";
    // Channels that do not show suggested actions get the options as a hero card's buttons.
    private static readonly HashSet<string> CardChannels = new(["msteams", "slack", "email", "skype"], StringComparer.OrdinalIgnoreCase);

    public string Channel => BotFrameworkChannel.Channel;

    async Task<Func<BotDb, Task>?> IChannelSender.SendAsync(OutboundMessage message, CancellationToken cancel)
    {
        await SendAsync(BotFrameworkAddress.FromJson(message.Address), message.Message, cancel);
        return null;
    }

    public async Task SendAsync(BotFrameworkAddress address, Bot.Dialogs.BotMessage message, CancellationToken cancel)
    {
        var conversation = Uri.EscapeDataString(address.ConversationId);
        var url = $"{address.ServiceUrl.TrimEnd('/')}/v3/conversations/{conversation}/activities"
            + (address.ReplyToId is null ? "" : "/" + Uri.EscapeDataString(address.ReplyToId));
        // Buffered, with a Content-Length, as the Bot Framework SDKs send it: some proxies refuse a chunked body.
        var body = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(ToActivity(address, message), ActivityJson.Options));
        body.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = body };
        if (await tokens.GetAsync(cancel) is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        using var response = await http.CreateClient(HttpClientName).SendAsync(request, cancel);
        response.EnsureSuccessStatusCode();
    }

    public static Activity ToActivity(BotFrameworkAddress address, Bot.Dialogs.BotMessage message)
    {
        var actions = message.Options.Select(o => new CardAction("postBack", o.Label, o.Id)).ToList();
        var card = actions.Count > 0 && CardChannels.Contains(address.ChannelId);
        return new Activity
        {
            Type = "message",
            ChannelId = address.ChannelId,
            From = address.Bot,
            Recipient = address.User,
            Conversation = new ConversationAccount(address.ConversationId),
            ReplyToId = address.ReplyToId,
            Locale = address.Locale,
            InputHint = message.Options.Count > 0 ? "expectingInput" : "acceptingInput",
            Text = message.Shown,
            SuggestedActions = actions.Count == 0 || card ? null
                : new SuggestedActions(actions) { To = address.User.Id is { } id ? [id] : null },
            Attachments = card ? [new Attachment("application/vnd.microsoft.card.hero", new HeroCard(null, actions))] : null,
        };
    }
}

/// <summary>The bot's client-credentials token for the Connector, fetched once and reused until near its expiry.</summary>
public sealed class ConnectorTokens(IHttpClientFactory http, IOptions<BotFrameworkOptions> options, TimeProvider clock) : IDisposable
{
    private const string Scope = "https://api.botframework.com/.default";
    private readonly SemaphoreSlim _gate = new(1, 1);
    private string? _token;
    private DateTimeOffset _renewAt;

    public void Dispose() => _gate.Dispose();

    /// <summary>Null without an app id (the Emulator takes replies without a token).</summary>
    public async Task<string?> GetAsync(CancellationToken cancel)
    {
        var settings = options.Value;
        if (!settings.Authenticates)
        {
            return null;
        }
        await _gate.WaitAsync(cancel);
        try
        {
            if (_token is not null && clock.GetUtcNow() < _renewAt)
            {
                return _token;
            }
            using var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["client_id"] = settings.MicrosoftAppId!,
                ["client_secret"] = settings.MicrosoftAppPassword ?? "",
                ["scope"] = Scope,
            });
            using var response = await http.CreateClient(ConnectorSender.HttpClientName).PostAsync(settings.TokenUrl, form, cancel);
            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancel);
            _token = body.GetProperty("access_token").GetString() ?? throw new InvalidOperationException("The token endpoint returned no token");
            var lifetime = body.TryGetProperty("expires_in", out var seconds) && seconds.TryGetInt32(out var s) ? s : 3600;
            // Renew five minutes early, so a reply never leaves with a token about to lapse.
            _renewAt = clock.GetUtcNow().AddSeconds(Math.Max(0, lifetime - 300));
            return _token;
        }
        finally
        {
            _gate.Release();
        }
    }
}
