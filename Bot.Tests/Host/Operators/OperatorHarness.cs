using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bot.Content;
using Bot.Host.Operators;
using Microsoft.Extensions.Configuration;

namespace Bot.Tests.Host.Operators;

/// <summary>Operators for a test host: accounts made with the real CLI verb, clients signed in through the real API.</summary>
public static class OperatorHarness
{
    public static readonly LanguagePack En = TestContent.Content["en"];

    /// <summary>Runs `Bot.Host operator add …` against the host's data folder, the password on standard input.</summary>
    public static Task<(int ExitCode, string Output)> AddOperatorAsync(string dataPath, string login, string role, string gender, string name, string password) =>
        OperatorCliAsync(dataPath, password, "add", login, "--role", role, "--gender", gender, "--display-name", name);

    /// <summary>Runs `Bot.Host operator …` against a data folder, with this line on standard input.</summary>
    public static async Task<(int ExitCode, string Output)> OperatorCliAsync(string dataPath, string input, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Bot.Host.dll"), "operator", .. args])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dataPath,
        };
        start.Environment["Storage__DataPath"] = dataPath;
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteLineAsync(input);
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output);
    }

    /// <summary>
    /// `operator add` run in this process against the host's database: no process start for each of a test's accounts (the
    /// verb as its own process is tested in OperatorTests).
    /// </summary>
    /// <param name="reads">The persons' languages the account declares it reads (`--reads`); null declares none.</param>
    public static Task<(int ExitCode, string Output)> AddOperatorAsync(HostProcess host, string login, string role, string gender, string name, string password,
        string? reads = null) =>
        OperatorCliInProcessAsync(host, password,
            ["add", login, "--role", role, "--gender", gender, "--display-name", name, .. reads is null ? Array.Empty<string>() : ["--reads", reads]]);

    /// <summary>A new account (the CLI verb run in this process: no process start for each of a test's accounts) and an HTTP client signed in as it.</summary>
    /// <param name="reads">The persons' languages the account declares it reads (`--reads`); null declares none.</param>
    /// <param name="cookies">Where the client keeps its cookies (another client may share them: the same browser on another host).</param>
    public static async Task<HttpClient> OperatorAsync(HostProcess host, string login, string role = "hotline", string gender = "f", string? name = null,
        string? reads = null, CookieContainer? cookies = null)
    {
        var (code, output) = await AddOperatorAsync(host, login, role, gender, name ?? "Aigerim", "correct horse battery staple", reads);
        Assert.True(code == 0, output);
        var client = new HttpClient(new HttpClientHandler { CookieContainer = cookies ?? new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(30),
        };
        using var signIn = await client.PostAsJsonAsync("api/operator/signin", new { login, password = "correct horse battery staple" });
        Assert.Equal(HttpStatusCode.NoContent, signIn.StatusCode);
        await UseAntiforgeryAsync(client);
        return client;
    }

    /// <summary>`operator …` run in this process against the host's data folder, with this line on standard input.</summary>
    public static async Task<(int ExitCode, string Output)> OperatorCliInProcessAsync(HostProcess host, string input, string[] args)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(host.Settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)))
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:DataPath"] = host.DataPath }).Build();
        using var output = new StringWriter();
        var code = await OperatorCli.RunAsync(configuration, args, new StringReader(input), output);
        return (code, output.ToString());
    }

    /// <summary>
    /// A client whose connections come from another loopback address (127.0.0.2 …): another client as the host sees it, for
    /// limits kept per address.
    /// </summary>
    public static HttpClient FromAddress(HostProcess host, string localAddress, CookieContainer? cookies = null) =>
        new(new SocketsHttpHandler
        {
            CookieContainer = cookies ?? new CookieContainer(),
            AllowAutoRedirect = false,
            ConnectCallback = async (context, cancel) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(IPAddress.Parse(localAddress), 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancel);
                    return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        })
        { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Fetches the signed-in operator's antiforgery token and sends it with every request, as the console's script does.</summary>
    public static async Task UseAntiforgeryAsync(HttpClient client)
    {
        var antiforgery = await client.GetFromJsonAsync<JsonElement>("api/operator/antiforgery");
        client.DefaultRequestHeaders.Add(antiforgery.GetProperty("header").GetString()!, antiforgery.GetProperty("token").GetString());
    }

    /// <summary>The web chat from the greeting to consent; the person waits for an operator.</summary>
    public static async Task<WebChatClient> ConsentAsync(HostProcess host, string gender = "woman", string destination = "hotline", string language = "en")
    {
        var chat = await ToConsentAsync(host.Http, gender, destination, language);
        var words = TestContent.Content[language];
        await chat.PressAsync(words.Text("button.agree"));
        Assert.Equal(words.Text("waiting.ask"), WebChatClient.Text(chat.LastPrompt));
        return chat;
    }

    /// <summary>The web chat from the greeting to the consent screen, through <paramref name="http"/> (a client address of its own).</summary>
    public static async Task<WebChatClient> ToConsentAsync(HttpClient http, string gender = "woman", string destination = "hotline", string language = "en")
    {
        var chat = new WebChatClient(http);
        await chat.StartAsync(language);
        foreach (var key in new[] { "continue", "safe", "self", "adult", "in-kazakhstan", "stop", "talk", gender, destination })
        {
            await chat.PressAsync(TestContent.Content[language].Text("button." + key));
        }
        return chat;
    }

    public static async Task<JsonElement> TicketsAsync(HttpClient client) =>
        await client.GetFromJsonAsync<JsonElement>("api/operator/tickets");

    public static async Task<JsonElement> WaitForTicketAsync(HttpClient client)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            var tickets = await TicketsAsync(client);
            if (tickets.GetArrayLength() > 0)
            {
                return tickets[0];
            }
            await Task.Delay(50);
        }
        throw new TimeoutException("No ticket appeared");
    }

    /// <summary>Reads the web chat until a message with this text arrives.</summary>
    public static async Task<IReadOnlyList<string>> ReadUntilAsync(WebChatClient chat, Func<string, bool> until)
    {
        var seen = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            seen.AddRange((await chat.ReadAsync()).Select(WebChatClient.Text));
            if (seen.Any(until))
            {
                return seen;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException("Not received; got: " + string.Join(" | ", seen));
    }
}
