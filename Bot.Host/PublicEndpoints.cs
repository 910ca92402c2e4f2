using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Bot.Host;

/// <summary>Bounds on what anyone on the internet can make the host do.</summary>
public static class PublicEndpoints
{
    public const string NewConversationPolicy = "new-conversation";

    /// <summary>Channels whose every request is vouched for by a secret or a signed token, and whose clients are a few servers.</summary>
    private static readonly string[] ChannelPaths = ["/telegram/webhook", "/api/messages"];

    /// <remarks>
    /// Limits are per client address and generous: mobile carriers put many people behind one address. The channel endpoints
    /// are not limited per address (all of Telegram or Azure comes from a handful): their turns are limited per conversation
    /// (the flood guard). Web chat requests are limited per conversation as well as per address. 0 turns a limit off (the
    /// benchmark drives everything from one loopback address).
    /// </remarks>
    public static IHostApplicationBuilder AddPublicEndpointLimits(this WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = 1024 * 1024);
        var perClient = builder.Configuration.GetValue("Abuse:RequestsPerMinutePerClient", 6000);
        var perConversation = builder.Configuration.GetValue("Abuse:RequestsPerMinutePerConversation", 600);
        var newConversations = builder.Configuration.GetValue("Abuse:NewConversationsPerMinutePerClient", 120);
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            var byClient = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                perClient > 0 && !IsChannel(http) ? RateLimitPartition.GetFixedWindowLimiter(ClientAddress.Of(http), _ => PerMinute(perClient))
                    : RateLimitPartition.GetNoLimiter(""));
            var byConversation = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                perConversation > 0 && WebChatConversation(http) is { } id ? RateLimitPartition.GetFixedWindowLimiter(id, _ => PerMinute(perConversation))
                    : RateLimitPartition.GetNoLimiter(""));
            limiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(byClient, byConversation);
            limiter.AddPolicy(NewConversationPolicy, http => newConversations > 0
                ? RateLimitPartition.GetFixedWindowLimiter(ClientAddress.Of(http), _ => PerMinute(newConversations))
                : RateLimitPartition.GetNoLimiter(""));
        });
        return builder;
    }

    private static bool IsChannel(HttpContext http) =>
        ChannelPaths.Any(path => http.Request.Path.Equals(path, StringComparison.OrdinalIgnoreCase));

    /// <summary>The conversation a web chat request names in its path (its token must match it, or it gets 401).</summary>
    private static string? WebChatConversation(HttpContext http) =>
        http.Request.Path.StartsWithSegments("/v3/directline/conversations", StringComparison.Ordinal, out var rest) && rest.HasValue
            ? rest.Value!.Split('/', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()
            : null;

    /// <summary>
    /// 413 for a body over its endpoint's limit. The rest of the body is never read, so the connection cannot carry another
    /// request: the client is told to close it, or its next request on that connection fails half-way.
    /// </summary>
    public static IResult PayloadTooLarge(HttpContext http)
    {
        http.Response.Headers.Connection = "close";
        return TypedResults.StatusCode(StatusCodes.Status413PayloadTooLarge);
    }

    private static FixedWindowRateLimiterOptions PerMinute(int permits) =>
        new() { PermitLimit = permits, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 };
}
