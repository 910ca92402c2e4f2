using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Bot.Host.Storage;

/// <summary>
/// A compiled query, compiled once for each model it meets: EF refuses to run one compiled for SQLite's model on PostgreSQL's,
/// and a process may open both (the tests, a tool copying a database).
/// </summary>
public sealed class PerModel<TQuery>(Func<TQuery> compile) where TQuery : Delegate
{
    private readonly ConcurrentDictionary<IModel, TQuery> _compiled = new();

    public TQuery For(BotDb db) => _compiled.GetOrAdd(db.Model, _ => compile());
}
