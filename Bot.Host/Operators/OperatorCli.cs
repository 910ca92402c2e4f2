using Bot.Host.Storage;
using Microsoft.EntityFrameworkCore;

namespace Bot.Host.Operators;

/// <summary>
/// `operator add &lt;login&gt; --role &lt;hotline|police|supervisor&gt; --gender &lt;f|m&gt; --display-name &lt;name&gt;`:
/// the only way to create an account; the password comes from standard input, so there is no default password anywhere.
/// </summary>
public static class OperatorCli
{
    public static async Task<int> RunAsync(IConfiguration configuration, string[] args, TextReader input, TextWriter output)
    {
        if (args.Length < 2 || args[0] != "add")
        {
            await output.WriteLineAsync("usage: operator add <login> --role <hotline|police|supervisor> --gender <f|m> --display-name <name>  (password on standard input)");
            return 2;
        }
        var login = args[1].Trim().ToLowerInvariant();
        string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        if (!Enum.TryParse<OperatorRole>(Option("--role"), ignoreCase: true, out var role) || !Enum.IsDefined(role)
            || Option("--gender") is not ("f" or "m") || string.IsNullOrWhiteSpace(Option("--display-name"))
            || login.Length is 0 or > 64 || login.StartsWith('-'))
        {
            await output.WriteLineAsync("operator add: --role hotline|police|supervisor, --gender f|m and --display-name are required");
            return 2;
        }
        var password = (await input.ReadLineAsync())?.TrimEnd('\r', '\n') ?? "";
        if (password.Length == 0)
        {
            await output.WriteLineAsync("operator add: the password (read from standard input) must not be empty");
            return 2;
        }
        var options = configuration.GetSection("Storage").Get<StorageOptions>() ?? new StorageOptions();
        Directory.CreateDirectory(Path.GetFullPath(options.DataPath));
        await using var db = new BotDb(new DbContextOptionsBuilder<BotDb>().UseSqlite(options.ResolvedConnectionString()).Options);
        await db.Database.MigrateAsync();
        if (await db.OperatorAccounts.AnyAsync(o => o.Login == login))
        {
            await output.WriteLineAsync($"operator add: {login} exists already");
            return 1;
        }
        var account = new OperatorAccount
        {
            Id = Guid.NewGuid(), Login = login, PasswordHash = "", Role = role, Gender = Option("--gender")!,
            DisplayName = Option("--display-name")!.Trim(), CreatedAt = DateTime.UtcNow,
        };
        account.PasswordHash = OperatorSignIn.Hasher.HashPassword(account, password);
        db.OperatorAccounts.Add(account);
        await db.SaveChangesAsync();
        await output.WriteLineAsync($"operator {login} added ({role})");
        return 0;
    }
}
