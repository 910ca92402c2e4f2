using System.Net.Http.Json;
using System.Net;
using Xunit.Abstractions;
using System.Net.WebSockets;
using System.Text.Json;
using Bot.Content;
using static Bot.Tests.Host.Operators.OperatorHarness;

namespace Bot.Tests.Host;

/// <summary>Direct Line's WebSocket stream against the real host process.</summary>
public class WebChatStreamTests
{
    private static readonly LanguagePack En = TestContent.Content["en"];

    private static string Button(string key) => En.Text("button." + key);

    private static string? ClientActivityId(JsonElement activity) =>
        activity.TryGetProperty("channelData", out var data) && data.TryGetProperty("clientActivityID", out var id) ? id.GetString() : null;

    [Fact]
    public async Task The_stream_carries_greeting_echo_typing_and_replies_and_a_second_socket_closes_the_first_with_collision()
    {
        await using var host = await HostProcess.StartAsync();
        var chat = new WebChatClient(host.Http);
        await chat.StartAsync();
        await using var first = await DirectLineSocket.OpenAsync(chat.StreamUrl);
        var greeting = await first.NextPromptAsync();   // opened after the start: the stream of a start carries the conversation from its beginning
        Assert.Equal(En.Text("privacy.ask"), WebChatClient.Text(greeting));

        await chat.PressEchoedAsync(greeting, Button("continue"), "c1");
        var echo = await first.NextAsync(a => ClientActivityId(a) == "c1", "the echo");
        var safety = await first.NextPromptAsync();
        Assert.Contains(WebChatClient.Options(safety), o => o.Title == Button("safe"));
        var received = first.Received.ToList();
        Assert.True(received.FindIndex(a => a.GetProperty("type").GetString() == "typing") < received.IndexOf(safety),
            "the bot's typing comes before its reply");

        // Reconnect with the watermark: a new socket, from there on; the first one is closed with "collision".
        var watermark = first.Watermark;
        await using var second = await DirectLineSocket.OpenAsync(await chat.ReconnectAsync(watermark));
        Assert.Equal((WebSocketCloseStatus.PolicyViolation, "collision"), await first.Closed.Task.WaitAsync(TimeSpan.FromSeconds(20)));
        await chat.PressEchoedAsync(safety, Button("safe"), "c2");
        var role = await second.NextPromptAsync();
        Assert.Contains(WebChatClient.Options(role), o => o.Title == Button("self"));
        Assert.DoesNotContain(second.Received, a => a.TryGetProperty("text", out var text) && text.GetString() == En.Text("privacy.ask"));
        Assert.DoesNotContain(second.Received, a => ClientActivityId(a) == "c1");

        // Without a watermark, a reconnect's stream carries only what comes after it.
        await using var third = await DirectLineSocket.OpenAsync(await chat.ReconnectAsync(null));
        await second.Closed.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await chat.PressEchoedAsync(role, Button("self"), "c3");
        var age = await third.NextPromptAsync();
        Assert.Equal(En.Text("age.ask"), WebChatClient.Text(age));
        Assert.DoesNotContain(third.Received, a => ClientActivityId(a) == "c2" || (a.TryGetProperty("text", out var t) && t.GetString() == WebChatClient.Text(role)));
    }

    [Fact]
    public async Task Quick_exit_and_forget_close_the_socket_at_once_and_a_block_too()
    {
        await using var host = await HostProcess.StartAsync();
        foreach (var command in new[] { "/exit", "/forget" })
        {
            var leaving = new WebChatClient(host.Http);
            await leaving.StartAsync();
            await using var stream = await DirectLineSocket.OpenAsync(leaving.StreamUrl);
            await stream.NextPromptAsync();
            (await leaving.PostAsync(new { type = "message", text = command, from = new { id = "user" } })).EnsureSuccessStatusCode();
            Assert.Equal((WebSocketCloseStatus.PolicyViolation, "revoked"), await stream.Closed.Task.WaitAsync(TimeSpan.FromSeconds(20)));
            Assert.DoesNotContain(stream.Received, a => DirectLineSocket.FromBot(a) && WebChatClient.Text(a) is var text
                && (text == En.Text("forget.done") || text == En.Text("exit.done")));
            // The old token opens no stream any more; after /forget it may read the last words once.
            await Assert.ThrowsAnyAsync<WebSocketException>(async () => await DirectLineSocket.OpenAsync(leaving.StreamUrl));
            using var read = await leaving.GetActivitiesAsync();
            if (command == "/forget")
            {
                Assert.Equal(HttpStatusCode.OK, read.StatusCode);
                Assert.Contains(En.Text("forget.done"), await read.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
            else
            {
                Assert.Equal(HttpStatusCode.Unauthorized, read.StatusCode);
            }
        }

        var chat = await ConsentAsync(host);
        using var hotline = await OperatorAsync(host, "aliya");
        var id = (await WaitForTicketAsync(hotline)).GetProperty("id").GetString()!;
        await using var blocked = await DirectLineSocket.OpenAsync(await chat.ReconnectAsync(chat.Watermark));
        // Its echo on the socket shows the socket is open on the host's side too.
        (await chat.PostAsync(new { type = "message", text = "hello", from = new { id = "user" }, channelData = new { clientActivityID = "c1" } }))
            .EnsureSuccessStatusCode();
        await blocked.NextAsync(a => ClientActivityId(a) == "c1", "the echo");
        using (var block = await hotline.PostAsJsonAsync($"api/operator/tickets/{id}/block", new { reason = "threats to the operator" }))
        {
            Assert.Equal(HttpStatusCode.NoContent, block.StatusCode);
        }
        Assert.Equal((WebSocketCloseStatus.PolicyViolation, "revoked"), await blocked.Closed.Task.WaitAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task A_stream_url_opens_only_its_own_conversation_and_only_as_a_websocket()
    {
        await using var host = await HostProcess.StartAsync();
        var a = new WebChatClient(host.Http);
        var b = new WebChatClient(host.Http);
        await a.StartAsync();
        await b.StartAsync();
        var t = new Uri(a.StreamUrl).Query;
        var wrongConversation = b.StreamUrl.Split('?')[0] + t;
        await Assert.ThrowsAnyAsync<WebSocketException>(() => DirectLineSocket.OpenAsync(wrongConversation));
        await Assert.ThrowsAnyAsync<WebSocketException>(() => DirectLineSocket.OpenAsync(a.StreamUrl.Split('?')[0] + "?t=forged"));
        using var plain = await host.Http.GetAsync(new Uri(a.StreamUrl.Replace("ws://", "http://", StringComparison.Ordinal)));
        Assert.Equal(HttpStatusCode.BadRequest, plain.StatusCode);
        using var forged = await host.Http.GetAsync(new Uri(wrongConversation.Replace("ws://", "http://", StringComparison.Ordinal)));
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
    }
}

/// <summary>The stream under many idle sockets and through a host restart.</summary>
public class WebChatStreamLoadTests(ITestOutputHelper output)
{
    private static readonly LanguagePack En = TestContent.Content["en"];
    private static readonly Dictionary<string, string> Unlimited = new()
    {
        ["Abuse:NewConversationsPerMinutePerClient"] = "0", ["Abuse:RequestsPerMinutePerClient"] = "0",
    };

    [Fact]
    public async Task Five_hundred_sockets_held_open_for_60_seconds_add_less_than_100_MB_to_the_host()
    {
        await using var host = await HostProcess.StartAsync(settings: Unlimited);
        var chats = new List<WebChatClient>();
        for (var i = 0; i < 500; i++)
        {
            var chat = new WebChatClient(host.Http);
            await chat.StartAsync();
            chats.Add(chat);
        }
        var before = host.ResidentBytes();
        var sockets = new List<DirectLineSocket>();
        try
        {
            foreach (var chat in chats)
            {
                sockets.Add(await DirectLineSocket.OpenAsync(await chat.ReconnectAsync(chat.Watermark)));
            }
            var peak = 0L;
            for (var second = 0; second < 60; second++)   // bounded: the sockets are held 60 s, then closed
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
                peak = Math.Max(peak, host.ResidentBytes());
            }
            Assert.All(sockets, s => Assert.False(s.Closed.Task.IsCompleted, "a socket closed while held"));
            Assert.All(sockets, s => Assert.True(s.KeepAlives >= 2, $"{s.KeepAlives} keep-alives in 60 s"));
            var growth = peak - before;
            output.WriteLine($"resident memory {before / 1048576.0:F1} MB before, peak {peak / 1048576.0:F1} MB with 500 sockets: " +
                $"+{growth / 1048576.0:F1} MB, {growth / 500.0 / 1024:F1} kB per socket");
            Assert.True(growth < 100L * 1024 * 1024, $"grew by {growth / 1048576.0:F1} MB");
        }
        finally
        {
            foreach (var socket in sockets)
            {
                await socket.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Every_client_reconnects_after_a_host_restart_and_loses_no_activity()
    {
        const int clients = 20;
        var data = Directory.CreateTempSubdirectory("bot-data-").FullName;
        var chats = new List<WebChatClient>();
        var sockets = new List<DirectLineSocket>();
        int port;
        await using (var first = await HostProcess.StartAsync(data, Unlimited))
        {
            port = first.BaseAddress.Port;
            for (var i = 0; i < clients; i++)
            {
                var chat = new WebChatClient(first.Http);
                await chat.StartAsync();
                var socket = await DirectLineSocket.OpenAsync(chat.StreamUrl);
                var greeting = await socket.NextPromptAsync();
                await chat.PressEchoedAsync(greeting, En.Text("button.continue"), "c1");
                await socket.NextPromptAsync();
                (chats, sockets) = ([.. chats, chat], [.. sockets, socket]);
            }
            await first.KillAsync();
        }
        await Task.WhenAll(sockets.Select(s => s.Closed.Task.WaitAsync(TimeSpan.FromSeconds(30))));

        await using var second = await HostProcess.StartAsync(data, Unlimited, port: port);
        var again = new List<DirectLineSocket>();
        try
        {
            for (var i = 0; i < clients; i++)
            {
                var (chat, before) = (new WebChatClient(second.Http), chats[i]);
                chat.Resume(before.ConversationId, before.Token, before.Watermark);
                // A turn while the client has no socket: its replies wait in the outbox for the reconnect's watermark.
                var safety = sockets[i].Received.Last(a => DirectLineSocket.FromBot(a) && WebChatClient.Options(a).Count > 0);
                await chat.PressEchoedAsync(safety, En.Text("button.safe"), "c2");
                var socket = await DirectLineSocket.OpenAsync(await chat.ReconnectAsync(sockets[i].Watermark));
                again.Add(socket);
                var role = await socket.NextPromptAsync();
                Assert.Contains(WebChatClient.Options(role), o => o.Title == En.Text("button.self"));

                // Everything the bot said, across both sockets, once each and in order: what a fresh read from the start gets.
                var all = new WebChatClient(second.Http);
                all.Resume(chat.ConversationId, chat.Token, "0");
                var expected = (await all.ReadAsync()).Where(DirectLineSocket.FromBot).Select(a => a.GetProperty("id").GetString()).ToList();
                var streamed = sockets[i].Received.Concat(socket.Received).Where(DirectLineSocket.FromBot).Select(a => a.GetProperty("id").GetString()).ToList();
                Assert.Equal(expected, streamed);
            }
        }
        finally
        {
            foreach (var socket in sockets.Concat(again))
            {
                await socket.DisposeAsync();
            }
        }
    }
}
