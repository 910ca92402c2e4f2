using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Bot.Host;

/// <summary>Bounds on what anyone on the internet can make the host do.</summary>
public static class PublicEndpoints
{
    public const string NewConversationPolicy = "new-conversation";

    /// <remarks>
    /// Limits are per client address and generous: mobile carriers put many people behind one
    /// address. 0 turns a limit off (the benchmark drives everything from one loopback address).
    /// </remarks>
    public static IHostApplicationBuilder AddPublicEndpointLimits(this WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = 1024 * 1024);
        var perClient = builder.Configuration.GetValue("Abuse:RequestsPerMinutePerClient", 6000);
        var newConversations = builder.Configuration.GetValue("Abuse:NewConversationsPerMinutePerClient", 120);
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            if (perClient > 0)
            {
                limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                    RateLimitPartition.GetFixedWindowLimiter(Client(http), _ => PerMinute(perClient)));
            }
            limiter.AddPolicy(NewConversationPolicy, http => newConversations > 0
                ? RateLimitPartition.GetFixedWindowLimiter(Client(http), _ => PerMinute(newConversations))
                : RateLimitPartition.GetNoLimiter(""));
        });
        return builder;
    }

    /// <summary>
    /// 413 for a body over its endpoint's limit. The rest of the body is never read, so the connection cannot carry another
    /// request: the client is told to close it, or its next request on that connection fails half-way.
    /// </summary>
    public static IResult PayloadTooLarge(HttpContext http)
    {
        http.Response.Headers.Connection = "close";
        return TypedResults.StatusCode(StatusCodes.Status413PayloadTooLarge);
    }

    private static string Client(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "";

    private static FixedWindowRateLimiterOptions PerMinute(int permits) =>
        new() { PermitLimit = permits, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 };
}
