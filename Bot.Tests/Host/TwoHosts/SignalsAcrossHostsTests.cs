using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Bot.Content;
using Xunit.Abstractions;
using static Bot.Tests.Host.Operators.OperatorHarness;

namespace Bot.Tests.Host.TwoHosts;

/// <summary>
/// What one host does that another must hear at once: a person's stream or long poll held by one host while their turns run on
/// the other (a balancer does not keep them together), a quick exit, an operator's block.
/// </summary>
public class SignalsAcrossHostsTests(ITestOutputHelper output)
{
    private static readonly LanguagePack En = TestContent.Content["en"];

    /// <summary>The same URL on the other host (a balancer may send the stream anywhere).</summary>
    private static string On(HostProcess host, string url) =>
        new UriBuilder(url) { Host = host.BaseAddress.Host, Port = host.BaseAddress.Port }.ToString();

    [Fact]
    public async Task A_socket_on_one_host_gets_the_replies_of_turns_run_on_the_other_and_closes_when_the_person_leaves_there()
    {
        // No keep-alive in the test's time: only the other host's signal can wake the socket.
        var (a, b) = await TwoHostTests.StartTwoAsync(new() { ["WebChat:StreamKeepAlive"] = "01:00:00" });
        await using var _ = b;
        await using var __ = a;
        var chat = new WebChatClient(a.Http);
        await chat.StartAsync();
        await using var socket = await DirectLineSocket.OpenAsync(On(b, chat.StreamUrl));
        Assert.Equal(En.Text("privacy.ask"), WebChatClient.Text(await socket.NextPromptAsync()));

        foreach (var (press, next) in new[] { ("continue", "safe"), ("safe", "self") })
        {
            await chat.PressAsync(En.Text("button." + press));   // the turn runs on host A
            var prompt = await socket.NextPromptAsync();        // its reply comes out of host B's socket
            Assert.Contains(WebChatClient.Options(prompt), o => o.Title == En.Text("button." + next));
        }

        // Quick exit on host A: the socket on host B closes at once, as it would on A.
        (await chat.PostAsync(new { type = "message", text = "/exit", from = new { id = "user" } })).EnsureSuccessStatusCode();
        Assert.Equal((WebSocketCloseStatus.PolicyViolation, "revoked"), await socket.Closed.Task.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.DoesNotContain(socket.Received, a => DirectLineSocket.FromBot(a) && WebChatClient.Text(a) == En.Text("exit.done"));
    }

    [Fact]
    public async Task A_long_poll_on_one_host_answers_when_a_turn_on_the_other_commits_a_reply()
    {
        var (a, b) = await TwoHostTests.StartTwoAsync();
        await using var _ = b;
        await using var __ = a;
        var chat = new WebChatClient(a.Http);
        await chat.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get,
            $"v3/directline/conversations/{chat.ConversationId}/activities?watermark={Uri.EscapeDataString(chat.Watermark)}&wait=true");
        request.Headers.Authorization = new("Bearer", chat.Token);
        var watch = Stopwatch.StartNew();
        var polling = b.Http.SendAsync(request);   // waits on host B: nothing new yet
        await Task.Delay(500);
        Assert.False(polling.IsCompleted, "the long poll waits while nothing is new");

        await chat.PressAsync(En.Text("button.continue"));   // on host A
        using var answered = await polling;
        var elapsed = watch.Elapsed;
        answered.EnsureSuccessStatusCode();
        var activities = (await answered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("activities").EnumerateArray().ToList();
        Assert.Contains(activities, x => WebChatClient.Options(x).Any(o => o.Title == En.Text("button.safe")));
        output.WriteLine($"the long poll on host B answered {elapsed.TotalMilliseconds:F0} ms after it began (it waits up to 25 s)");
        // Woken by host A's signal, not by the end of its 25 s wait (after which it would read the same reply).
        Assert.True(elapsed < TimeSpan.FromSeconds(20), $"{elapsed}");
    }

    [Fact]
    public async Task A_block_made_on_one_host_is_enforced_on_the_other_without_a_restart()
    {
        await using var standIn = await BotFramework.BotFrameworkStandIn.StartAsync();
        var settings = standIn.HostSettings(withAppId: false);
        settings["Abuse:TurnsPerWindow"] = "1000";   // the flood guard's silence would look like the block's
        var (a, b) = await TwoHostTests.StartTwoAsync(settings);
        await using var _ = b;
        await using var __ = a;
        var channel = new BotFramework.BotFrameworkTests.Channel(a, standIn, channelId: "emulator");
        await channel.JoinAsync();
        foreach (var key in new[] { "continue", "safe", "self", "adult", "in-kazakhstan", "stop", "talk", "woman", "hotline", "agree" })
        {
            await channel.PressAsync(En.Text("button." + key));
        }
        using var hotline = await Operators.OperatorHarness.OperatorAsync(a, "aliya");
        var id = (await Operators.OperatorHarness.WaitForTicketAsync(hotline)).GetProperty("id").GetString()!;
        (await hotline.PostAsync($"api/operator/tickets/{id}/claim", null)).EnsureSuccessStatusCode();
        using (var block = await hotline.PostAsJsonAsync($"api/operator/tickets/{id}/block", new { reason = "threats to the operator" }))
        {
            Assert.Equal(System.Net.HttpStatusCode.NoContent, block.StatusCode);
        }

        // Host B hears of the block (and reads its row): from then on nothing the person sends through B reaches the ticket.
        // Until it hears, B takes them: the first tries may be taken.
        async Task<int> TakenAsync() =>
            (await hotline.GetFromJsonAsync<JsonElement>($"api/operator/tickets/{id}")).GetProperty("messages").GetArrayLength();
        channel.Host = b;
        var (sent, stored) = (0, await TakenAsync());
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            (await channel.PostAsync(channel.Activity("message", new { text = $"after the block {++sent}" }))).EnsureSuccessStatusCode();
            var now = await TakenAsync();
            if (now == stored)
            {
                break;
            }
            stored = now;
            Assert.True(DateTime.UtcNow < deadline, $"host B still takes the blocked conversation's messages after {sent} tries");
            await Task.Delay(100);
        }
        for (var more = 0; more < 3; more++)
        {
            (await channel.PostAsync(channel.Activity("message", new { text = $"after the block {++sent}" }))).EnsureSuccessStatusCode();
        }
        Assert.Equal(stored, await TakenAsync());
        output.WriteLine($"host B refused the blocked conversation from its try {sent - 3} on");
    }

    [Fact]
    public async Task The_escalation_cap_of_one_address_counts_what_either_host_queued_and_both_show_the_refusals()
    {
        var (a, b) = await TwoHostTests.StartTwoAsync(new() { ["Abuse:EscalationsPerHourPerClient"] = "2" });
        await using var _ = b;
        await using var __ = a;
        using var familyOnA = FromAddress(a, "127.0.0.2");
        using var familyOnB = FromAddress(b, "127.0.0.2");
        // One escalation through each host from one address: the cap of two is full on both, not on each.
        foreach (var http in new[] { familyOnA, familyOnB })
        {
            var queued = await ToConsentAsync(http);
            await queued.PressAsync(En.Text("button.agree"));
            Assert.Equal(En.Text("waiting.ask"), WebChatClient.Text(queued.LastPrompt));
        }
        foreach (var http in new[] { familyOnA, familyOnB })
        {
            var over = await ToConsentAsync(http);
            var replies = (await over.PressAsync(En.Text("button.agree"))).Select(WebChatClient.Text).ToList();
            Assert.Equal([En.Text("waiting.capped"), En.Text("menu.ask")], replies);
        }

        using var onA = await OperatorAsync(a, "aliya");
        using var onB = await OperatorAsync(b, "dana");
        Assert.Equal(2, (await TicketsAsync(onA)).GetArrayLength());
        // Each host refused one and hears of the other's: the queue shows both, whichever host the console asks.
        foreach (var console in new[] { onA, onB })
        {
            await UntilAsync(async () => (await console.GetFromJsonAsync<JsonElement>("api/operator/refused")).GetProperty("perClient").GetInt32() == 2,
                "both refusals counted");
        }
    }

    [Fact]
    public async Task An_operator_whose_console_talks_to_one_host_is_on_shift_on_the_other_until_she_signs_out()
    {
        var (a, b) = await TwoHostTests.StartTwoAsync();
        await using var _ = b;
        await using var __ = a;
        await ConsentAsync(a, language: "uz");
        // Her console talks to host B only; she reads the language of her console (Kazakh), not Uzbek.
        using var aigerim = await OperatorAsync(b, "aigerim");
        var id = (await WaitForTicketAsync(aigerim)).GetProperty("id").GetString();
        async Task<bool> MarkedOnB() => (await TicketsAsync(aigerim)).EnumerateArray().Single(t => t.GetProperty("id").GetString() == id)
            .GetProperty("noReaderOnShift").GetBoolean();
        Assert.True(await MarkedOnB());

        // A colleague who reads Uzbek signs in on host A, and never asks host B anything.
        using var nodira = await OperatorAsync(a, "nodira", reads: "uz");
        await UntilAsync(async () => !await MarkedOnB(), "host B counts the operator on shift on host A");
        using (var signOut = await nodira.PostAsync("operators/signout", new FormUrlEncodedContent([])))
        {
            Assert.Equal(System.Net.HttpStatusCode.Redirect, signOut.StatusCode);
        }
        await UntilAsync(MarkedOnB, "host B hears she signed out on host A");
    }

    /// <summary>What another host tells arrives within milliseconds; 30 s is for a machine that is very busy.</summary>
    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "not within 30 s: " + what);
            await Task.Delay(100);
        }
    }
}
