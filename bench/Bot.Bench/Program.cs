using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Bot.Bench;
using Bot.Tests.Host;

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
var levels = quick ? new[] { 1, 50 } : new[] { 1, 50, 500 };
var duration = TimeSpan.FromSeconds(quick ? 3 : 10);
var memoryConversations = quick ? 500 : 10_000;
var report = new Report(Environment.ProcessorCount, Environment.OSVersion.ToString(), DateTimeOffset.UtcNow);

Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}; {duration.TotalSeconds:0} s per level");

await using var botApi = await BotApiStandIn.StartAsync();
var telegram = new TelegramPath(botApi);
await using (var bare = await BareEndpoint.StartAsync(botApi.Url))
{
    foreach (var concurrency in levels)
    {
        report.Runs.Add(await Load.RunAsync("ceiling: web chat", bare.BaseAddress, concurrency, duration, WebChatPath.Bare));
        report.Runs.Add(await Load.RunAsync("ceiling: telegram", bare.BaseAddress, concurrency, duration, telegram.Bare));
    }
}

// Everything comes from one loopback address here: the per-client limits would measure themselves.
var hostSettings = new Dictionary<string, string>(TelegramPath.HostSettings(botApi))
{
    ["Abuse:RequestsPerMinutePerClient"] = "0",
    ["Abuse:NewConversationsPerMinutePerClient"] = "0",
};
await using (var host = await HostProcess.StartAsync(settings: hostSettings))
{
    foreach (var concurrency in levels)
    {
        report.Runs.Add(await Load.RunAsync("web chat", host.BaseAddress, concurrency, duration, WebChatPath.Walk));
        telegram.Acknowledged.Clear();
        report.Runs.Add(await Load.RunAsync("telegram", host.BaseAddress, concurrency, duration, telegram.Walk));
        report.WebhookAckP99Ms[concurrency] = Load.Percentile([.. telegram.Acknowledged.Order()], 0.99);
    }
    report.Memory = await MemoryProbe.RunAsync(host, memoryConversations);
}

report.StartupMs = await StartupProbe.RunAsync(quick ? 1 : 3);
report.Print();
var file = Path.Combine(Directory.GetCurrentDirectory(), "bench", "results", $"bench-{DateTime.UtcNow:yyyyMMdd-HHmmss}.json");
Directory.CreateDirectory(Path.GetDirectoryName(file)!);
await File.WriteAllTextAsync(file, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine($"JSON: {file}");
return 0;

namespace Bot.Bench
{
    public sealed record Run(string Path, int Concurrency, long Turns, double Seconds, double P50Ms, double P99Ms, long Errors)
    {
        public double TurnsPerSecond => Turns / Seconds;
    }

    public sealed record Memory(int Conversations, double ResidentMb, double StateBytesPerConversation, double DatabaseBytesPerConversation);

    public sealed class Report(int cores, string os, DateTimeOffset at)
    {
        public int Cores { get; } = cores;
        public string Os { get; } = os;
        public DateTimeOffset At { get; } = at;
        public List<Run> Runs { get; } = [];
        public Memory? Memory { get; set; }
        public Dictionary<int, double> WebhookAckP99Ms { get; } = [];
        public double StartupMs { get; set; }

        public void Print()
        {
            Console.WriteLine();
            Console.WriteLine("| path | conversations | turns/s | % of ceiling | p50 ms | p99 ms | errors | target |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---|");
            foreach (var run in Runs)
            {
                var ceiling = Runs.FirstOrDefault(r => r.Path == "ceiling: " + run.Path && r.Concurrency == run.Concurrency);
                var ratio = ceiling is null ? "" : (100 * run.TurnsPerSecond / ceiling.TurnsPerSecond).ToString("0", CultureInfo.InvariantCulture) + "%";
                var target = ceiling is null ? "" : run.Concurrency switch
                {
                    50 => "≥ 30% of ceiling, p99 < 25 ms",
                    500 => "acknowledged < 1 s at p99",
                    _ => "",
                };
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {run.Path} | {run.Concurrency} | {run.TurnsPerSecond:0} | {ratio} | {run.P50Ms:0.0} | {run.P99Ms:0.0} | {run.Errors} | {target} |"));
            }
            if (Memory is { } m)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"\nMemory: {m.ResidentMb:0} MB resident with {m.Conversations} conversations in screening (target < 300 MB for 10,000); " +
                    $"state {m.StateBytesPerConversation:0} B per conversation, database {m.DatabaseBytesPerConversation:0} B (target < 2 kB)"));
            }
            foreach (var (concurrency, p99) in WebhookAckP99Ms)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Telegram webhook acknowledged at p99 in {p99:0.0} ms with {concurrency} conversations (target < 1000 ms)"));
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Start-up: {StartupMs:0} ms from process start to first reply (target < 2000 ms)"));
        }
    }

    /// <summary>Drives concurrent conversations for a while; a turn counts when its reply has arrived.</summary>
    public static class Load
    {
        public delegate Task<int> Conversation(HttpClient http, List<double> latencies, CancellationToken stop);

        public static async Task<Run> RunAsync(string name, Uri baseAddress, int concurrency, TimeSpan duration, Conversation walk)
        {
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
            {
                BaseAddress = baseAddress,
                Timeout = TimeSpan.FromSeconds(30),
            };
            // Warm-up: JIT, connection pool, SQLite pages.
            using (var warm = new CancellationTokenSource(TimeSpan.FromSeconds(1)))
            {
                await Task.WhenAll(Enumerable.Range(0, Math.Min(concurrency, 20)).Select(_ => Loop(http, [], walk, warm.Token)));
            }
            using var stop = new CancellationTokenSource(duration);
            var latencies = Enumerable.Range(0, concurrency).Select(_ => new List<double>()).ToArray();
            var clock = Stopwatch.StartNew();
            var errors = await Task.WhenAll(latencies.Select(list => Loop(http, list, walk, stop.Token)));
            var seconds = clock.Elapsed.TotalSeconds;
            var all = latencies.SelectMany(l => l).Order().ToArray();
            var run = new Run(name, concurrency, all.Length, seconds, Percentile(all, 0.50), Percentile(all, 0.99), errors.Sum());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-24} {concurrency,4} conversations: {run.TurnsPerSecond,8:0} turns/s, p50 {run.P50Ms:0.0} ms, p99 {run.P99Ms:0.0} ms, errors {run.Errors}"));
            return run;
        }

        private static async Task<int> Loop(HttpClient http, List<double> latencies, Conversation walk, CancellationToken stop)
        {
            var errors = 0;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await walk(http, latencies, stop);
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException or InvalidOperationException)
                {
                    if (!stop.IsCancellationRequested)
                    {
                        errors++;
                    }
                }
            }
            return errors;
        }

        public static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
    }

    /// <summary>Resident memory and stored bytes with many conversations in the middle of screening.</summary>
    public static class MemoryProbe
    {
        public static async Task<Memory> RunAsync(HostProcess host, int conversations)
        {
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 50 }) { BaseAddress = host.BaseAddress };
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
            return new Memory(conversations, rss, stateBytes / (double)count, database / (double)count);
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
        public static async Task<double> RunAsync(int times)
        {
            var samples = new List<double>();
            for (var i = 0; i < times; i++)
            {
                var clock = Stopwatch.StartNew();
                await using var host = await HostProcess.StartAsync();
                using var http = new HttpClient { BaseAddress = host.BaseAddress };
                await WebChatPath.FirstReply(http);
                samples.Add(clock.Elapsed.TotalMilliseconds);
            }
            return samples.Order().ElementAt(samples.Count / 2);
        }
    }
}
