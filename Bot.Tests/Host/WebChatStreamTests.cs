using System.Net;
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
    public async Task Forget_closes_the_socket_after_its_last_words_and_a_block_closes_it_at_once()
    {
        await using var host = await HostProcess.StartAsync();
        var leaving = new WebChatClient(host.Http);
        await leaving.StartAsync();
        await using (var stream = await DirectLineSocket.OpenAsync(leaving.StreamUrl))
        {
            await stream.NextPromptAsync();
            (await leaving.PostAsync(new { type = "message", text = "/forget", from = new { id = "user" } })).EnsureSuccessStatusCode();
            var last = await stream.NextAsync(DirectLineSocket.FromBot, "the last words");
            Assert.Equal(En.Text("forget.done"), WebChatClient.Text(last));
            Assert.Equal((WebSocketCloseStatus.NormalClosure, "ended"), await stream.Closed.Task.WaitAsync(TimeSpan.FromSeconds(20)));
        }

        var chat = await ConsentAsync(host);
        using var hotline = await OperatorAsync(host, "aliya");
        var id = (await WaitForTicketAsync(hotline)).GetProperty("id").GetString()!;
        await using var blocked = await DirectLineSocket.OpenAsync(await chat.ReconnectAsync(chat.Watermark));
        // Its echo on the socket shows the socket is open on the host's side too.
        (await chat.PostAsync(new { type = "message", text = "hello", from = new { id = "user" }, channelData = new { clientActivityID = "c1" } }))
            .EnsureSuccessStatusCode();
        await blocked.NextAsync(a => ClientActivityId(a) == "c1", "the echo");
        using (var block = await hotline.PostAsync($"api/operator/tickets/{id}/block", null))
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
