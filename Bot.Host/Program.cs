using Bot.Host;
using Bot.Host.Channels;
using Bot.Host.Channels.Telegram;
using Bot.Host.Channels.BotFramework;
using Bot.Host.Channels.WebChat;
using Bot.Host.ContentSetup;
using Bot.Host.Operators;
using Bot.Host.Storage;
using Bot.Host.Turns;
using Serilog;

Log.Logger = new LoggerConfiguration().WriteTo.Console(formatProvider: System.Globalization.CultureInfo.InvariantCulture).CreateBootstrapLogger();

if (args.FirstOrDefault() == "check-content")
{
    var configuration = new ConfigurationBuilder().SetBasePath(AppContext.BaseDirectory).AddJsonFile("appsettings.json", optional: true)
        .AddEnvironmentVariables().AddCommandLine(args.Skip(1).Where(a => a != "--coverage").ToArray()).Build();
    return BotContentSetup.CheckContent(configuration, Console.Out, coverage: args.Contains("--coverage"));
}
if (args.FirstOrDefault() == "migrate")
{
    var configuration = new ConfigurationBuilder().SetBasePath(AppContext.BaseDirectory).AddJsonFile("appsettings.json", optional: true)
        .AddEnvironmentVariables().AddCommandLine(args.Skip(1).ToArray()).Build();
    return await StorageSetup.MigrateAsync(configuration, Console.Out);
}
if (args.FirstOrDefault() == "operator")
{
    var configuration = new ConfigurationBuilder().SetBasePath(AppContext.BaseDirectory).AddJsonFile("appsettings.json", optional: true)
        .AddEnvironmentVariables().Build();
    return await Bot.Host.Operators.OperatorCli.RunAsync(configuration, args.Skip(1).ToArray(), Console.In, Console.Out);
}

try
{
    // Content root beside the binaries: settings, wwwroot and content ship with the build.
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
    builder.AddBotLogging();
    builder.AddBotContent();
    builder.AddStorage();
    builder.AddKeys();
    builder.Services.AddSingleton(TimeProvider.System);
    builder.Services.AddSingleton<ConversationLocks>();
    builder.Services.AddSingleton<TurnWriter>();
    builder.Services.AddHostedService(services => services.GetRequiredService<TurnWriter>());
    builder.Services.AddSingleton<BlockedConversations>();
    builder.Services.AddHostedService(services => services.GetRequiredService<BlockedConversations>());
    builder.Services.AddSingleton<FloodGuard>();
    builder.Services.AddSingleton<EscalationLimits>();
    builder.Services.AddSingleton<Revocations>();
    builder.Services.AddSingleton<ConversationService>();
    builder.Services.AddSingleton<OutboxDispatcher>();
    builder.Services.AddHostedService(services => services.GetRequiredService<OutboxDispatcher>());
    builder.Services.AddSingleton<Sealed>();
    builder.AddOutboundHttp();
    builder.AddWebChat();
    builder.AddTelegramChannel();
    builder.AddReverseProxy();
    builder.AddPublicEndpointLimits();
    builder.AddBotFrameworkChannel();
    builder.AddOperatorConsole();

    var app = builder.Build();
    await app.Services.MigrateStorageAsync();
    await app.Services.UseKeysAsync();
    app.UseReverseProxy();
    app.UseBotRequestLogging();
    app.UseSecurityHeaders();
    app.UseRateLimiter();
    app.MapWebChat();
    app.MapTelegramWebhook();
    app.MapBotFramework();
    app.MapOperatorConsole();
    app.MapOperatorApi();
    app.MapGet("/health", () => TypedResults.Ok("ok"));
    app.Lifetime.ApplicationStarted.Register(() =>
        Log.Information("Web chat: {Addresses}", string.Join(", ", app.Urls)));

    await app.RunAsync();
    return 0;
}
catch (Exception e) when (e is not HostAbortedException)
{
    Log.Fatal(e, "The host stopped");
    return 1;
}
finally
{
    await Log.CloseAndFlushAsync();
}

/// <summary>The entry point, visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
