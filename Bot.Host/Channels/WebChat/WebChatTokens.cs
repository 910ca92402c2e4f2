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
    private readonly ITimeLimitedDataProtector _protector = protection.CreateProtector("webchat-token.v2").ToTimeLimitedDataProtector();

    /// <summary>The first token of a conversation just started (its generation is the first).</summary>
    public object IssueFirst(string conversationId) => Issue(new TokenGrant(conversationId, 0, clock.GetUtcNow()));

    /// <summary>A fresh token for the same grant, never living past the conversation's cap.</summary>
    public object Issue(TokenGrant grant)
    {
        var left = grant.Since + options.Value.TokenMaxAge - clock.GetUtcNow();
        var lifetime = left < options.Value.TokenLifetime ? left : options.Value.TokenLifetime;
        var payload = string.Create(CultureInfo.InvariantCulture, $"{grant.ConversationId} {grant.Generation} {grant.Since.ToUnixTimeSeconds()}");
        return new
        {
            conversationId = grant.ConversationId,
            token = _protector.Protect(payload, lifetime),
            expires_in = (int)lifetime.TotalSeconds,
        };
    }

    /// <summary>The grant of a bearer token that is genuine, unexpired, still of its conversation's generation; with an id, of that conversation.</summary>
    public async ValueTask<TokenGrant?> AuthorizeAsync(HttpContext http, string? id) =>
        Read(http, id) is { } grant && clock.GetUtcNow() - grant.Since < options.Value.TokenMaxAge
            && await conversations.GenerationAsync(grant.ConversationId, http.RequestAborted) == grant.Generation
            ? grant : null;

    /// <summary>The grant a genuine, unexpired token names, revoked or not: only for /forget's last words, read once.</summary>
    public TokenGrant? Read(HttpContext http, string? id)
    {
        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return null;
        }
        try
        {
            var parts = _protector.Unprotect(header["Bearer ".Length..].Trim()).Split(' ');
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
