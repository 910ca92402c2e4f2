using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Bot.Tests.Host.BotFramework;

/// <summary>
/// Loopback stand-ins for the Bot Framework's servers: the OpenID metadata with its key set (a test RSA key
/// endorsed for some channels, another endorsed for none), the token endpoint, and a Connector that records
/// every activity the bot posts.
/// </summary>
public sealed class BotFrameworkStandIn : IAsyncDisposable
{
    public const string AppId = "11111111-2222-3333-4444-555555555555";
    public const string Issuer = "https://api.botframework.com";

    private readonly WebApplication _app;
    private readonly RsaSecurityKey _endorsed = Key("endorsed");
    private readonly RsaSecurityKey _unendorsed = Key("unendorsed");
    private readonly RsaSecurityKey _unpublished = Key("unpublished");
    private int _throttle;

    public string BaseUrl { get; private set; } = "";
    public string ServiceUrl => BaseUrl + "/connector";
    public ConcurrentQueue<(string Path, string? Authorization, JsonElement Activity)> Posted { get; } = new();
    private int _tokenRequests;
    private int _connectorCalls;
    public int TokenRequests => Volatile.Read(ref _tokenRequests);
    public int ConnectorCalls => Volatile.Read(ref _connectorCalls);
    private int _chunkedPosts;
    /// <summary>Posts that came without a Content-Length (chunked): the Bot Framework SDKs never send one.</summary>
    public int ChunkedPosts => Volatile.Read(ref _chunkedPosts);

    private BotFrameworkStandIn(WebApplication app) => _app = app;

    public static async Task<BotFrameworkStandIn> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var standIn = new BotFrameworkStandIn(app);
        standIn.Map();
        await app.StartAsync();
        standIn.BaseUrl = app.Urls.First().TrimEnd('/');
        return standIn;
    }

    /// <summary>The next N posts to the Connector are answered 429 with Retry-After: 1.</summary>
    public void Throttle(int times) => _throttle = times;

    public Dictionary<string, string> HostSettings(bool withAppId = true) => withAppId
        ? new()
        {
            ["MicrosoftAppId"] = AppId,
            ["MicrosoftAppPassword"] = "test-password",
            ["BotFramework:OpenIdMetadataUrl"] = BaseUrl + "/openid",
            ["BotFramework:EmulatorOpenIdMetadataUrl"] = BaseUrl + "/openid",
            ["BotFramework:TokenEndpoint"] = BaseUrl + "/token",
        }
        : new() { ["BotFramework:EmulatorMode"] = "true" };

    private void Map()
    {
        _app.MapGet("/openid", () => Results.Json(new
        {
            issuer = Issuer,
            jwks_uri = BaseUrl + "/keys",
            id_token_signing_alg_values_supported = new[] { "RS256" },
        }));
        _app.MapGet("/keys", () => Results.Json(new
        {
            keys = new[] { Jwk(_endorsed, ["test", "msteams", "webchat"]), Jwk(_unendorsed, []) },
        }));
        _app.MapPost("/token", async (HttpRequest request) =>
        {
            Interlocked.Increment(ref _tokenRequests);
            var form = await request.ReadFormAsync();
            return form["client_id"] == AppId && form["client_secret"] == "test-password" && form["scope"] == "https://api.botframework.com/.default"
                ? Results.Json(new { token_type = "Bearer", expires_in = 3600, access_token = "outbound-token" })
                : Results.StatusCode(401);
        });
        _app.MapPost("/connector/v3/conversations/{**rest}", async (HttpRequest request) =>
        {
            Interlocked.Increment(ref _connectorCalls);
            if (request.ContentLength is null)
            {
                Interlocked.Increment(ref _chunkedPosts);
            }
            if (Interlocked.Decrement(ref _throttle) >= 0)
            {
                request.HttpContext.Response.Headers.RetryAfter = "1";
                return Results.StatusCode((int)HttpStatusCode.TooManyRequests);
            }
            var activity = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body);
            Posted.Enqueue((request.Path.Value!, request.Headers.Authorization.ToString(), activity));
            return Results.Json(new { id = "sent-" + Posted.Count });
        });
    }

    public enum Signing { Endorsed, Unendorsed, Unpublished }

    public string Token(string? serviceUrl = null, string audience = AppId, string issuer = Issuer, DateTime? expires = null,
        Signing signing = Signing.Endorsed)
    {
        var key = signing switch { Signing.Unendorsed => _unendorsed, Signing.Unpublished => _unpublished, _ => _endorsed };
        var expiry = expires ?? DateTime.UtcNow.AddMinutes(30);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            NotBefore = expiry.AddHours(-1),
            IssuedAt = expiry.AddHours(-1),
            Expires = expiry,
            Claims = new Dictionary<string, object> { ["serviceurl"] = serviceUrl ?? ServiceUrl },
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
    }

    private static RsaSecurityKey Key(string id) => new(RSA.Create(2048)) { KeyId = id };

    private static Dictionary<string, object> Jwk(RsaSecurityKey key, string[] endorsements)
    {
        var parameters = key.Rsa.ExportParameters(false);
        return new()
        {
            ["kty"] = "RSA",
            ["use"] = "sig",
            ["kid"] = key.KeyId,
            ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
            ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
            ["endorsements"] = endorsements,
        };
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _endorsed.Rsa.Dispose();
        _unendorsed.Rsa.Dispose();
        _unpublished.Rsa.Dispose();
    }
}
