using System.Globalization;
using Bot.Host.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Bot.Host.Operators;

/// <summary>
/// `operator add &lt;login&gt; --role &lt;hotline|police|supervisor&gt; --gender &lt;f|m&gt; --display-name &lt;name&gt; [--reads kk,ru,uz]`:
/// the only way to create an account (--reads: the persons' languages the operator reads, folders of content/); the password comes from standard input, so there is no default password anywhere.
/// `operator totp &lt;login&gt; [--off]` turns two-factor sign-in on (printing the key for the authenticator app) or off.
/// </summary>
public static class OperatorCli
{
    private const string Usage = "usage: operator add <login> --role <hotline|police|supervisor> --gender <f|m> --display-name <name> [--reads kk,ru,uz]  (password on standard input)\n"
        + "       operator totp <login> [--off]\n"
        + "       operator disable <login> | operator enable <login>";

    public static async Task<int> RunAsync(IConfiguration configuration, string[] args, TextReader input, TextWriter output)
    {
        if (args.Length < 2 || args[0] is not ("add" or "totp" or "disable" or "enable"))
        {
            await output.WriteLineAsync(Usage);
            return 2;
        }
        var login = args[1].Trim().ToLowerInvariant();
        var options = StorageOptions.From(configuration);
        Directory.CreateDirectory(Path.GetFullPath(options.DataPath));
        var services = new ServiceCollection().AddLogging();
        services.AddBotDb(options);
        services.AddOperatorIdentity(configuration);
        await using var provider = services.BuildServiceProvider();
        await using var scope = provider.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<BotDb>().Database.MigrateAsync();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<OperatorUser>>();
        return args[0] switch
        {
            "add" => await AddAsync(users, login, args, ContentLanguages(configuration), input, output),
            "totp" => await TotpAsync(users, login, args.Contains("--off"), output),
            _ => await DisableAsync(users, login, disable: args[0] == "disable", output),
        };
    }

    /// <summary>The persons' languages: the folders of content/, as the host discovers them.</summary>
    private static IReadOnlyList<string> ContentLanguages(IConfiguration configuration) =>
        Directory.Exists(ContentSetup.BotContentSetup.ContentPath(configuration))
            ? [.. Directory.GetDirectories(ContentSetup.BotContentSetup.ContentPath(configuration)).Select(Path.GetFileName).OfType<string>()]
            : [];

    private static async Task<int> AddAsync(UserManager<OperatorUser> users, string login, string[] args, IReadOnlyList<string> languages,
        TextReader input, TextWriter output)
    {
        string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        var reads = Option("--reads") is { } list ? OperatorReads.Valid(OperatorReads.Parse(list), languages) : null;
        if (args.Contains("--reads") && reads is null)
        {
            await output.WriteLineAsync($"operator add: --reads takes languages of the content folder, comma-separated: {string.Join(",", languages)}");
            return 2;
        }
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
        if (await users.FindByNameAsync(login) is not null)
        {
            await output.WriteLineAsync($"operator add: {login} exists already");
            return 1;
        }
        var user = new OperatorUser
        {
            Id = Guid.NewGuid(), UserName = login, Role = role, Gender = Option("--gender")!,
            DisplayName = Option("--display-name")!.Trim(), Reads = reads, CreatedAt = DateTime.UtcNow,
        };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded)
        {
            // Identity's own messages: "Passwords must be at least 12 characters." and the like.
            await output.WriteLineAsync("operator add: " + string.Join(" ", created.Errors.Select(e => e.Description)));
            return 2;
        }
        await output.WriteLineAsync($"operator {login} added ({role})");
        return 0;
    }

    private static async Task<int> TotpAsync(UserManager<OperatorUser> users, string login, bool off, TextWriter output)
    {
        var user = await users.FindByNameAsync(login);
        if (user is null)
        {
            await output.WriteLineAsync($"operator totp: no operator {login}");
            return 1;
        }
        if (off)
        {
            await users.SetTwoFactorEnabledAsync(user, false);
            await users.ResetAuthenticatorKeyAsync(user);   // an old key never works again
            await output.WriteLineAsync($"operator {login}: two-factor sign-in off");
            return 0;
        }
        await users.ResetAuthenticatorKeyAsync(user);
        var key = await users.GetAuthenticatorKeyAsync(user);
        await users.SetTwoFactorEnabledAsync(user, true);
        var label = Uri.EscapeDataString("Bot operators:" + login);
        await output.WriteLineAsync($"operator {login}: two-factor sign-in on. Add this key to an authenticator app (6 digits, 30 seconds):");
        await output.WriteLineAsync(key);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"otpauth://totp/{label}?secret={key}&issuer={Uri.EscapeDataString("Bot operators")}&digits=6&period=30"));
        return 0;
    }

    /// <summary>
    /// Someone leaves the hotline: the account is locked for good and its sessions end at their next check (a minute at most);
    /// the audit trail keeps their login. `enable` undoes it.
    /// </summary>
    private static async Task<int> DisableAsync(UserManager<OperatorUser> users, string login, bool disable, TextWriter output)
    {
        var user = await users.FindByNameAsync(login);
        if (user is null)
        {
            await output.WriteLineAsync($"operator: no operator {login}");
            return 1;
        }
        await users.SetLockoutEndDateAsync(user, disable ? DateTimeOffset.MaxValue : null);
        await users.ResetAccessFailedCountAsync(user);
        await users.UpdateSecurityStampAsync(user);   // open sessions are refused at their next check
        await output.WriteLineAsync($"operator {login}: {(disable ? "disabled" : "enabled")}");
        return 0;
    }
}
