using Polly.Telemetry;

namespace Bot.Host.Channels;

/// <summary>What every outbound HTTP client of the host shares (Telegram's Bot API, the Connector, the OpenID metadata).</summary>
public static class OutboundHttp
{
    public static IHostApplicationBuilder AddOutboundHttp(this IHostApplicationBuilder builder)
    {
        // A redirect is never followed: an address the host was given (a serviceUrl, a metadata URL) must not lead it elsewhere.
        builder.Services.ConfigureHttpClientDefaults(http => http.ConfigurePrimaryHttpMessageHandler(() =>
            new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) }));
        // Polly reports every attempt and retry (Information, Warning): thousands of lines an hour. Debug only; a failed delivery
        // is told once, at Warning, by the outbox dispatcher.
        builder.Services.Configure<TelemetryOptions>(telemetry => telemetry.SeverityProvider = arguments =>
            arguments.Event.Severity == ResilienceEventSeverity.None ? ResilienceEventSeverity.None : ResilienceEventSeverity.Debug);
        return builder;
    }
}
