using System.Globalization;
using System.Security.Cryptography;
using Bot.Host.Turns;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Bot.Host.Channels.WebChat;

/// <summary>What a valid token says: its conversation, that conversation's access generation, and when its first token was issued.</summary>
public sealed record TokenGrant(string ConversationId, int Generation, DateTimeOffset Since);

/// <summary>
/// Short-lived per-conversation tokens: one conversation's token cannot read another's activities, and none outlives the
/// person leaving. Each names the conversation's access generation, stored server-side and checked on every request:
/// /exit and a block raise it and /forget deletes the conversation, so every token issued before stops working. Refreshing
/// cannot extend a conversation's tokens past <see cref="WebChatOptions.TokenMaxAge"/> from its first one.
/// </summary>
public sealed class Tokens(IDataProtectionProvider protection, IOptions<WebChatOptions> options, ConversationService conversations, TimeProvider clock)
{
    /// <summary>A stream URL must be used within this (as Direct Line's); the socket it opens lives on until revoked.</summary>
    private static readonly TimeSpan StreamLifetime = TimeSpan.FromSeconds(60);
    private readonly ITimeLimitedDataProtector _protector = protection.CreateProtector("webchat-token.v2").ToTimeLimitedDataProtector();

    /// <summary>The first token of a conversation just started (its generation is the first), with a stream from its start.</summary>
    public object IssueFirst(string conversationId, HttpRequest request) =>
        Issue(new TokenGrant(conversationId, 0, clock.GetUtcNow()), request, WebChatFeed.Start);

    /// <summary>A fresh token for the same grant, never living past the conversation's cap.</summary>
    public object Issue(TokenGrant grant)
    {
        var (token, lifetime) = Protect(grant, options.Value.TokenLifetime);
        return new { conversationId = grant.ConversationId, token, expires_in = (int)lifetime.TotalSeconds };
    }

    /// <summary>
    /// A fresh token and the URL of the conversation's stream from <paramref name="watermark"/> on. The URL carries a token
    /// of the same grant that lives a minute: it is checked as any bearer token is, once, when the socket opens.
    /// </summary>
    public object Issue(TokenGrant grant, HttpRequest request, string watermark)
    {
        var (token, lifetime) = Protect(grant, options.Value.TokenLifetime);
        var (streamToken, _) = Protect(grant, StreamLifetime);
        var scheme = request.IsHttps ? "wss" : "ws";
        return new
        {
            conversationId = grant.ConversationId,
            token,
            expires_in = (int)lifetime.TotalSeconds,
            streamUrl = $"{scheme}://{request.Host}{request.PathBase}/v3/directline/conversations/{grant.ConversationId}/stream"
                + $"?watermark={Uri.EscapeDataString(watermark)}&t={Uri.EscapeDataString(streamToken)}",
        };
    }

    private (string Token, TimeSpan Lifetime) Protect(TokenGrant grant, TimeSpan wanted)
    {
        var left = grant.Since + options.Value.TokenMaxAge - clock.GetUtcNow();
        var lifetime = left < wanted ? left : wanted;
        var payload = string.Create(CultureInfo.InvariantCulture, $"{grant.ConversationId} {grant.Generation} {grant.Since.ToUnixTimeSeconds()}");
        return (_protector.Protect(payload, lifetime), lifetime);
    }

    /// <summary>The grant of a bearer token that is genuine, unexpired, still of its conversation's generation; with an id, of that conversation.</summary>
    public ValueTask<TokenGrant?> AuthorizeAsync(HttpContext http, string? id) => AuthorizeAsync(Bearer(http), id, http.RequestAborted);

    /// <inheritdoc cref="AuthorizeAsync(HttpContext, string?)"/>
    public async ValueTask<TokenGrant?> AuthorizeAsync(string? token, string? id, CancellationToken cancel) =>
        Read(token, id) is { } grant && clock.GetUtcNow() - grant.Since < options.Value.TokenMaxAge
            && await conversations.GenerationAsync(grant.ConversationId, cancel) == grant.Generation
            ? grant : null;

    /// <summary>The grant a genuine, unexpired token names, revoked or not: only for leaving, and /forget's last words, read once.</summary>
    public TokenGrant? Read(HttpContext http, string? id) => Read(Bearer(http), id);

    private static string? Bearer(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..].Trim() : null;
    }

    private TokenGrant? Read(string? token, string? id)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }
        try
        {
            var parts = _protector.Unprotect(token).Split(' ');
            if (parts.Length != 3 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var generation)
                || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var since))
            {
                return null;
            }
            return id is null || parts[0] == id ? new TokenGrant(parts[0], generation, DateTimeOffset.FromUnixTimeSeconds(since)) : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}
