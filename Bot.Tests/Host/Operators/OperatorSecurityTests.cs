using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static Bot.Tests.Host.Operators.OperatorHarness;

namespace Bot.Tests.Host.Operators;

/// <summary>Operator security (issue 6): Identity's lockout, the audited gender override, working hours.</summary>
public class OperatorSecurityTests
{
    private const string Password = "correct horse battery staple";

    [Fact]
    public async Task Five_wrong_passwords_lock_the_account_so_even_the_right_one_is_refused_until_the_lockout_ends()
    {
        // A short lockout instead of fifteen minutes; the rule (five failures, every account) is the production one.
        await using var host = await HostProcess.StartAsync(settings: new Dictionary<string, string> { ["Operators:Lockout"] = "00:00:05" });
        Assert.Equal(0, (await AddOperatorAsync(host.DataPath, "dana", "hotline", "f", "Dana", Password)).ExitCode);
        using var client = new HttpClient { BaseAddress = host.BaseAddress };
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            using var wrong = await client.PostAsJsonAsync("api/operator/signin", new { login = "dana", password = "not the pass phrase " + attempt });
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }
        using (var locked = await client.PostAsJsonAsync("api/operator/signin", new { login = "dana", password = Password }))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, locked.StatusCode);
        }
        Assert.Contains("dana locked out", host.Output, StringComparison.Ordinal);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        HttpStatusCode status;
        do
        {
            await Task.Delay(250);
            using var retry = await client.PostAsJsonAsync("api/operator/signin", new { login = "dana", password = Password });
            status = retry.StatusCode;
        }
        while (status != HttpStatusCode.NoContent && DateTime.UtcNow < deadline);
        Assert.Equal(HttpStatusCode.NoContent, status);
        Assert.DoesNotContain("not the pass phrase", host.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, host.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_claim_by_an_operator_of_the_other_gender_needs_the_override_and_the_override_is_audited()
    {
        await using var host = await HostProcess.StartAsync();
        await ConsentAsync(host, gender: "woman");
        using var nurlan = await OperatorAsync(host, "nurlan", gender: "m", name: "Nurlan");
        var id = (await WaitForTicketAsync(nurlan)).GetProperty("id").GetString();

        using (var refused = await nurlan.PostAsync($"api/operator/tickets/{id}/claim", null))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Contains("overrideGender", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Equal("New", (await TicketsAsync(nurlan))[0].GetProperty("status").GetString());
        using (var overridden = await nurlan.PostAsync($"api/operator/tickets/{id}/claim?overrideGender=true", null))
        {
            Assert.Equal(HttpStatusCode.NoContent, overridden.StatusCode);
        }
        var detail = await nurlan.GetFromJsonAsync<JsonElement>($"api/operator/tickets/{id}");
        Assert.Equal("Claimed", detail.GetProperty("ticket").GetProperty("status").GetString());
        var audit = detail.GetProperty("audit").EnumerateArray().ToList();
        var entry = Assert.Single(audit, a => a.GetProperty("action").GetString() == "gender-override");
        Assert.Equal("nurlan", entry.GetProperty("actor").GetString());
        Assert.Single(audit, a => a.GetProperty("action").GetString() == "claimed");
    }

    [Fact]
    public async Task Outside_working_hours_the_person_is_told_with_116_16_and_102_and_the_ticket_stays_new()
    {
        // Working hours that start two hours from now (Kazakhstan time) and last one hour: now is outside them.
        var local = TimeOnly.FromDateTime(DateTime.UtcNow.AddHours(5));
        await using var host = await HostProcess.StartAsync(settings: new Dictionary<string, string>
        {
            ["Tickets:WorkingFrom"] = local.AddHours(2).ToString("HH:mm", CultureInfo.InvariantCulture),
            ["Tickets:WorkingUntil"] = local.AddHours(3).ToString("HH:mm", CultureInfo.InvariantCulture),
            ["Tickets:WatchInterval"] = "00:00:00.2",
        });
        var chat = await ConsentAsync(host);
        var told = await ReadUntilAsync(chat, t => t == En.Text("operator.closed"));
        Assert.Contains("116 16", told[^1], StringComparison.Ordinal);
        Assert.Contains("102", told[^1], StringComparison.Ordinal);

        using var hotline = await OperatorAsync(host, "evening");
        var ticket = await WaitForTicketAsync(hotline);
        Assert.Equal("New", ticket.GetProperty("status").GetString());
        var audit = (await hotline.GetFromJsonAsync<JsonElement>($"api/operator/tickets/{ticket.GetProperty("id").GetString()}")).GetProperty("audit");
        Assert.Contains(audit.EnumerateArray(), a => a.GetProperty("action").GetString() == "no-operator-told"
            && a.GetProperty("detail").GetString() == "outside working hours");
    }
}
