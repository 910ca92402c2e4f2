using System.Globalization;
using Serilog;
using Serilog.Events;

namespace Bot.Host;

public static class LoggingSetup
{
    /// <summary>
    /// Console and a rolling file. Request logs carry the path template only, never a query or body;
    /// conversations appear under their pseudonym.
    /// </summary>
    public static IHostApplicationBuilder AddBotLogging(this IHostApplicationBuilder builder)
    {
        var data = Path.GetFullPath(builder.Configuration["Storage:DataPath"] ?? "data");
        var logs = Path.Combine(data, "logs", "bot-.log");
        builder.Services.AddSerilog((services, log) => log
            .ReadFrom.Configuration(builder.Configuration)
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.EntityFrameworkCore", LogEventLevel.Warning)
            .Enrich.FromLogContext()
            .WriteTo.Console(formatProvider: CultureInfo.InvariantCulture)
            .WriteTo.File(logs, formatProvider: CultureInfo.InvariantCulture, rollingInterval: RollingInterval.Day, retainedFileCountLimit: 14));
        return builder;
    }

    /// <summary>Request logs name the route template ("/v3/directline/conversations/{id}/activities"), never the ids in the path.</summary>
    public static WebApplication UseBotRequestLogging(this WebApplication app)
    {
        app.UseSerilogRequestLogging(options =>
        {
            // Thousands of successful requests a second are noise: Debug. Failures stay visible.
            options.GetLevel = (_, _, error) => error is not null ? LogEventLevel.Error : LogEventLevel.Debug;
            options.GetMessageTemplateProperties = (http, _, elapsed, status) =>
        [
            new LogEventProperty("RequestMethod", new ScalarValue(http.Request.Method)),
            new LogEventProperty("RequestPath", new ScalarValue(
                (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(unrouted)")),
            new LogEventProperty("StatusCode", new ScalarValue(status)),
            new LogEventProperty("Elapsed", new ScalarValue(elapsed)),
        ];
        });
        return app;
    }
}
