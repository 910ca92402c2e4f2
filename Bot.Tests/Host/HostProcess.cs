using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Bot.Host.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Bot.Tests.Host;

/// <summary>The real Bot.Host as its own process on a loopback port, with its own data folder.</summary>
public sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    public Uri BaseAddress { get; }
    public string DataPath { get; }
    /// <summary>The keys, beside the data folder and not in it (Production refuses keys under the data path).</summary>
    public string KeyPath { get; }
    public HttpClient Http { get; }
    /// <summary>The settings it was started with (its database among them), to start another on the same data.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; }

    /// <summary>Opens what the host sealed, with its keys (its key folder or its database, as it was told): for tests that look inside the database.</summary>
    public Sealed Secrets()
    {
        if (_keys is null)
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(Settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)))
                .AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:DataPath"] = DataPath, ["DataProtection:KeyPath"] = KeyPath }).Build();
            _keys = new ServiceCollection().AddLogging().AddBotDb(StorageOptions.From(configuration)).AddKeys(KeyOptions.From(configuration))
                .AddSingleton<Sealed>().BuildServiceProvider();
        }
        return _keys.GetRequiredService<Sealed>();
    }

    private ServiceProvider? _keys;

    /// <summary>Everything the host wrote to its console (the log), for leak checks.</summary>
    public string Output
    {
        get { lock (_output) { return _output.ToString(); } }
    }

    private HostProcess(string[] program, string dataPath, int port, IReadOnlyDictionary<string, string> settings)
    {
        DataPath = dataPath;
        Settings = settings;
        KeyPath = settings.TryGetValue("DataProtection:KeyPath", out var keys) ? keys : dataPath.TrimEnd('/') + "-keys";
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, program[0]), .. program[1..], "--urls", BaseAddress.ToString().TrimEnd('/')])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = dataPath,
        };
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Storage__DataPath"] = dataPath;
        // Plain HTTP on loopback: Secure cookies would never come back (a test through the TLS proxy leaves the default on).
        start.Environment["Operators__SecureCookiesOnly"] = "false";
        start.Environment["DataProtection__KeyPath"] = KeyPath;
        foreach (var (key, value) in settings)
        {
            // An empty value leaves the host's own default (e.g. Secure cookies, behind the TLS proxy).
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value.Length == 0 ? null : value;
        }
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => { lock (_output) { _output.AppendLine(e.Data); } };
        _process.ErrorDataReceived += (_, e) => { lock (_output) { _output.AppendLine(e.Data); } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <param name="program">Another program and its arguments that answers /health (the benchmark's bare endpoint).</param>
    /// <param name="port">The port of an earlier host: a restart at the same address, as clients know it.</param>
    public static async Task<HostProcess> StartAsync(string? dataPath = null, IReadOnlyDictionary<string, string>? settings = null,
        string[]? program = null, int? port = null)
    {
        dataPath ??= Directory.CreateTempSubdirectory("bot-data-").FullName;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(dataPath, settings, program, port);
            }
            catch (PortTakenException) when (port is null && attempt < 5)
            {
                // The free port was taken by another process between our look and the host's bind (two suites at once): another.
            }
        }
    }

    private sealed class PortTakenException(string message) : InvalidOperationException(message);

    private static async Task<HostProcess> StartOnceAsync(string dataPath, IReadOnlyDictionary<string, string>? settings, string[]? program, int? port)
    {
        var host = new HostProcess(program ?? ["Bot.Host.dll"], dataPath, port ?? FreePort(), settings ?? new Dictionary<string, string>());
        // A hang detector, not a speed check (the benchmark times start-up): a start takes ~3 s idle and over 60 s with the
        // two cores 15 times oversubscribed.
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            if (host._process.HasExited)
            {
                await host._process.WaitForExitAsync();   // drains the redirected output: the reason is in its last lines
                var message = $"The host exited with code {host._process.ExitCode}:\n" + host.Output;
                throw host.Output.Contains("address already in use", StringComparison.OrdinalIgnoreCase)
                    ? new PortTakenException(message) : new InvalidOperationException(message);
            }
            try
            {
                // Bot.Host's own start-up line too: another process on the port (one that took it first) would answer the health check.
                if ((await host.Http.GetAsync("health")).IsSuccessStatusCode && (program is not null || host.Output.Contains("Web chat: ", StringComparison.Ordinal)))
                {
                    return host;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await Task.Delay(20);
        }
        await host.DisposeAsync();
        throw new TimeoutException("The host did not start:\n" + host.Output);
    }

    /// <summary>The process's resident memory (VmRSS), in bytes.</summary>
    public long ResidentBytes()
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>Processor time the process has used so far (user and kernel).</summary>
    public TimeSpan ProcessorTime()
    {
        _process.Refresh();
        return _process.TotalProcessorTime;
    }

    /// <summary>Ends the process at once, as a crash or power cut would.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        if (_keys is not null)
        {
            await _keys.DisposeAsync();
        }
        Http.Dispose();
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
