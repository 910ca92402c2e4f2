using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Bot.Bench;
using Bot.Host.Storage;
using Bot.Tests.Host;
using Microsoft.EntityFrameworkCore;

// Benchmark of the real host on loopback (issue 7): throughput and latency per channel path at
// 1, 50 and 500 concurrent conversations beside the ceiling of a bare endpoint, memory with 10,000
// conversations in the middle of screening, stored bytes per conversation, and start-up time.
//   dotnet run -c Release --project bench/Bot.Bench            full run (a few minutes)
//   dotnet run -c Release --project bench/Bot.Bench -- --quick  a short smoke run

if (args.Contains("--bare"))
{
    await BareEndpoint.RunAsync(args);
    return 0;
}

var quick = args.Contains("--quick");
var levels = Option("--levels")?.Split(',').Select(int.Parse).ToArray() ?? (quick ? [1, 50] : [1, 50, 500]);
var paths = Option("--paths")?.Split(',') ?? ["webchat", "telegram", "botframework"];
var duration = TimeSpan.FromSeconds(Option("--seconds") is { } s ? double.Parse(s, CultureInfo.InvariantCulture) : quick ? 3 : 10);
var memoryConversations = Option("--memory") is { } m ? int.Parse(m, CultureInfo.InvariantCulture) : quick ? 500 : 10_000;
// --provider Sqlite,PostgreSql and --hosts 1,2: the load runs once for each database and number of hosts (SQLite: one host).
var providers = Option("--provider")?.Split(',').Select(p => Enum.Parse<StorageProvider>(p, ignoreCase: true)).ToArray() ?? [StorageProvider.Sqlite];
var hostCounts = Option("--hosts")?.Split(',').Select(int.Parse).ToArray() ?? [1];
var setups = (from provider in providers from hosts in hostCounts where provider != StorageProvider.Sqlite || hosts == 1 select (provider, hosts)).ToList();
if (setups.Count < providers.Length * hostCounts.Length)
{
    Console.Error.WriteLine("Several hosts need a shared database (--provider PostgreSql): SQLite runs with one host only");
}
if (setups.Count == 0)
{
    return 2;
}
var report = new Report(Environment.ProcessorCount, Environment.OSVersion.ToString(), DateTimeOffset.UtcNow);

Console.WriteLine($"Machine: {Machine.Describe()}; {duration.TotalSeconds:0} s per level; load average {Machine.LoadAverage()}");

await using var postgres = providers.Contains(StorageProvider.PostgreSql) ? await PostgresServer.StartAsync() : null;
await using var botApi = await BotApiStandIn.StartAsync();
await using var connector = await ConnectorStandIn.StartAsync();
var telegram = new TelegramPath(botApi);
var botFramework = new BotFrameworkPath(connector);
await using (var bare = await BareEndpoint.StartAsync(botApi.Url))
{
    foreach (var concurrency in args.Contains("--no-ceiling") ? [] : levels)
    {
        if (paths.Contains("webchat"))
        {
            report.Runs.Add(await Load.RunAsync("ceiling: web chat", "", [bare], concurrency, duration, WebChatPath.Bare));
        }
        if (paths.Contains("telegram"))
        {
            report.Runs.Add(await Load.RunAsync("ceiling: telegram", "", [bare], concurrency, duration, telegram.Bare));
        }
        if (paths.Contains("botframework"))
        {
            report.Runs.Add(await Load.RunAsync("ceiling: bot framework", "", [bare], concurrency, duration, botFramework.Bare));
        }
    }
}

// Everything comes from one loopback address here: the per-client limits would measure themselves.
var hostSettings = new Dictionary<string, string>(TelegramPath.HostSettings(botApi))
{
    ["Abuse:RequestsPerMinutePerClient"] = "0",
    ["Abuse:NewConversationsPerMinutePerClient"] = "0",
    ["Abuse:RequestsPerMinutePerConversation"] = "0",
    ["Abuse:EscalationsPerHourPerClient"] = "0",   // every walk ends in an escalation, all from this one address
    ["BotFramework:EmulatorMode"] = "true",   // the Connector stand-in takes replies without a token
};
// --host-setting Key=Value (repeatable): a setting or environment variable of the host, for experiments.
foreach (var setting in args.Select((a, i) => a == "--host-setting" && i + 1 < args.Length ? args[i + 1] : null).OfType<string>())
{
    hostSettings[setting[..setting.IndexOf('=', StringComparison.Ordinal)]] = setting[(setting.IndexOf('=', StringComparison.Ordinal) + 1)..];
}
foreach (var (provider, count) in setups)
{
    // A fresh database for each; Telegram runs on its webhook (every host takes updates; none polls).
    var settings = TestStorage.Settings(provider, hostSettings);
    settings["DataProtection:KeyPath"] = Directory.CreateTempSubdirectory("bot-keys-").FullName;   // one key folder for all its hosts
    await using var hosts = await HostGroup.StartAsync(count, settings);
    var (storage, database) = provider == StorageProvider.Sqlite ? ("SQLite", null) : ("PostgreSQL", postgres);
    var escalations = Load.Escalations;
    // --idle-sockets N: N web chat users hold their streams open, idle, through every run on the (first) host (issue 17).
    var idle = Option("--idle-sockets") is { } n ? await WebChatPath.HoldIdleSocketsAsync(hosts.Members[0].Http, int.Parse(n, CultureInfo.InvariantCulture)) : [];
    if (idle.Count > 0)
    {
        Console.WriteLine($"{idle.Count} idle web chat sockets held open during the runs");
    }
    foreach (var concurrency in levels)
    {
        if (paths.Contains("webchat"))
        {
            report.Runs.Add(await Load.RunAsync("web chat", storage, hosts.Members, concurrency, duration, WebChatPath.Walk, database));
        }
        if (paths.Contains("telegram"))
        {
            telegram.Acknowledged.Clear();
            var run = await Load.RunAsync("telegram", storage, hosts.Members, concurrency, duration, telegram.Walk, database);
            report.Runs.Add(run with { AckP99Ms = Load.Percentile([.. telegram.Acknowledged.Order()], 0.99) });
        }
        if (paths.Contains("botframework"))
        {
            botFramework.Acknowledged.Clear();
            var run = await Load.RunAsync("bot framework", storage, hosts.Members, concurrency, duration, botFramework.Walk, database);
            report.Runs.Add(run with { AckP99Ms = Load.Percentile([.. botFramework.Acknowledged.Order()], 0.99) });
        }
    }
    await using var db = TestDatabase.Open(hosts.Members[0]);
    report.Stored.Add(new Stored(storage, count, await db.Tickets.CountAsync(), Load.Escalations - escalations));
}
if (memoryConversations > 0)
{
    // A fresh host: the memory of these conversations, not of the load runs before.
    await using var host = await HostProcess.StartAsync(settings: hostSettings);
    report.Memory = await MemoryProbe.RunAsync(host, memoryConversations);
}

if (!args.Contains("--no-startup"))
{
    report.StartupMs = await StartupProbe.RunAsync(quick ? 1 : 3);
    // As deployed: published with ReadyToRun, so start-up does not wait for the JIT.
    if (!args.Contains("--no-publish") && await StartupProbe.PublishReadyToRunAsync() is { } published)
    {
        report.StartupReadyToRunMs = await StartupProbe.RunAsync(quick ? 1 : 3, published);
    }
}
report.LoadAverageAfter = Machine.LoadAverage();
report.Print();
var file = Path.Combine(Directory.GetCurrentDirectory(), "bench", "results", $"bench-{DateTime.UtcNow:yyyyMMdd-HHmmss}.json");
Directory.CreateDirectory(Path.GetDirectoryName(file)!);
await File.WriteAllTextAsync(file, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine($"JSON: {file}");
return 0;

string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

namespace Bot.Bench
{
    /// <param name="Storage">SQLite or PostgreSQL; empty for the ceiling.</param>
    /// <param name="Escalations">Walks that reached the waiting screen (a ticket each).</param>
    /// <param name="CpuMsPerTurn">Processor time of the server process (of all its hosts) per turn.</param>
    /// <param name="DatabaseCpuMsPerTurn">PostgreSQL's own processes per turn, when the run started its cluster (SQLite works inside the host).</param>
    /// <param name="AckP99Ms">The push channels: the request acknowledged (POST to 200), p99, for the 1 s target.</param>
    public sealed record Run(string Path, string Storage, int Hosts, int Concurrency, long Turns, double Seconds, double P50Ms, double P99Ms,
        long Errors, long Escalations, double CpuMsPerTurn, double? DatabaseCpuMsPerTurn, double? AckP99Ms = null)
    {
        public double TurnsPerSecond => Turns / Seconds;
    }

    /// <summary>Tickets in the database after a configuration's runs, beside the walks that reached the waiting screen (warm-ups included).</summary>
    public sealed record Stored(string Storage, int Hosts, int Tickets, long Escalations);

    public static class Machine
    {
        /// <summary>The 1, 5 and 15 minute load averages: other work on the machine skews every figure.</summary>
        public static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

        public static string CpuModel() => File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?"
            : "?";

        public static double MemoryGb() => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1024.0 / 1024 / 1024;

        public static string Describe() => string.Create(CultureInfo.InvariantCulture,
            $"{Environment.ProcessorCount} cores ({CpuModel()}), {MemoryGb():0.0} GB RAM, {Environment.OSVersion}");
    }

    public static class Repository
    {
        /// <summary>The folder of Bot.sln above this program; null when it runs elsewhere.</summary>
        public static string? Root()
        {
            var root = new DirectoryInfo(AppContext.BaseDirectory);
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "Bot.sln")))
            {
                root = root.Parent;
            }
            return root?.FullName;
        }
    }

    public sealed record Memory(int Conversations, double IdleResidentMb, double ResidentMb, double StateBytesPerConversation, double DatabaseBytesPerConversation);

    public sealed class Report(int cores, string os, DateTimeOffset at)
    {
        public int Cores { get; } = cores;
        public string Machine { get; } = Bot.Bench.Machine.Describe();
        public string Os { get; } = os;
        public DateTimeOffset At { get; } = at;
        public List<Run> Runs { get; } = [];
        public Memory? Memory { get; set; }
        public List<Stored> Stored { get; } = [];
        public double StartupMs { get; set; }
        public double StartupReadyToRunMs { get; set; }
        public string LoadAverageBefore { get; } = Bot.Bench.Machine.LoadAverage();
        public string LoadAverageAfter { get; set; } = "";

        public void Print()
        {
            Console.WriteLine();
            Console.WriteLine("| path | storage | hosts | conversations | turns/s | % of ceiling | p50 ms | p99 ms | ack p99 ms | server CPU ms/turn | database CPU ms/turn | escalations | errors | target | met |");
            Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|");
            foreach (var run in Runs)
            {
                var ceiling = Runs.FirstOrDefault(r => r.Path == "ceiling: " + run.Path && r.Concurrency == run.Concurrency);
                var share = ceiling is null ? double.NaN : 100 * run.TurnsPerSecond / ceiling.TurnsPerSecond;
                var pushes = run.Path is "telegram" or "bot framework";
                var (target, met) = (ceiling, run.Concurrency) switch
                {
                    (null, _) => ("", (bool?)null),
                    (_, 50) when pushes => ("≥ 30% of ceiling, p99 < 25 ms", share >= 30 && run.P99Ms < 25),
                    (_, 50) => ("p99 < 25 ms", run.P99Ms < 25),
                    (_, 500) when run.AckP99Ms is { } ack => ("ack p99 < 1000 ms", ack < 1000),
                    _ => ("", null),
                };
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {run.Path} | {run.Storage} | {(run.Storage.Length == 0 ? "" : run.Hosts)} | {run.Concurrency} | {run.TurnsPerSecond:0} | {(double.IsNaN(share) ? "" : share.ToString("0", CultureInfo.InvariantCulture) + "%")} " +
                    $"| {run.P50Ms:0.0} | {run.P99Ms:0.0} | {run.AckP99Ms?.ToString("0.0", CultureInfo.InvariantCulture)} | {run.CpuMsPerTurn:0.00} | {run.DatabaseCpuMsPerTurn?.ToString("0.00", CultureInfo.InvariantCulture)} " +
                    $"| {(run.Storage.Length == 0 ? "" : run.Escalations)} | {run.Errors} | {target} | {met switch { true => "yes", false => "no", null => "" }} |"));
            }
            // On one machine the hosts share its cores: this says what a second host costs or gains here, not what a second machine would.
            foreach (var two in Runs.Where(r => r.Hosts > 1))
            {
                if (Runs.FirstOrDefault(r => r.Hosts == 1 && (r.Path, r.Storage, r.Concurrency) == (two.Path, two.Storage, two.Concurrency)) is { } one)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{two.Path}, {two.Storage}, {two.Concurrency} conversations: {two.Hosts} hosts {two.TurnsPerSecond:0} turns/s over 1 host's {one.TurnsPerSecond:0} = {two.TurnsPerSecond / one.TurnsPerSecond:0.00}×; "
                        + $"server CPU {two.CpuMsPerTurn:0.00} against {one.CpuMsPerTurn:0.00} ms/turn (both hosts' processes summed)"));
                }
            }
            foreach (var stored in Stored)
            {
                Console.WriteLine($"{stored.Storage}, {stored.Hosts} host(s): {stored.Tickets} tickets in the database, {stored.Escalations} walks reached the waiting screen "
                    + "(a walk cut off by the end of a run after its consent has a ticket but is not counted)");
            }
            if (Memory is { } m)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"\nMemory (SQLite, one host): {m.ResidentMb:0} MB resident with {m.Conversations} conversations in screening (target < 300 MB for 10,000), " +
                    $"{m.IdleResidentMb:0} MB after the first reply; stored state {m.StateBytesPerConversation:0} B per conversation (target < 2 kB), " +
                    $"database file {m.DatabaseBytesPerConversation:0} B per conversation"));
            }
            foreach (var run in Runs.Where(r => r.AckP99Ms is not null))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{run.Path} ({run.Storage}, {run.Hosts} host(s)): request acknowledged at p99 in {run.AckP99Ms:0.0} ms with {run.Concurrency} conversations (target < 1000 ms)"));
            }
            if (StartupMs > 0)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Start-up: {StartupMs:0} ms from process start to first reply as built, {StartupReadyToRunMs:0} ms published with ReadyToRun (target < 2000 ms)"));
            }
            Console.WriteLine($"Machine: {Machine}; load average (1, 5, 15 min) {LoadAverageBefore} before, {LoadAverageAfter} after");
        }
    }

    /// <summary>Drives concurrent conversations for a while; a turn counts when its reply has arrived.</summary>
    public static class Load
    {
        /// <returns>True when the walk reached the waiting screen (escalated).</returns>
        public delegate Task<bool> Conversation(HttpClient http, List<double> latencies, CancellationToken stop);

        private static long _escalations;

        /// <summary>Walks that reached the waiting screen so far, warm-ups included: to hold against the tickets stored.</summary>
        public static long Escalations => Interlocked.Read(ref _escalations);

        /// <param name="servers">One host, or several on one database: then each request goes to the next (round-robin, as a load balancer without sticky sessions).</param>
        /// <param name="database">The PostgreSQL cluster the hosts use, for its processor time.</param>
        public static async Task<Run> RunAsync(string name, string storage, IReadOnlyList<HostProcess> servers, int concurrency, TimeSpan duration, Conversation walk,
            PostgresServer? database = null)
        {
            HttpMessageHandler handler = new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
            using var http = new HttpClient(servers.Count == 1 ? handler : new RoundRobin([.. servers.Select(h => h.BaseAddress)]) { InnerHandler = handler })
            {
                BaseAddress = servers[0].BaseAddress,
                Timeout = TimeSpan.FromSeconds(30),
            };
            // Warm-up: tiered JIT (it goes on recompiling hot code for seconds), connection pool, database pages.
            using (var warm = new CancellationTokenSource(TimeSpan.FromSeconds(3)))
            {
                await Task.WhenAll(Enumerable.Range(0, Math.Min(concurrency, 20)).Select(_ => Loop(http, [], walk, warm.Token)));
            }
            using var stop = new CancellationTokenSource(duration);
            var latencies = Enumerable.Range(0, concurrency).Select(_ => new List<double>()).ToArray();
            var (cpu, databaseCpu) = (ProcessorTime(servers), database?.ProcessorTime());
            var clock = Stopwatch.StartNew();
            var tallies = await Task.WhenAll(latencies.Select(list => Loop(http, list, walk, stop.Token)));
            var seconds = clock.Elapsed.TotalSeconds;
            (cpu, databaseCpu) = (ProcessorTime(servers) - cpu, database?.ProcessorTime() - databaseCpu);
            var all = latencies.SelectMany(l => l).Order().ToArray();
            var turns = Math.Max(1, all.Length);
            var run = new Run(name, storage, servers.Count, concurrency, all.Length, seconds, Percentile(all, 0.50), Percentile(all, 0.99),
                tallies.Sum(t => t.Errors), tallies.Sum(t => t.Escalations), cpu.TotalMilliseconds / turns, databaseCpu?.TotalMilliseconds / turns);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-24} {storage,-10} {servers.Count} host(s) {concurrency,4} conversations: {run.TurnsPerSecond,8:0} turns/s, p50 {run.P50Ms:0.0} ms, p99 {run.P99Ms:0.0} ms, "
                + $"{run.Escalations} escalations, errors {run.Errors}, server CPU {run.CpuMsPerTurn:0.00} ms/turn{(run.DatabaseCpuMsPerTurn is { } d ? " + database " + d.ToString("0.00", CultureInfo.InvariantCulture) : "")}"));
            if (tallies.Select(t => t.FirstError).FirstOrDefault(e => e is not null) is { } error)
            {
                Console.WriteLine($"  first error: {error}");
            }
            return run;
        }

        private static TimeSpan ProcessorTime(IReadOnlyList<HostProcess> servers) => servers.Aggregate(TimeSpan.Zero, (sum, h) => sum + h.ProcessorTime());

        private static async Task<(int Errors, int Escalations, string? FirstError)> Loop(HttpClient http, List<double> latencies, Conversation walk, CancellationToken stop)
        {
            var (errors, escalations, first) = (0, 0, (string?)null);
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    if (await walk(http, latencies, stop))
                    {
                        escalations++;
                        Interlocked.Increment(ref _escalations);
                    }
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException or InvalidOperationException)
                {
                    if (!stop.IsCancellationRequested)
                    {
                        errors++;
                        first ??= e.GetType().Name + ": " + e.Message;
                    }
                }
            }
            return (errors, escalations, first);
        }

        /// <summary>Sends each request to the next of several hosts.</summary>
        private sealed class RoundRobin(Uri[] hosts) : DelegatingHandler
        {
            private int _next;

            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                request.RequestUri = new Uri(hosts[(uint)Interlocked.Increment(ref _next) % (uint)hosts.Length], request.RequestUri!.PathAndQuery);
                return base.SendAsync(request, cancellationToken);
            }
        }

        public static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
    }

    /// <summary>Resident memory and stored bytes with many conversations in the middle of screening.</summary>
    public static class MemoryProbe
    {
        public static async Task<Memory> RunAsync(HostProcess host, int conversations)
        {
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 50 }) { BaseAddress = host.BaseAddress };
            await WebChatPath.FirstReply(http);
            var idle = host.ResidentBytes() / 1024.0 / 1024.0;
            var next = -1;
            await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ =>
            {
                while (Interlocked.Increment(ref next) < conversations)
                {
                    await WebChatPath.IntoScreening(http);
                }
            }));
            await Task.Delay(1000);
            var rss = host.ResidentBytes() / 1024.0 / 1024.0;
            var (stateBytes, count) = await StoredStateAsync(host.DataPath);
            var database = Directory.GetFiles(host.DataPath, "bot.db*").Sum(f => new FileInfo(f).Length);
            return new Memory(conversations, idle, rss, stateBytes / (double)count, database / (double)count);
        }

        private static async Task<(long Bytes, long Count)> StoredStateAsync(string dataPath)
        {
            await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(dataPath, "bot.db")};Mode=ReadOnly");
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT COALESCE(SUM(LENGTH(CAST(State AS BLOB))), 0), COUNT(*) FROM Conversations";
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            return (reader.GetInt64(0), reader.GetInt64(1));
        }
    }

    /// <summary>Process start to the first reply served, on a fresh data folder (migrations included).</summary>
    public static class StartupProbe
    {
        /// <param name="program">A published Bot.Host.dll; the one built beside this program when null.</param>
        public static async Task<double> RunAsync(int times, string? program = null)
        {
            var samples = new List<double>();
            for (var i = 0; i < times; i++)
            {
                var clock = Stopwatch.StartNew();
                await using var host = await HostProcess.StartAsync(program: program is null ? null : [program]);
                using var http = new HttpClient { BaseAddress = host.BaseAddress };
                await WebChatPath.FirstReply(http);
                samples.Add(clock.Elapsed.TotalMilliseconds);
            }
            return samples.Order().ElementAt(samples.Count / 2);
        }

        /// <summary>dotnet publish of the host with ReadyToRun into a temporary folder; null when that fails (no runtime pack offline).</summary>
        public static async Task<string?> PublishReadyToRunAsync()
        {
            if (Repository.Root() is not { } root)
            {
                return null;
            }
            var output = Directory.CreateTempSubdirectory("bot-r2r-").FullName;
            var rid = System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier;
            using var publish = Process.Start(new ProcessStartInfo("dotnet",
                ["publish", Path.Combine(root, "Bot.Host", "Bot.Host.csproj"), "-c", "Release", "-r", rid, "--self-contained", "false",
                 "-p:PublishReadyToRun=true", "-o", output, "--nologo", "-v", "quiet"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            var log = publish.StandardOutput.ReadToEndAsync();
            var errors = publish.StandardError.ReadToEndAsync();
            await publish.WaitForExitAsync();
            if (publish.ExitCode != 0)
            {
                Console.WriteLine($"ReadyToRun publish failed, start-up measured as built only:\n{await log}{await errors}");
                return null;
            }
            return Path.Combine(output, "Bot.Host.dll");
        }
    }
}
