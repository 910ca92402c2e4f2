using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Bot.Host.Storage;

public sealed class StorageOptions
{
    /// <summary>Folder for the database, keys and logs; relative paths are under the working directory.</summary>
    public string DataPath { get; set; } = "data";
    /// <summary>Overrides the SQLite file under <see cref="DataPath"/>.</summary>
    public string? ConnectionString { get; set; }

    public string ResolvedConnectionString() =>
        ConnectionString ?? new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(Path.GetFullPath(DataPath), "bot.db"),
            DefaultTimeout = 30,   // a busy database waits instead of failing a user's turn
        }.ToString();
}

public static class StorageSetup
{
    public static IHostApplicationBuilder AddStorage(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("Storage").Get<StorageOptions>() ?? new StorageOptions();
        Directory.CreateDirectory(Path.GetFullPath(options.DataPath));
        builder.Services.AddSingleton(options);
        builder.Services.AddDbContextPool<BotDb>(db => db.UseBotSqlite(options));
        builder.Services.AddOptions<RetentionOptions>().BindConfiguration("Retention");
        builder.Services.AddHostedService<Retention>();
        return builder;
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
    public BotDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<BotDb>().UseSqlite("Data Source=design.db").Options);
}
