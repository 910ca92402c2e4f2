using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Bot.Host.Channels.BotFramework;

/// <summary>
/// The registration, under the Bot Framework's own top-level names. Without an app id the endpoint is off, unless
/// BotFramework:EmulatorMode asks for local work with the Emulator.
/// </summary>
public sealed class BotFrameworkOptions
{
    /// <summary>
    /// BotFramework:EmulatorMode=true: unauthenticated activities from a loopback client, answered at a loopback serviceUrl.
    /// Only ever by this setting: behind a reverse proxy on the same machine every request comes from loopback.
    /// </summary>
    public bool EmulatorMode { get; set; }

    public string? MicrosoftAppId { get; set; }
    public string? MicrosoftAppPassword { get; set; }
    /// <summary>MultiTenant (default) or SingleTenant (then MicrosoftAppTenantId names the tenant).</summary>
    public string? MicrosoftAppType { get; set; }
    public string? MicrosoftAppTenantId { get; set; }
    public string OpenIdMetadataUrl { get; set; } = "https://login.botframework.com/v1/.well-known/openidconfiguration";
    public string EmulatorOpenIdMetadataUrl { get; set; } = "https://login.microsoftonline.com/botframework.com/v2.0/.well-known/openid-configuration";
    /// <summary>Where the outbound client-credentials token comes from; empty: Microsoft Entra for the app's tenant.</summary>
    public string? TokenEndpoint { get; set; }

    public bool Authenticates => !string.IsNullOrWhiteSpace(MicrosoftAppId);

    public string TokenUrl => !string.IsNullOrWhiteSpace(TokenEndpoint) ? TokenEndpoint
        : string.Equals(MicrosoftAppType, "SingleTenant", StringComparison.OrdinalIgnoreCase) && !string.IsNullOrWhiteSpace(MicrosoftAppTenantId)
            ? $"https://login.microsoftonline.com/{MicrosoftAppTenantId}/oauth2/v2.0/token"
            : "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token";
}

public enum AuthOutcome { Valid, Unauthorized, Forbidden }

/// <summary>
/// Checks the bearer token of an inbound activity the way the Bot Framework SDKs do
/// (botbuilder-dotnet ChannelValidation, EmulatorValidation, JwtTokenExtractor).
/// </summary>
public sealed class BotFrameworkAuth
{
    private const string ChannelIssuer = "https://api.botframework.com";
    // EmulatorValidation: the Emulator's tokens come from Microsoft Entra, v1 and v2 issuers of the Bot Framework tenants.
    private static readonly string[] EmulatorIssuers =
    [
        "https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/",
        "https://login.microsoftonline.com/d6d49420-f39b-4df7-a1dc-d59a935871db/v2.0",
        "https://sts.windows.net/f8cdef31-a31e-4b4a-93e4-5f571e91255a/",
        "https://login.microsoftonline.com/f8cdef31-a31e-4b4a-93e4-5f571e91255a/v2.0",
        "https://sts.windows.net/69e9b82d-4842-4902-8d1e-abc5b98a55e8/",
        "https://login.microsoftonline.com/69e9b82d-4842-4902-8d1e-abc5b98a55e8/v2.0",
    ];
    private static readonly string[] Algorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512];

    private readonly BotFrameworkOptions _options;
    private readonly ConfigurationManager<OpenIdConnectConfiguration> _channelMetadata;
    private readonly ConfigurationManager<OpenIdConnectConfiguration> _emulatorMetadata;
    private readonly JsonWebTokenHandler _handler = new();
    private readonly ILogger<BotFrameworkAuth> _log;

    public BotFrameworkAuth(IOptions<BotFrameworkOptions> options, IHttpClientFactory http, ILogger<BotFrameworkAuth> log)
    {
        _options = options.Value;
        _log = log;
        _channelMetadata = Metadata(_options.OpenIdMetadataUrl, http);
        _emulatorMetadata = Metadata(_options.EmulatorOpenIdMetadataUrl, http);
    }

    private static ConfigurationManager<OpenIdConnectConfiguration> Metadata(string address, IHttpClientFactory http)
    {
        // Plain http only for a loopback stand-in (tests, local work).
        var requireHttps = !Uri.TryCreate(address, UriKind.Absolute, out var uri) || !uri.IsLoopback;
        return new ConfigurationManager<OpenIdConnectConfiguration>(address, new OpenIdConnectConfigurationRetriever(),
            new HttpDocumentRetriever(http.CreateClient("BotFrameworkMetadata")) { RequireHttps = requireHttps })
        {
            AutomaticRefreshInterval = TimeSpan.FromDays(1),
            RefreshInterval = TimeSpan.FromMinutes(5),   // the soonest a token with an unknown key id refetches
        };
    }

    public async Task<AuthOutcome> ValidateAsync(string? authorization, Activity activity, CancellationToken cancel)
    {
        if (authorization is null || !authorization.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return AuthOutcome.Unauthorized;
        }
        var raw = authorization["Bearer ".Length..].Trim();
        if (!_handler.CanReadToken(raw))
        {
            return AuthOutcome.Unauthorized;
        }
        JsonWebToken unverified;
        try
        {
            unverified = _handler.ReadJsonWebToken(raw);
        }
        catch (ArgumentException)
        {
            return AuthOutcome.Unauthorized;
        }
        var emulator = EmulatorIssuers.Contains(unverified.Issuer, StringComparer.Ordinal);
        var metadata = emulator ? _emulatorMetadata : _channelMetadata;
        try
        {
            var configuration = await metadata.GetConfigurationAsync(cancel);
            if (!configuration.SigningKeys.Any(k => k.KeyId == unverified.Kid))
            {
                // A key rolled over since the last fetch: JwtTokenExtractor refreshes on an unknown key id.
                metadata.RequestRefresh();
                configuration = await metadata.GetConfigurationAsync(cancel);
            }
            return await ValidateWithAsync(configuration, raw, activity, emulator);
        }
        catch (InvalidOperationException e)
        {
            _log.LogWarning("Bot Framework OpenID metadata unavailable: {Error}", e.GetType().Name);
            return AuthOutcome.Unauthorized;
        }
    }

    private async Task<AuthOutcome> ValidateWithAsync(OpenIdConnectConfiguration configuration, string raw, Activity activity, bool emulator)
    {
        var parameters = new TokenValidationParameters
        {
            ValidIssuers = emulator ? EmulatorIssuers : [ChannelIssuer],
            ValidAudience = _options.MicrosoftAppId,
            IssuerSigningKeys = configuration.SigningKeys,
            ValidAlgorithms = Algorithms,
            ClockSkew = TimeSpan.FromMinutes(5),
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
        };
        var result = await _handler.ValidateTokenAsync(raw, parameters);
        if (!result.IsValid)
        {
            _log.LogWarning("Bot Framework token refused: {Error}", result.Exception?.GetType().Name);
            return AuthOutcome.Unauthorized;
        }
        var token = (JsonWebToken)result.SecurityToken;
        if (emulator)
        {
            // EmulatorValidation: v1 tokens carry the app id in "appid", v2 in "azp".
            var version = Claim(token, "ver");
            var appId = version is null or "1.0" ? Claim(token, "appid") : version == "2.0" ? Claim(token, "azp") : null;
            return appId == _options.MicrosoftAppId ? AuthOutcome.Valid : AuthOutcome.Unauthorized;
        }
        // JwtTokenExtractor: the signing key must be endorsed for the channel the activity claims to come from.
        var key = configuration.JsonWebKeySet?.Keys.FirstOrDefault(k => k.KeyId == token.Kid);
        if (key is null || !Endorsements(key).Contains(activity.ChannelId ?? "", StringComparer.Ordinal))
        {
            _log.LogWarning("Bot Framework token refused: key not endorsed for {ChannelId}", activity.ChannelId);
            return AuthOutcome.Forbidden;
        }
        // ChannelValidation: the serviceurl claim must name the activity's serviceUrl.
        return string.Equals(Claim(token, "serviceurl"), activity.ServiceUrl, StringComparison.Ordinal)
            ? AuthOutcome.Valid : AuthOutcome.Unauthorized;
    }

    private static string? Claim(JsonWebToken token, string type) =>
        token.TryGetPayloadValue<string>(type, out var value) ? value : null;

    private static IEnumerable<string> Endorsements(JsonWebKey key) =>
        key.AdditionalData.TryGetValue("endorsements", out var value) ? value switch
        {
            JsonElement { ValueKind: JsonValueKind.Array } array => array.EnumerateArray()
                .Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!),
            IEnumerable<object> items => items.Select(i => i?.ToString() ?? ""),
            _ => [],
        } : [];

    /// <summary>Emulator mode: the Emulator on this machine only (the client address after a trusted proxy's forwarded headers).</summary>
    public static bool FromLoopback(HttpContext http) =>
        http.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote);

    /// <summary>
    /// A serviceUrl the host may ever call, in every mode: absolute http(s), no user info, query or fragment (a path
    /// suffix must stay a path: "http://127.0.0.1:9/pwn?" would turn "/v3/conversations/…" into a query string).
    /// </summary>
    public static bool CallableServiceUrl(string? serviceUrl) =>
        Uri.TryCreate(serviceUrl, UriKind.Absolute, out var url)
        && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
        && url.UserInfo.Length == 0 && !serviceUrl.Contains('?', StringComparison.Ordinal) && !serviceUrl.Contains('#', StringComparison.Ordinal);
}
