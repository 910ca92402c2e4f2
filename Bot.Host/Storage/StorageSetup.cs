using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Bot.Host.Storage;

public sealed class StorageOptions
{
    /// <summary>Folder for the database, keys and logs; relative paths are under the working directory.</summary>
    public string DataPath { get; set; } = "data";
    /// <summary>Overrides the SQLite file under <see cref="DataPath"/> (or `ConnectionStrings:Bot`).</summary>
    public string? ConnectionString { get; set; }

    public string ResolvedConnectionString() =>
        ConnectionString ?? new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(Path.GetFullPath(DataPath), "bot.db"),
            DefaultTimeout = 30,   // a busy database waits instead of failing a user's turn
        }.ToString();

    /// <summary>The `Storage` section, with `ConnectionStrings:Bot` as the connection string when the section names none.</summary>
    public static StorageOptions From(IConfiguration configuration)
    {
        var options = configuration.GetSection("Storage").Get<StorageOptions>() ?? new StorageOptions();
        options.ConnectionString ??= configuration.GetConnectionString("Bot");
        return options;
    }
}

/// <summary>The one place that says how the database is opened: for the host, the CLI, design time and the tests alike.</summary>
public static class StorageSetup
{
    public static IHostApplicationBuilder AddStorage(this IHostApplicationBuilder builder)
    {
        var options = StorageOptions.From(builder.Configuration);
        Directory.CreateDirectory(Path.GetFullPath(options.DataPath));
        builder.Services.AddSingleton(options);
        builder.Services.AddBotDb(options);
        builder.Services.AddSingleton<ConversationStore>();
        builder.Services.AddOptions<RetentionOptions>().BindConfiguration("Retention");
        builder.Services.AddHostedService<Retention>();
        return builder;
    }

    /// <summary>Registers <see cref="BotDb"/> (pooled) on the configured database.</summary>
    public static IServiceCollection AddBotDb(this IServiceCollection services, StorageOptions options) =>
        services.AddDbContextPool<BotDb>(db => db.UseBotStorage(options));

    /// <summary>SQLite with secure delete.</summary>
    public static DbContextOptionsBuilder UseBotStorage(this DbContextOptionsBuilder db, StorageOptions options) =>
        db.UseSqlite(options.ResolvedConnectionString()).AddInterceptors(SecureDelete.Instance);

    /// <summary>A context of its own, outside dependency injection (tools and tests that look inside the database).</summary>
    public static BotDb Open(StorageOptions options)
    {
        var db = new DbContextOptionsBuilder<BotDb>();
        db.UseBotStorage(options);
        return new BotDb(db.Options);
    }

    /// <summary>Creates and migrates the database on start (migrations, never EnsureCreated).</summary>
    public static async Task MigrateStorageAsync(this IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BotDb>();
        await db.Database.MigrateAsync();
        // WAL lets the web chat read while a turn writes; SQLite-specific, so only when on SQLite.
        if (db.Database.IsSqlite())
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        }
    }
}

/// <summary>Lets `dotnet ef migrations add` build the model without starting the host.</summary>
public sealed class DesignTimeBotDbFactory : IDesignTimeDbContextFactory<BotDb>
{
    public BotDb CreateDbContext(string[] args) => StorageSetup.Open(new StorageOptions { ConnectionString = "Data Source=design.db" });
}
