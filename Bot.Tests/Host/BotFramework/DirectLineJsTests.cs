using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Bot.Content;

namespace Bot.Tests.Host.BotFramework;

/// <summary>Microsoft's botframework-directlinejs (installed from npm by scripts/test.sh) against the host's Direct Line endpoints.</summary>
public class DirectLineJsTests
{
    private static readonly LanguagePack En = TestContent.Content["en"];
    private static string Button(string key) => En.Text("button." + key);

    private static string ScriptFolder()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, "Bot.Tests", "DirectLineJs");
            if (File.Exists(Path.Combine(candidate, "walk.js")))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException("Bot.Tests/DirectLineJs not found above " + AppContext.BaseDirectory);
    }

    private static async Task<JsonElement> GenerateTokenAsync(HostProcess host)
    {
        // What a website's backend does before embedding Web Chat: a token for one new conversation.
        using var request = new HttpRequestMessage(HttpMethod.Post, "v3/directline/tokens/generate");
        request.Headers.AcceptLanguage.ParseAdd("en");
        using var response = await host.Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Theory]
    [InlineData("polling")]
    [InlineData("websocket")]
    public async Task Directlinejs_walks_a_conversation_and_gets_its_messages_echoed(string mode)
    {
        var folder = ScriptFolder();
        await using var host = await HostProcess.StartAsync();
        var generated = await GenerateTokenAsync(host);
        string[] titles = [Button("continue"), Button("safe"), Button("self")];
        var result = await NodeAsync(folder, "walk.js",
            [new Uri(host.BaseAddress, "v3/directline").ToString(), generated.GetProperty("token").GetString()!, mode, .. titles]);
        Assert.Equal(generated.GetProperty("conversationId").GetString(), result.GetProperty("conversationId").GetString());
        Assert.Equal(En.Text("age.ask"), result.GetProperty("prompt").GetString());
        Assert.Equal(3, result.GetProperty("echoes").GetInt32());
        // Over the WebSocket nothing is polled; with polling no socket is opened.
        var (gets, sockets) = (result.GetProperty("gets").GetInt32(), result.GetProperty("sockets").GetInt32());
        Assert.True(mode == "websocket" ? gets == 0 && sockets >= 1 : gets > 0 && sockets == 0, $"{gets} GETs of activities, {sockets} sockets");
        // The greeting came once: opening the generated conversation did not start it again.
        Assert.Single(result.GetProperty("texts").EnumerateArray(), t => t.GetString() == En.Text("privacy.ask"));
        // Echoes live in memory only; the host's log carries none of the pressed titles.
        Assert.DoesNotContain(Button("self"), host.Output, StringComparison.Ordinal);
    }

    /// <summary>Runs one of the scripts with Node and returns the JSON line it prints last.</summary>
    private static async Task<JsonElement> NodeAsync(string folder, string script, string[] arguments)
    {
        Assert.True(Directory.Exists(Path.Combine(folder, "node_modules", "botframework-directlinejs")),
            "run `npm ci` in Bot.Tests/DirectLineJs (scripts/test.sh does)");
        var start = new ProcessStartInfo("node", ["--experimental-websocket", Path.Combine(folder, script), .. arguments])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var node = Process.Start(start)!;
        var output = node.StandardOutput.ReadToEndAsync();
        var errors = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await node.WaitForExitAsync(timeout.Token);
        Assert.True(node.ExitCode == 0, await errors + await output);
        return JsonDocument.Parse((await output).Trim().Split('\n')[^1]).RootElement;
    }

    [Fact]
    public async Task With_directlinejs_a_second_client_on_the_conversation_closes_the_first_socket_and_exit_closes_its_own()
    {
        await using var host = await HostProcess.StartAsync();
        var generated = await GenerateTokenAsync(host);
        var result = await NodeAsync(ScriptFolder(), "sockets.js",
            [new Uri(host.BaseAddress, "v3/directline").ToString(), generated.GetProperty("token").GetString()!]);

        // 1008 (policy violation) with Direct Line's reason; nothing else closed before the client's own /exit.
        var closes = result.GetProperty("closes").EnumerateArray()
            .Select(c => (c.GetProperty("socket").GetInt32(), c.GetProperty("code").GetInt32(), c.GetProperty("reason").GetString())).ToList();
        Assert.Equal([(1, 1008, "collision"), (2, 1008, "revoked")], closes);
        Assert.Equal(2, result.GetProperty("opened").GetInt32());
        Assert.True(result.GetProperty("secondGot").GetInt32() > 0);
    }

    [Fact]
    public async Task A_token_of_one_conversation_cannot_open_reconnect_or_read_another()
    {
        await using var host = await HostProcess.StartAsync();
        var a = await GenerateTokenAsync(host);
        var b = await GenerateTokenAsync(host);
        var tokenA = a.GetProperty("token").GetString()!;
        var idA = a.GetProperty("conversationId").GetString()!;
        var idB = b.GetProperty("conversationId").GetString()!;

        async Task<HttpResponseMessage> Send(HttpMethod method, string path)
        {
            using var request = new HttpRequestMessage(method, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokenA);
            return await host.Http.SendAsync(request);
        }

        using var opened = await Send(HttpMethod.Post, "v3/directline/conversations");
        Assert.Equal(idA, (await opened.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("conversationId").GetString());
        using var reconnectB = await Send(HttpMethod.Get, $"v3/directline/conversations/{idB}?watermark=");
        using var readB = await Send(HttpMethod.Get, $"v3/directline/conversations/{idB}/activities?watermark=");
        using var reconnectA = await Send(HttpMethod.Get, $"v3/directline/conversations/{idA}?watermark=");
        Assert.Equal(HttpStatusCode.Unauthorized, reconnectB.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, readB.StatusCode);
        Assert.Equal(HttpStatusCode.OK, reconnectA.StatusCode);
        Assert.True((await reconnectA.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("expires_in").GetInt32() <= 1800);
    }
}
