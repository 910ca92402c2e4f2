using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Bot.Host.Storage;

/// <summary>
/// `PRAGMA secure_delete=ON` on every SQLite connection: a deleted row's bytes are overwritten with zeros, not left in
/// free pages where a copy of the disk would still show them (erasure provable on the disk, not only in the rows).
/// Run once per native connection: pooled connections are opened again for every query.
/// </summary>
public sealed class SecureDelete : DbConnectionInterceptor
{
    public static readonly SecureDelete Instance = new();
    private static readonly ConditionalWeakTable<object, object> Configured = [];

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Configure(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Configure(connection);
        return Task.CompletedTask;
    }

    private static void Configure(DbConnection connection)
    {
        if (connection is not SqliteConnection sqlite || sqlite.Handle is not { } handle || Configured.TryGetValue(handle, out _))
        {
            return;
        }
        using var command = sqlite.CreateCommand();
        command.CommandText = "PRAGMA secure_delete=ON;";
        command.ExecuteNonQuery();
        Configured.AddOrUpdate(handle, handle);
    }
}
