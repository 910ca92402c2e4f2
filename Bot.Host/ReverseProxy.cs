using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Bot.Host;

/// <summary>
/// The host behind a reverse proxy (deploy/nginx): the client's address and scheme come from X-Forwarded-For and
/// X-Forwarded-Proto, but only from the proxies named in ForwardedHeaders:KnownProxies / KnownNetworks. Without them the
/// headers are ignored: anyone could claim any address.
/// </summary>
public static class ReverseProxy
{
    private static int _warned;

    public static IHostApplicationBuilder AddReverseProxy(this IHostApplicationBuilder builder)
    {
        var proxies = Parse(builder.Configuration, "ForwardedHeaders:KnownProxies", IPAddress.Parse);
        var networks = Parse(builder.Configuration, "ForwardedHeaders:KnownNetworks", System.Net.IPNetwork.Parse);
        builder.Services.Configure<ForwardedHeadersOptions>(forwarded =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            forwarded.ForwardLimit = 1;   // one proxy: its own entry is the client
            // The defaults trust loopback, which behind a same-host proxy is everyone: only what is configured is trusted.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            proxies.ForEach(forwarded.KnownProxies.Add);
            networks.ForEach(forwarded.KnownIPNetworks.Add);
        });
        return builder;
    }

    /// <summary>First in the pipeline, so limits, logs, cookies and HSTS all see the real client and scheme.</summary>
    public static WebApplication UseReverseProxy(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ForwardedHeadersOptions>>().Value;
        if (options.KnownProxies.Count + options.KnownIPNetworks.Count > 0)
        {
            app.UseForwardedHeaders();
            return app;
        }
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ReverseProxy));
        app.Use((http, next) =>
        {
            if (http.Request.Headers.ContainsKey("X-Forwarded-For") && http.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote)
                && Interlocked.Exchange(ref _warned, 1) == 0)
            {
                log.LogWarning("Requests come through a proxy on this machine (X-Forwarded-For from loopback) but no proxy is trusted: " +
                    "every client shares one address and its limits. Set ForwardedHeaders:KnownProxies (e.g. 127.0.0.1)");
            }
            return next(http);
        });
        return app;
    }

    private static List<T> Parse<T>(IConfiguration configuration, string key, Func<string, T> parse)
    {
        var values = configuration.GetSection(key).Get<string[]>() ?? [];
        var single = configuration[key];   // also "a,b" in one environment variable
        return values.Concat(single is { Length: > 0 } ? single.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [])
            .Select(value =>
            {
                try
                {
                    return parse(value);
                }
                catch (FormatException)
                {
                    throw new InvalidOperationException($"{key}: '{value}' is not an address or network");
                }
            }).ToList();
    }
}
