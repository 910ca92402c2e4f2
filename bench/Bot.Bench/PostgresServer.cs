using System.Diagnostics;

namespace Bot.Bench;

/// <summary>
/// The PostgreSQL server of a --provider PostgreSql run: the tests' cluster when BOT_TEST_POSTGRES is set, else a throwaway one
/// started by scripts/postgres.sh with fsync on (every commit flushed, as a deployment runs it; the tests' cluster has it off) and
/// stopped at the end. Each configuration makes a fresh database on
/// it (<see cref="Bot.Tests.Host.TestStorage"/>, which reads BOT_TEST_POSTGRES).
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private const string Server = "BOT_TEST_POSTGRES";
    private readonly string? _started;

    private PostgresServer(string? started) => _started = started;

    public static async Task<PostgresServer> StartAsync()
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Server)))
        {
            return new PostgresServer(null);
        }
        // It prints lines of the form: export NAME='value'
        foreach (var line in (await ScriptAsync("start", "--durable")).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var (name, value) = (line["export ".Length..line.IndexOf('=', StringComparison.Ordinal)], line[(line.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim('\''));
            Environment.SetEnvironmentVariable(name, value);
        }
        Console.WriteLine("PostgreSQL: a throwaway cluster on loopback, fsync on (scripts/postgres.sh start --durable)");
        return new PostgresServer(Environment.GetEnvironmentVariable(Server + "_DIR"));
    }

    /// <summary>
    /// Processor time of the cluster's processes so far (the postmaster, its live backends and workers, and those it has reaped),
    /// when this run started the cluster: a shared one's time would be other people's work too.
    /// </summary>
    public TimeSpan? ProcessorTime()
    {
        if (_started is null)
        {
            return null;
        }
        var postmaster = File.ReadLines(Path.Combine(_started, "data", "postmaster.pid")).First().Trim();
        var ticks = 0L;
        foreach (var stat in Directory.GetDirectories("/proc").Select(d => Path.Combine(d, "stat")).Where(File.Exists))
        {
            string[] fields;
            try
            {
                // After "pid (name) ": state, ppid, … utime and stime are fields 14-15, cutime and cstime 16-17 of proc(5).
                var text = File.ReadAllText(stat);
                fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            }
            catch (IOException)
            {
                continue;   // exited meanwhile
            }
            var pid = Path.GetFileName(Path.GetDirectoryName(stat))!;
            if (pid == postmaster || fields[1] == postmaster)
            {
                ticks += fields[11..(pid == postmaster ? 15 : 13)].Sum(f => long.Parse(f, System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return TimeSpan.FromSeconds(ticks / 100.0);   // USER_HZ: 100 on Linux
    }

    public async ValueTask DisposeAsync()
    {
        if (_started is not null)
        {
            await ScriptAsync("stop", _started);
        }
    }

    private static async Task<string> ScriptAsync(params string[] arguments)
    {
        var script = Path.Combine(Repository.Root() ?? throw new InvalidOperationException("scripts/postgres.sh is not above this program"), "scripts", "postgres.sh");
        using var process = Process.Start(new ProcessStartInfo("bash", [script, .. arguments]) { RedirectStandardOutput = true })!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"scripts/postgres.sh {arguments[0]} failed (exit {process.ExitCode})");
    }
}
