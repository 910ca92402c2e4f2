using Microsoft.EntityFrameworkCore;

namespace Bot.Host.Storage;

/// <summary>
/// <see cref="BotDb"/> on PostgreSQL: the same model, a type of its own only so that its migrations (PostgreSql/Migrations,
/// generated for PostgreSQL's types) are told apart from SQLite's. Everything else asks for <see cref="BotDb"/>.
/// </summary>
public sealed class PostgreSqlBotDb(DbContextOptions<PostgreSqlBotDb> options) : BotDb(options);
