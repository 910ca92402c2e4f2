using Bot.Host.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Bot.Tests.Host;

/// <summary>The database of a test host, opened beside it: for tests that look inside.</summary>
public static class TestDatabase
{
    public static BotDb Open(HostProcess host) => new(new DbContextOptionsBuilder<BotDb>()
        .UseSqlite(new SqliteConnectionStringBuilder { DataSource = Path.Combine(host.DataPath, "bot.db"), Pooling = false }.ToString()).Options);
}
