using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage;

namespace Bot.Host.Storage;

public enum StorageProvider { Sqlite, PostgreSql }

public sealed class StorageOptions
{
    /// <summary>SQLite, embedded (nothing to install); PostgreSQL for a national deployment (a managed server, backups, replicas).</summary>
    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;
    /// <summary>Folder for the SQLite database, keys and logs; relative paths are under the working directory.</summary>
    public string DataPath { get; set; } = "data";
    /// <summary>
    /// The database (or `ConnectionStrings:Bot`): required for PostgreSQL; for SQLite it overrides the file under <see cref="DataPath"/>.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Several hosts may share the database (PostgreSQL; always, whatever one host is told: a rolling deployment runs two for a
    /// while). Then turns lock in the database, states are not cached and the outbox is claimed row by row.
    /// </summary>
    public bool Shared => Provider == StorageProvider.PostgreSql;

    public string ResolvedConnectionString() =>
        ConnectionString ?? (Provider == StorageProvider.PostgreSql
            ? throw new InvalidOperationException("Storage:Provider=PostgreSql needs ConnectionStrings:Bot (or Storage:ConnectionString)")
            : (string?)null) ?? new SqliteConnectionStringBuilder
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
        builder.Services.AddSingleton<HostSignals>();
        builder.Services.AddSingleton<Leases>();
        builder.Services.AddHostedService(services => services.GetRequiredService<HostSignals>());
        builder.Services.AddOptions<RetentionOptions>().BindConfiguration("Retention");
        builder.Services.AddHostedService<Retention>();
        return builder;
    }

    /// <summary>Registers <see cref="BotDb"/> (pooled) on the configured database.</summary>
    public static IServiceCollection AddBotDb(this IServiceCollection services, StorageOptions options) => options.Provider switch
    {
        StorageProvider.PostgreSql => services.AddDbContextPool<BotDb, PostgreSqlBotDb>(db => db.UseBotStorage(options)),
        _ => services.AddDbContextPool<BotDb>(db => db.UseBotStorage(options)),
    };

    /// <summary>SQLite with secure delete, or PostgreSQL.</summary>
    public static DbContextOptionsBuilder UseBotStorage(this DbContextOptionsBuilder db, StorageOptions options) => options.Provider switch
    {
        StorageProvider.PostgreSql => db.UseNpgsql(Pooled(options.ResolvedConnectionString())),
        _ => db.UseSqlite(options.ResolvedConnectionString()).AddInterceptors(SecureDelete.Instance),
    };

    /// <summary>
    /// The contexts' pool on PostgreSQL: the statements used often (unless the connection string sets `Max Auto Prepare`)
    /// are prepared once per connection (parsed and planned once, not in every turn; all name their columns, so a column a
    /// rolling migration adds does not break them), and a connection going back to the pool is not reset (a `DISCARD ALL`
    /// before its next use, several in every turn). Nothing leaves session state on a pooled connection: the conversation and
    /// key-ring locks are transaction-scoped, the migration lock is let go before its connection returns, and LISTEN
    /// (<see cref="HostSignals"/>) has a connection of its own, outside this pool.
    /// </summary>
    public static string Pooled(string connectionString)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        if (builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = 64;
        }
        builder.NoResetOnClose = true;
        return builder.ConnectionString;
    }

    /// <summary>A context of its own, outside dependency injection (tools and tests that look inside the database).</summary>
    public static BotDb Open(StorageOptions options)
    {
        if (options.Provider == StorageProvider.PostgreSql)
        {
            var postgres = new DbContextOptionsBuilder<PostgreSqlBotDb>();
            postgres.UseBotStorage(options);
            return new PostgreSqlBotDb(postgres.Options);
        }
        var db = new DbContextOptionsBuilder<BotDb>();
        db.UseBotStorage(options);
        return new BotDb(db.Options);
    }

    /// <summary>`migrate`: brings the configured database to the current schema and exits (the host also does it on start).</summary>
    public static async Task<int> MigrateAsync(IConfiguration configuration, TextWriter output)
    {
        var options = StorageOptions.From(configuration);
        if (options.Provider == StorageProvider.Sqlite)
        {
            Directory.CreateDirectory(Path.GetFullPath(options.DataPath));
        }
        await using var services = new ServiceCollection().AddBotDb(options).BuildServiceProvider();
        await services.MigrateStorageAsync();
        await output.WriteLineAsync($"migrate: {options.Provider} database is up to date");
        return 0;
    }

    /// <summary>
    /// The class of the advisory locks (two-int form: apart from the conversations' bigint keys) under which hosts starting at once
    /// on one PostgreSQL database take turns: <see cref="MigrationLock"/>, and the key ring's (<see cref="KeyStorage"/>).
    /// </summary>
    public const int StartLocks = 0x626f74;
    private const int MigrationLock = 1;

    /// <summary>Creates and migrates the database (migrations, never EnsureCreated): on start and by the `migrate` verb.</summary>
    public static async Task MigrateStorageAsync(this IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BotDb>();
        if (db.Database.IsNpgsql())
        {
            var creator = db.GetService<IRelationalDatabaseCreator>();
            if (!await creator.ExistsAsync())
            {
                try
                {
                    await creator.CreateAsync();
                }
                catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.DuplicateDatabase)
                {
                    // another host starting at once made it first
                }
            }
            // Two hosts migrating at once would both apply the same migration (EF's own lock does not cover it: "column already
            // exists"): one at a time on this session's lock, held by the connection the migrations run on.
            await db.Database.OpenConnectionAsync();
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_lock({StartLocks}, {MigrationLock})");
            try
            {
                // A fresh database: EF would read the missing history table first and log that as an error ("Failed executing
                // DbCommand") before creating it, an alarm in the very first log a deployment reads. Created first, it is not.
                await db.GetService<IHistoryRepository>().CreateIfNotExistsAsync();
                await db.Database.MigrateAsync();
            }
            finally
            {
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({StartLocks}, {MigrationLock})");
            }
            return;
        }
        await db.Database.MigrateAsync();
        // WAL lets the web chat read while a turn writes; SQLite-specific, so only when on SQLite.
        if (db.Database.IsSqlite())
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        }
    }
}

/// <summary>Lets `dotnet ef migrations add` build the SQLite model without starting the host (scripts/add-migration.sh).</summary>
public sealed class DesignTimeBotDbFactory : IDesignTimeDbContextFactory<BotDb>
{
    public BotDb CreateDbContext(string[] args) => StorageSetup.Open(new StorageOptions { ConnectionString = "Data Source=design.db" });
}

/// <summary>The same for PostgreSQL; `migrations add` needs no server.</summary>
public sealed class DesignTimePostgreSqlBotDbFactory : IDesignTimeDbContextFactory<PostgreSqlBotDb>
{
    public PostgreSqlBotDb CreateDbContext(string[] args) => (PostgreSqlBotDb)StorageSetup.Open(
        new StorageOptions { Provider = StorageProvider.PostgreSql, ConnectionString = "Host=127.0.0.1;Database=design" });
}
