using System.Net;
using System.Text.Json;

namespace Bot.Tests.Host.BotFramework;

/// <summary>One host and one set of stand-ins for every refusal: each test talks in its own conversation.</summary>
public sealed class SharedBotFrameworkHost : IAsyncLifetime
{
    public BotFrameworkStandIn StandIn { get; private set; } = null!;
    public HostProcess Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        StandIn = await BotFrameworkStandIn.StartAsync();
        Host = await HostProcess.StartAsync(settings: StandIn.HostSettings());
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await StandIn.DisposeAsync();
    }
}

/// <summary>Forged, stale and malformed requests: refused or quietly ignored, never processed, never a 500.</summary>
public class BotFrameworkRefusalTests(SharedBotFrameworkHost shared) : IClassFixture<SharedBotFrameworkHost>
{
    private readonly HostProcess host = shared.Host;
    private readonly BotFrameworkStandIn standIn = shared.StandIn;

    /// <summary>The activity ids the Connector received replies to, in this conversation.</summary>
    private List<string?> RepliedTo(BotFrameworkTests.Channel channel) => standIn.Posted
        .Where(p => p.Activity.GetProperty("conversation").GetProperty("id").GetString() == channel.ConversationId)
        .Select(p => p.Activity.GetProperty("replyToId").GetString()).Distinct().ToList();

    public enum Forgery { Missing, WrongAudience, WrongIssuer, Expired, UnendorsedKey, UnknownKey, OtherServiceUrl, Garbage }

    [Theory]
    [InlineData(Forgery.Missing, HttpStatusCode.Unauthorized)]
    [InlineData(Forgery.WrongAudience, HttpStatusCode.Unauthorized)]
    [InlineData(Forgery.WrongIssuer, HttpStatusCode.Unauthorized)]
    [InlineData(Forgery.Expired, HttpStatusCode.Unauthorized)]
    [InlineData(Forgery.UnendorsedKey, HttpStatusCode.Forbidden)]
    [InlineData(Forgery.UnknownKey, HttpStatusCode.Unauthorized)]
    [InlineData(Forgery.OtherServiceUrl, HttpStatusCode.Unauthorized)]
    [InlineData(Forgery.Garbage, HttpStatusCode.Unauthorized)]
    public async Task A_forged_or_stale_token_is_refused_and_nothing_is_processed(Forgery forgery, HttpStatusCode expected)
    {
        var channel = new BotFrameworkTests.Channel(host, standIn);
        var token = forgery switch
        {
            Forgery.Missing => null,
            Forgery.WrongAudience => standIn.Token(audience: "someone-else"),
            Forgery.WrongIssuer => standIn.Token(issuer: "https://evil.example"),
            Forgery.Expired => standIn.Token(expires: DateTime.UtcNow.AddMinutes(-6)),
            Forgery.UnendorsedKey => standIn.Token(signing: BotFrameworkStandIn.Signing.Unendorsed),
            Forgery.UnknownKey => standIn.Token(signing: BotFrameworkStandIn.Signing.Unpublished),
            Forgery.OtherServiceUrl => standIn.Token(serviceUrl: "https://attacker.example/"),
            _ => "not.a.token",
        };
        // The activity names the stand-in's serviceUrl; the forged token vouches for something else or nothing.
        using var response = await channel.PostAsync(channel.Activity("message", new { text = "/start" }), token);
        Assert.Equal(expected, response.StatusCode);

        // A valid request afterwards is answered, and its replies are all the Connector received for this conversation.
        channel.Token = standIn.Token();
        await channel.JoinAsync();
        Assert.Single(RepliedTo(channel));
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("null")]
    [InlineData("{\"type\":5}")]
    [InlineData("somethingNew")]
    [InlineData("deep")]
    [InlineData("1MB")]
    public async Task Malformed_unknown_or_huge_bodies_get_4xx_or_a_quiet_ignore_never_500(string body)
    {
        var channel = new BotFrameworkTests.Channel(host, standIn) { Token = standIn.Token() };
        var json = body switch
        {
            "deep" => new string('[', 5000) + new string(']', 5000),
            "somethingNew" => JsonSerializer.Serialize(channel.Activity("somethingNew", new { text = "/start" })),
            "1MB" => JsonSerializer.Serialize(channel.Activity("message", new { text = new string('x', 1024 * 1024) })),
            _ => body,
        };
        using var response = await channel.PostRawAsync(json);
        Assert.True(response.StatusCode is HttpStatusCode.OK or (>= HttpStatusCode.BadRequest and < HttpStatusCode.InternalServerError),
            $"{response.StatusCode}");
        using var fresh = new HttpClient { BaseAddress = host.BaseAddress };
        Assert.True((await fresh.GetAsync("health")).IsSuccessStatusCode);
        await channel.JoinAsync();
        Assert.Single(RepliedTo(channel));
    }
}
