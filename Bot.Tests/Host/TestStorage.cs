using Bot.Host.Storage;
using Npgsql;

namespace Bot.Tests.Host;

/// <summary>
/// A fresh database for a test, on either provider: a SQLite file in its own folder, or a database of its own on the tests'
/// PostgreSQL cluster (scripts/test.sh starts it and exports BOT_TEST_POSTGRES). Without that cluster a PostgreSQL test fails
/// with the reason: it never passes silently on SQLite. No xUnit here: the benchmark makes its databases with it too (the theory
/// data is in TestStorage.Theories.cs).
/// </summary>
public static partial class TestStorage
{
    /// <summary>A new, empty database of this provider (not yet migrated), and where its host keeps its data folder.</summary>
    public static StorageOptions Fresh(StorageProvider provider, string? dataPath = null)
    {
        dataPath ??= Directory.CreateTempSubdirectory("bot-data-").FullName;
        return provider == StorageProvider.Sqlite
            ? new StorageOptions { DataPath = dataPath }
            : new StorageOptions { Provider = provider, DataPath = dataPath, ConnectionString = NewPostgreSqlDatabase() };
    }

    /// <summary>The host's settings for this database (environment variables of a <see cref="HostProcess"/>).</summary>
    public static Dictionary<string, string> Settings(StorageOptions options) => options.Provider == StorageProvider.Sqlite
        ? []
        : new Dictionary<string, string> { ["Storage:Provider"] = options.Provider.ToString(), ["ConnectionStrings:Bot"] = options.ConnectionString! };

    /// <summary>The settings of a host on a fresh database of this provider, with <paramref name="more"/> of the test's own.</summary>
    public static Dictionary<string, string> Settings(StorageProvider provider, IReadOnlyDictionary<string, string>? more = null)
    {
        var settings = Settings(Fresh(provider));
        foreach (var (key, value) in more ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }
        return settings;
    }

    /// <summary>The database a host's settings name (SQLite: bot.db in its data folder).</summary>
    public static StorageOptions Of(string dataPath, IReadOnlyDictionary<string, string> settings) =>
        settings.TryGetValue("Storage:Provider", out var provider) && provider == nameof(StorageProvider.PostgreSql)
            ? new StorageOptions { Provider = StorageProvider.PostgreSql, DataPath = dataPath, ConnectionString = settings["ConnectionStrings:Bot"] }
            : new StorageOptions { DataPath = dataPath };

    private static string NewPostgreSqlDatabase()
    {
        var server = Environment.GetEnvironmentVariable("BOT_TEST_POSTGRES") ?? throw new InvalidOperationException(
            "BOT_TEST_POSTGRES is not set, so the PostgreSQL half of this test cannot run: run scripts/test.sh, or first "
            + "eval \"$(bash scripts/postgres.sh start)\" (a throwaway cluster on loopback)");
        var name = "bot_" + Guid.NewGuid().ToString("N");
        using (var connection = new NpgsqlConnection(server))
        {
            connection.Open();
            using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            create.ExecuteNonQuery();
        }
        return new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }
}
