using System.Diagnostics;
using Bot.Host.Storage;
using Microsoft.EntityFrameworkCore;

namespace Bot.Tests.Host;

/// <summary>Both providers' schemas: the migrations of each match the model, and the `migrate` verb applies them.</summary>
public class StorageTests
{
    [Theory]
    [MemberData(nameof(TestStorage.Providers), MemberType = typeof(TestStorage))]
    public void Each_providers_migrations_match_the_model(StorageProvider provider)
    {
        // No server needed: the model is compared with the provider's own snapshot.
        using var db = StorageSetup.Open(new StorageOptions
        {
            Provider = provider, ConnectionString = provider == StorageProvider.Sqlite ? "Data Source=:memory:" : "Host=127.0.0.1;Database=none",
        });
        Assert.NotEmpty(db.Database.GetMigrations());
        Assert.False(db.Database.HasPendingModelChanges(),
            $"the {provider} migrations lag behind the model: add the migration for both providers (bash scripts/add-migration.sh Name)");
    }

    [Theory]
    [MemberData(nameof(TestStorage.Providers), MemberType = typeof(TestStorage))]
    public async Task The_migrate_verb_brings_an_empty_database_to_the_current_schema(StorageProvider provider)
    {
        var options = TestStorage.Fresh(provider);
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Bot.Host.dll"), "migrate"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = options.DataPath,
        };
        start.Environment["Storage__DataPath"] = options.DataPath;
        foreach (var (key, value) in TestStorage.Settings(options))
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, output);

        await using var db = StorageSetup.Open(options);
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.Equal(0, await db.Conversations.CountAsync());
        Assert.Equal(0, await db.Users.CountAsync());   // Identity's tables too
    }

    [Theory]
    [MemberData(nameof(TestStorage.Providers), MemberType = typeof(TestStorage))]
    public async Task A_host_started_on_an_empty_database_logs_no_error(StorageProvider provider)
    {
        // The first log a deployment reads: on PostgreSQL EF's first look at the missing history table was logged as an error.
        await using var host = await HostProcess.StartAsync(settings: TestStorage.Settings(provider));
        using var health = await host.Http.GetAsync("health");
        health.EnsureSuccessStatusCode();
        Assert.DoesNotContain(" ERR] ", host.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(" FTL] ", host.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_on_a_PostgreSQL_server_without_its_database_creates_it_and_logs_no_error()
    {
        var settings = TestStorage.Settings(StorageProvider.PostgreSql);
        var missing = new Npgsql.NpgsqlConnectionStringBuilder(settings["ConnectionStrings:Bot"]) { Database = "bot_" + Guid.NewGuid().ToString("N") };
        settings["ConnectionStrings:Bot"] = missing.ConnectionString;
        await using var host = await HostProcess.StartAsync(settings: settings);
        using var health = await host.Http.GetAsync("health");
        health.EnsureSuccessStatusCode();
        Assert.DoesNotContain(" ERR] ", host.Output, StringComparison.Ordinal);
        await using var db = StorageSetup.Open(TestStorage.Of(host.DataPath, settings));
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
    }
}
