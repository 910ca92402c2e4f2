using System.Net.Http.Json;
using System.Text.Json;
using static Bot.Tests.Host.Operators.OperatorHarness;

namespace Bot.Tests.Host.Operators;

/// <summary>Issue 13, item 2: a flood of escalations cannot fill the operators' queue, and nobody over the cap is left without a route.</summary>
public class EscalationCapTests
{
    [Fact]
    public async Task Beyond_ten_escalations_an_hour_from_one_address_the_person_gets_the_numbers_and_no_ticket_and_another_address_is_still_queued()
    {
        // The defaults, as deployed: 10 an hour per client address.
        await using var host = await HostProcess.StartAsync();
        using var hotline = await OperatorAsync(host, "aliya");
        using var family = FromAddress(host, "127.0.0.2");
        for (var i = 0; i < 10; i++)
        {
            var queued = await ToConsentAsync(family);
            await queued.PressAsync(En.Text("button.agree"));
            Assert.Equal(En.Text("waiting.ask"), WebChatClient.Text(queued.LastPrompt));
        }

        var over = await ToConsentAsync(family);
        var replies = (await over.PressAsync(En.Text("button.agree"))).Select(WebChatClient.Text).ToList();
        Assert.Equal([En.Text("waiting.capped"), En.Text("menu.ask")], replies);
        Assert.Contains("116 16", replies[0], StringComparison.Ordinal);
        Assert.Contains("102", replies[0], StringComparison.Ordinal);
        Assert.Contains(En.Text("button.talk"), WebChatClient.Options(over.LastPrompt).Select(o => o.Title));   // a way on, not a dead end

        using var neighbour = FromAddress(host, "127.0.0.3");
        var other = await ToConsentAsync(neighbour);
        await other.PressAsync(En.Text("button.agree"));
        Assert.Equal(En.Text("waiting.ask"), WebChatClient.Text(other.LastPrompt));

        Assert.Equal(11, (await TicketsAsync(hotline)).GetArrayLength());
        var refused = await hotline.GetFromJsonAsync<JsonElement>("api/operator/refused");
        Assert.Equal(1, refused.GetProperty("perClient").GetInt32());
        Assert.Equal(0, refused.GetProperty("perConversation").GetInt32());
        Assert.Contains("Escalations not queued this hour over the Abuse:EscalationsPerHourPerClient cap: 1", host.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_conversation_escalates_three_times_a_day_the_fourth_gets_the_numbers_and_the_operators_see_the_count()
    {
        // Per conversation on every channel; the per-address cap is lifted so only the conversation's can refuse, and the flood
        // guard's 30 turns in 30 s, which this quick walk of 34 turns could meet.
        await using var host = await HostProcess.StartAsync(settings: new Dictionary<string, string>
        {
            ["Abuse:EscalationsPerHourPerClient"] = "0", ["Abuse:TurnsPerWindow"] = "1000",
        });
        using var hotline = await OperatorAsync(host, "aliya");
        var chat = await ToConsentAsync(host.Http);
        // Saying no at the consent screen twice first: the room reserved for each turn there is given back, not used up.
        for (var i = 0; i < 2; i++)
        {
            foreach (var key in new[] { "disagree", "talk", "woman", "hotline" })
            {
                await chat.PressAsync(En.Text("button." + key));
            }
        }
        for (var i = 0; i < 3; i++)
        {
            await chat.PressAsync(En.Text("button.agree"));
            Assert.Equal(En.Text("waiting.ask"), WebChatClient.Text(chat.LastPrompt));
            foreach (var key in new[] { "cancel", "talk", "woman", "hotline" })
            {
                await chat.PressAsync(En.Text("button." + key));
            }
        }
        var replies = (await chat.PressAsync(En.Text("button.agree"))).Select(WebChatClient.Text).ToList();
        Assert.Equal([En.Text("waiting.capped"), En.Text("menu.ask")], replies);

        Assert.Equal(0, (await TicketsAsync(hotline)).EnumerateArray().Count(t => t.GetProperty("status").GetString() == "New"));   // the three were cancelled
        var refused = await hotline.GetFromJsonAsync<JsonElement>("api/operator/refused");
        Assert.Equal(1, refused.GetProperty("perConversation").GetInt32());
        Assert.Equal(0, refused.GetProperty("perClient").GetInt32());
        Assert.Contains("Escalations not queued this hour over the Abuse:EscalationsPerDayPerConversation cap: 1", host.Output, StringComparison.Ordinal);
    }
}
