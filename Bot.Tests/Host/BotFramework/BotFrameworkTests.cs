using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Bot.Content;
using Bot.Host.Storage;
using Microsoft.EntityFrameworkCore;

namespace Bot.Tests.Host.BotFramework;

/// <summary>/api/messages against the real host process, with loopback stand-ins for the Bot Framework's servers.</summary>
public class BotFrameworkTests
{
    private static readonly LanguagePack En = TestContent.Content["en"];
    private static string Button(string key) => En.Text("button." + key);

    /// <summary>A channel (as Azure Bot Service would be) talking to the host.</summary>
    internal sealed class Channel(HostProcess host, BotFrameworkStandIn standIn, string channelId = "test", string locale = "en-US")
    {
        private int _sequence;
        /// <summary>The host the channel posts to (a balancer may pick either of two).</summary>
        public HostProcess Host { get; set; } = host;
        public string ConversationId { get; } = "conv-" + Guid.NewGuid().ToString("N");
        public string? Token { get; set; }
        public JsonElement LastPrompt { get; private set; }

        public Dictionary<string, object?> Activity(string type, object? extra = null, string? serviceUrl = null)
        {
            var fields = new Dictionary<string, object?>
            {
                ["type"] = type,
                // Unique across conversations: the host handles each channel's activity id once.
                ["id"] = $"act-{Interlocked.Increment(ref _sequence)}-{ConversationId[5..13]}",
                ["channelId"] = channelId,
                ["serviceUrl"] = serviceUrl ?? standIn.ServiceUrl,
                ["from"] = new { id = "user-1", name = "User" },
                ["recipient"] = new { id = "bot-1", name = "Bot" },
                ["conversation"] = new { id = ConversationId },
                ["locale"] = locale,
            };
            foreach (var property in JsonSerializer.SerializeToElement(extra ?? new { }).EnumerateObject())
            {
                fields[property.Name] = property.Value;
            }
            return fields;
        }

        public async Task<HttpResponseMessage> PostAsync(object activity, string? token = null) =>
            await PostRawAsync(JsonSerializer.Serialize(activity), token);

        public async Task<HttpResponseMessage> PostRawAsync(string json, string? token = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/messages") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
            if ((token ?? Token) is { } bearer)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            }
            return await Host.Http.SendAsync(request);
        }

        /// <summary>Posts, expects 200, and waits for the turn's prompt (the reply that carries options) at the Connector.</summary>
        public async Task<JsonElement> TurnAsync(Dictionary<string, object?> activity)
        {
            var id = activity["id"]!.ToString()!;
            using var response = await PostAsync(activity);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            LastPrompt = await Eventually(() => standIn.Posted.Select(p => p.Activity)
                .FirstOrDefault(a => a.TryGetProperty("replyToId", out var replyTo) && replyTo.GetString() == id
                    && a.GetProperty("conversation").GetProperty("id").GetString() == ConversationId && a.TryGetProperty("suggestedActions", out _)));
            return LastPrompt;
        }

        public Task<JsonElement> PressAsync(string title)
        {
            var value = LastPrompt.GetProperty("suggestedActions").GetProperty("actions").EnumerateArray()
                .First(a => a.GetProperty("title").GetString() == title).GetProperty("value").GetString();
            return TurnAsync(Activity("message", new { value }));
        }

        public Task<JsonElement> JoinAsync() =>
            TurnAsync(Activity("conversationUpdate", new { membersAdded = new[] { new { id = "bot-1" }, new { id = "user-1" } } }));
    }

    internal static async Task<T> Eventually<T>(Func<T?> probe)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (probe() is { } found && !Equals(found, default(T)))
            {
                return found;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException("Nothing arrived at the Connector stand-in");
    }

    private static BotDb Open(HostProcess host) =>
        new(new DbContextOptionsBuilder<BotDb>().UseSqlite($"Data Source={Path.Combine(host.DataPath, "bot.db")};Pooling=False").Options);

    [Fact]
    public async Task In_uzbek_kyrgyz_and_tajik_the_activitys_locale_picks_the_language_and_the_walk_reaches_the_queue()
    {
        await using var standIn = await BotFrameworkStandIn.StartAsync();
        await using var host = await HostProcess.StartAsync(settings: standIn.HostSettings());
        foreach (var (locale, language) in new[] { ("uz-UZ", "uz"), ("ky-KG", "ky"), ("tg-TJ", "tg") })
        {
            var pack = TestContent.Content[language];
            var channel = new Channel(host, standIn, locale: locale) { Token = standIn.Token() };
            await channel.JoinAsync();
            foreach (var key in new[] { "continue", "safe", "self", "adult", "in-kazakhstan", "stop", "talk", "woman", "hotline", "agree" })
            {
                await channel.PressAsync(pack.Text("button." + key));
            }
            Assert.Equal(pack.Text("waiting.ask"), channel.LastPrompt.GetProperty("text").GetString());
        }
        await using var db = Open(host);
        Assert.Equal(["ky", "tg", "uz"], (await db.Tickets.Select(t => t.Language).ToListAsync()).Order().ToArray());
    }

    [Fact]
    public async Task An_operators_message_reaches_the_bot_framework_under_the_operators_name_and_role()
    {
        await using var standIn = await BotFrameworkStandIn.StartAsync();
        await using var host = await HostProcess.StartAsync(settings: standIn.HostSettings());
        var channel = new Channel(host, standIn) { Token = standIn.Token() };
        await channel.JoinAsync();
        foreach (var key in new[] { "continue", "safe", "self", "adult", "in-kazakhstan", "stop", "talk", "woman", "police", "agree" })
        {
            await channel.PressAsync(Button(key));
        }
        using var police = await Operators.OperatorHarness.OperatorAsync(host, "nurlan", role: "police", gender: "m", name: "Nurlan");
        var id = (await Operators.OperatorHarness.WaitForTicketAsync(police)).GetProperty("id").GetString();
        (await police.PostAsync($"api/operator/tickets/{id}/claim?overrideGender=true", null)).EnsureSuccessStatusCode();
        // Not a line the bot says itself (the bot asks "Where are you now?" in the screening), so only the operator's message matches.
        const string words = "Can you talk safely right now?";
        (await police.PostAsync($"api/operator/tickets/{id}/messages", System.Net.Http.Json.JsonContent.Create(new { text = words })))
            .EnsureSuccessStatusCode();
        var reply = await Eventually(() => standIn.Posted.Select(p => p.Activity)
            .LastOrDefault(a => a.TryGetProperty("text", out var text) && text.GetString()!.Contains(words, StringComparison.Ordinal)));
        Assert.Equal(En.Text("operator.says.police", ("name", "Nurlan")) + "\n" + words, reply.GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_signed_activity_walks_self_referral_to_a_stored_escalation_with_replies_at_the_right_url()
    {
        await using var standIn = await BotFrameworkStandIn.StartAsync();
        await using var host = await HostProcess.StartAsync(settings: standIn.HostSettings());
        var channel = new Channel(host, standIn) { Token = standIn.Token() };

        var greeting = await channel.JoinAsync();
        Assert.Equal(En.Text("privacy.ask"), greeting.GetProperty("text").GetString());
        foreach (var key in new[] { "continue", "safe", "self", "adult", "in-kazakhstan", "stop", "talk", "woman", "hotline", "agree" })
        {
            await channel.PressAsync(Button(key));
        }
        Assert.Equal(En.Text("waiting.ask"), channel.LastPrompt.GetProperty("text").GetString());

        var (path, authorization, reply) = standIn.Posted.Last();
        var replyTo = reply.GetProperty("replyToId").GetString();
        Assert.Equal($"/connector/v3/conversations/{channel.ConversationId}/activities/{replyTo}", path);
        Assert.Equal("Bearer outbound-token", authorization);
        Assert.Equal("bot-1", reply.GetProperty("from").GetProperty("id").GetString());
        Assert.Equal("user-1", reply.GetProperty("recipient").GetProperty("id").GetString());
        Assert.Equal("en-US", reply.GetProperty("locale").GetString());
        Assert.Equal("postBack", reply.GetProperty("suggestedActions").GetProperty("actions")[0].GetProperty("type").GetString());
        Assert.Equal("expectingInput", reply.GetProperty("inputHint").GetString());
        // A message without options (the escalation's confirmation before the waiting question) only accepts input.
        Assert.Contains(standIn.Posted, p => !p.Activity.TryGetProperty("suggestedActions", out _) && p.Activity.GetProperty("inputHint").GetString() == "acceptingInput");
        // The outbound token was fetched once and reused for every reply.
        Assert.Equal(1, standIn.TokenRequests);
        Assert.True(standIn.Posted.Count > 11);

        await using var db = Open(host);
        var escalation = await db.Tickets.SingleAsync();
        Assert.StartsWith("bf-", escalation.ConversationKey, StringComparison.Ordinal);
        Assert.Equal("Hotline", escalation.Destination);
        Assert.DoesNotContain(channel.ConversationId, host.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("user-1", host.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_valid_token_for_another_service_url_cannot_send_the_bot_elsewhere()
    {
        await using var standIn = await BotFrameworkStandIn.StartAsync();
        await using var host = await HostProcess.StartAsync(settings: standIn.HostSettings());
        var channel = new Channel(host, standIn) { Token = standIn.Token() };
        using var response = await channel.PostAsync(channel.Activity("message", new { text = "/start" }, serviceUrl: "http://127.0.0.1:9/elsewhere"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await using var db = Open(host);
        Assert.Empty(await db.Addresses.ToListAsync());
    }

    [Fact]
    public async Task In_emulator_mode_the_emulator_on_loopback_is_answered_without_tokens()
    {
        await using var standIn = await BotFrameworkStandIn.StartAsync();
        await using var host = await HostProcess.StartAsync(settings: standIn.HostSettings(withAppId: false));
        var channel = new Channel(host, standIn, channelId: "emulator");
        var greeting = await channel.JoinAsync();
        Assert.Equal(En.Text("privacy.ask"), greeting.GetProperty("text").GetString());
        await channel.PressAsync(Button("continue"));
        Assert.Equal(En.Text("safety.ask"), channel.LastPrompt.GetProperty("text").GetString());
        Assert.All(standIn.Posted, p => Assert.Equal("", p.Authorization));
        Assert.Equal(0, standIn.TokenRequests);
    }

    [Fact]
    public async Task A_repeated_activity_id_is_handled_once_and_typing_is_ignored()
    {
        await using var standIn = await BotFrameworkStandIn.StartAsync();
        await using var host = await HostProcess.StartAsync(settings: standIn.HostSettings());
        var channel = new Channel(host, standIn) { Token = standIn.Token() };
        var join = channel.Activity("conversationUpdate", new { membersAdded = new[] { new { id = "user-1" } } });
        await channel.TurnAsync(join);
        var count = standIn.Posted.Count;
        using (var again = await channel.PostAsync(join))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }
        using (var typing = await channel.PostAsync(channel.Activity("typing")))
        {
            Assert.Equal(HttpStatusCode.OK, typing.StatusCode);
        }
        using (var botJoined = await channel.PostAsync(channel.Activity("conversationUpdate", new { membersAdded = new[] { new { id = "bot-1" } } })))
        {
            Assert.Equal(HttpStatusCode.OK, botJoined.StatusCode);
        }
        // A later turn's replies arrive; nothing came for the repeat, the typing or the bot joining.
        await channel.PressAsync(Button("continue"));
        Assert.Equal(2, standIn.Posted.Select(p => p.Activity.GetProperty("replyToId").GetString()).Distinct().Count());
        Assert.True(standIn.Posted.Count > count);
    }

    [Fact]
    public async Task A_throttled_connector_is_waited_for_and_the_reply_delivered_once()
    {
        await using var standIn = await BotFrameworkStandIn.StartAsync();
        await using var host = await HostProcess.StartAsync(settings: standIn.HostSettings());
        var channel = new Channel(host, standIn) { Token = standIn.Token() };
        standIn.Throttle(1);
        var greeting = await channel.JoinAsync();
        Assert.Equal(En.Text("privacy.ask"), greeting.GetProperty("text").GetString());
        // Every reply of the turn arrived once: the throttled post was repeated, nothing else.
        var texts = standIn.Posted.Select(p => p.Activity.GetProperty("text").GetString()).ToList();
        Assert.Equal(texts.Distinct().Count(), texts.Count);
        Assert.Equal(texts.Count + 1, standIn.ConnectorCalls);
        // Each post buffered with its Content-Length; the retry is Polly's business at Debug, not a line per call.
        Assert.Equal(0, standIn.ChunkedPosts);
        Assert.DoesNotContain("Resilience event", host.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Execution attempt", host.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(channel.ConversationId, host.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Teams_gets_the_options_as_a_hero_card()
    {
        await using var standIn = await BotFrameworkStandIn.StartAsync();
        await using var host = await HostProcess.StartAsync(settings: standIn.HostSettings());
        var channel = new Channel(host, standIn, channelId: "msteams") { Token = standIn.Token() };
        using var response = await channel.PostAsync(channel.Activity("conversationUpdate", new { membersAdded = new[] { new { id = "user-1" } } }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var card = await Eventually(() => standIn.Posted.Select(p => p.Activity).FirstOrDefault(a => a.TryGetProperty("attachments", out _)));
        var attachment = card.GetProperty("attachments")[0];
        Assert.Equal("application/vnd.microsoft.card.hero", attachment.GetProperty("contentType").GetString());
        Assert.Contains(attachment.GetProperty("content").GetProperty("buttons").EnumerateArray(),
            b => b.GetProperty("title").GetString() == Button("continue") && b.GetProperty("type").GetString() == "postBack");
        Assert.False(card.TryGetProperty("suggestedActions", out _));
    }
}
