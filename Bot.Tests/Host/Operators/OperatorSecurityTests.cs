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
    public async Task A_disabled_operator_cannot_sign_in_and_their_open_session_ends()
    {
        await using var host = await HostProcess.StartAsync(settings: new Dictionary<string, string> { ["Operators:SessionCheck"] = "00:00:01" });
        using var leaving = await OperatorAsync(host, "gulnar");
        Assert.Equal(HttpStatusCode.OK, (await leaving.GetAsync("api/operator/tickets")).StatusCode);

        var (code, output) = await OperatorCliInProcessAsync(host, "", ["disable", "gulnar"]);
        Assert.True(code == 0, output);

        using var client = new HttpClient { BaseAddress = host.BaseAddress };
        using (var signIn = await client.PostAsJsonAsync("api/operator/signin", new { login = "gulnar", password = "correct horse battery staple" }))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, signIn.StatusCode);
        }
        var deadline = DateTime.UtcNow.AddSeconds(30);
        HttpStatusCode status;
        do
        {
            await Task.Delay(250);
            using var still = await leaving.GetAsync("api/operator/tickets");
            status = still.StatusCode;
        }
        while (status != HttpStatusCode.Unauthorized && DateTime.UtcNow < deadline);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    [Fact]
    public async Task Wrong_passwords_back_off_then_lock_the_login_out_from_that_address_only()
    {
        // A short lockout instead of fifteen minutes; the rule (backoff after three failures, lockout at five, per login and address) is the production one.
        await using var host = await HostProcess.StartAsync(settings: new Dictionary<string, string> { ["Operators:Lockout"] = "00:00:05" });
        Assert.Equal(0, (await AddOperatorAsync(host, "dana", "hotline", "f", "Dana", Password)).ExitCode);
        using var client = new HttpClient { BaseAddress = host.BaseAddress };
        var statuses = new List<HttpStatusCode>();
        for (var attempt = 1; statuses.Count(s => s == HttpStatusCode.Unauthorized) < 5; attempt++)
        {
            Assert.True(attempt < 20, string.Join(", ", statuses));
            using var wrong = await client.PostAsJsonAsync("api/operator/signin", new { login = "dana", password = "not the pass phrase " + attempt });
            statuses.Add(wrong.StatusCode);
            if (wrong.StatusCode == HttpStatusCode.TooManyRequests)
            {
                await Task.Delay(TimeSpan.FromSeconds(int.Parse(wrong.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture)));
            }
        }
        using (var locked = await client.PostAsJsonAsync("api/operator/signin", new { login = "dana", password = Password }))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);   // not even the right password from this address
        }
        Assert.Contains("dana locked out from one address", host.Output, StringComparison.Ordinal);
        using (var elsewhere = FromAddress(host, "127.0.0.2"))
        using (var signedIn = await elsewhere.PostAsJsonAsync("api/operator/signin", new { login = "dana", password = Password }))
        {
            Assert.Equal(HttpStatusCode.NoContent, signedIn.StatusCode);   // the operator, from their own address
        }

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
            using var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
            Assert.True(problem.RootElement.GetProperty("genderMismatch").GetBoolean());   // the console offers the override
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
        // The consent steps by hand: the honest message may arrive with the reply to "agree" itself.
        var chat = new WebChatClient(host.Http);
        await chat.StartAsync();
        foreach (var key in new[] { "continue", "safe", "self", "adult", "in-kazakhstan", "stop", "talk", "woman", "hotline", "agree" })
        {
            await chat.PressAsync(En.Text("button." + key));
        }
        var closed = En.Text("operator.closed");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!chat.Received.Select(WebChatClient.Text).Contains(closed) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            await chat.ReadAsync();
        }
        Assert.Contains(closed, chat.Received.Select(WebChatClient.Text));
        Assert.Contains("116 16", closed, StringComparison.Ordinal);
        Assert.Contains("102", closed, StringComparison.Ordinal);

        using var hotline = await OperatorAsync(host, "evening");
        var ticket = await WaitForTicketAsync(hotline);
        Assert.Equal("New", ticket.GetProperty("status").GetString());
        var audit = (await hotline.GetFromJsonAsync<JsonElement>($"api/operator/tickets/{ticket.GetProperty("id").GetString()}")).GetProperty("audit");
        Assert.Contains(audit.EnumerateArray(), a => a.GetProperty("action").GetString() == "no-operator-told"
            && a.GetProperty("detail").GetString() == "reason=outside-hours");
    }

    [Fact]
    public async Task Forms_and_api_posts_without_the_antiforgery_token_are_refused_and_the_cookies_are_strict_and_http_only()
    {
        await using var host = await HostProcess.StartAsync();
        Assert.Equal(0, (await AddOperatorAsync(host, "saule", "hotline", "f", "Saule", Password)).ExitCode);
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = host.BaseAddress,
        };

        // Another site's form posting the right password: no token, so no sign-in.
        using (var forged = await PostFormAsync(browser, "operators/signin", ("login", "saule"), ("password", Password)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
            Assert.DoesNotContain(CookiesOf(forged), c => c.StartsWith("operator=", StringComparison.Ordinal));
        }

        // The served page carries the token: the same form from our own page signs in.
        var token = TokenIn(await browser.GetStringAsync("operators/signin"));
        using (var signedIn = await PostFormAsync(browser, "operators/signin", ("__RequestVerificationToken", token), ("login", "saule"), ("password", Password)))
        {
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
            Assert.Equal("/operators", signedIn.Headers.Location!.ToString());
            var cookie = Assert.Single(CookiesOf(signedIn), c => c.StartsWith("operator=", StringComparison.Ordinal)).ToLowerInvariant();
            Assert.Contains("httponly", cookie, StringComparison.Ordinal);
            Assert.Contains("samesite=strict", cookie, StringComparison.Ordinal);
            Assert.DoesNotContain("expires", cookie, StringComparison.Ordinal);   // a session cookie: gone when the browser closes
        }
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("api/operator/me")).StatusCode);

        // Signed in, but a post without the token changes nothing: not the sign-out, not a ticket.
        using (var forgedSignOut = await PostFormAsync(browser, "operators/signout"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, forgedSignOut.StatusCode);
        }
        var ticket = Guid.NewGuid();
        using (var forgedClaim = await browser.PostAsync($"api/operator/tickets/{ticket}/claim", null))
        {
            Assert.Equal(HttpStatusCode.BadRequest, forgedClaim.StatusCode);
            // The refusal says why in the operator's language.
            using var problem = JsonDocument.Parse(await forgedClaim.Content.ReadAsStringAsync());
            Assert.Contains(problem.RootElement.GetProperty("detail").GetString(), new[] { "kk", "ru", "en" }.Select(l => TestContent.Content[l].Operator("error.forged")));
        }
        using (var forgedMessage = await browser.PostAsJsonAsync($"api/operator/tickets/{ticket}/messages", new { text = "hello" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, forgedMessage.StatusCode);
        }
        var consoleToken = TokenIn(await browser.GetStringAsync("operators"));
        using (var claim = new HttpRequestMessage(HttpMethod.Post, $"api/operator/tickets/{ticket}/claim"))
        {
            claim.Headers.Add("X-CSRF-TOKEN", consoleToken);
            using var withToken = await browser.SendAsync(claim);
            Assert.Equal(HttpStatusCode.NotFound, withToken.StatusCode);   // past the token check: no such ticket
        }
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("api/operator/me")).StatusCode);

        using (var signOut = await PostFormAsync(browser, "operators/signout", ("__RequestVerificationToken", consoleToken)))
        {
            Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("api/operator/me")).StatusCode);
    }

    [Fact]
    public async Task A_blocked_conversation_gets_no_reply_and_nothing_of_it_is_stored_even_after_a_restart_and_forget_ends_it()
    {
        var data = Directory.CreateTempSubdirectory("bot-data-").FullName;
        WebChatClient chat;
        string stored;
        await using (var host = await HostProcess.StartAsync(data))
        {
            chat = await ConsentAsync(host);
            using var hotline = await OperatorAsync(host, "aliya");
            var id = (await WaitForTicketAsync(hotline)).GetProperty("id").GetString()!;
            (await hotline.PostAsync($"api/operator/tickets/{id}/claim", null)).EnsureSuccessStatusCode();
            await ReadUntilAsync(chat, t => t.StartsWith(En.Text("operator.joined.hotline").Split(':')[0], StringComparison.Ordinal));
            Assert.Empty(await chat.SayAsync("before the block"));

            using (var noReason = await hotline.PostAsJsonAsync($"api/operator/tickets/{id}/block", new { reason = " " }))
            {
                Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);   // a block needs a reason
            }
            using (var longer = await hotline.PostAsJsonAsync($"api/operator/tickets/{id}/block", new { reason = "threats", hours = 72 }))
            {
                Assert.Equal(HttpStatusCode.Forbidden, longer.StatusCode);   // only a supervisor sets another length
            }
            using (var block = await hotline.PostAsJsonAsync($"api/operator/tickets/{id}/block", new { reason = "threats to the operator" }))
            {
                Assert.Equal(HttpStatusCode.NoContent, block.StatusCode);
            }
            stored = Snapshot(data);
            // The web chat's token ends with the block: nothing it sends is taken, nothing is read with it.
            foreach (var text in new[] { "abuse after the block", "/start", "2" })
            {
                using var refused = await chat.PostAsync(new { type = "message", text, from = new { id = "user" } });
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            }
            using (var read = await chat.GetActivitiesAsync())
            {
                Assert.Equal(HttpStatusCode.Unauthorized, read.StatusCode);
            }
            Assert.Equal(stored, Snapshot(data));
            var detail = await hotline.GetFromJsonAsync<JsonElement>($"api/operator/tickets/{id}");
            Assert.Equal(["before the block"], detail.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString()));
            var blocked = Assert.Single(detail.GetProperty("audit").EnumerateArray(), a => a.GetProperty("action").GetString() == "blocked");
            Assert.Equal("aliya", blocked.GetProperty("actor").GetString());
            Assert.StartsWith("until=", blocked.GetProperty("detail").GetString());
            Assert.DoesNotContain("threats", detail.GetRawText(), StringComparison.Ordinal);   // the reason is sealed in the block, not in the audit
            stored = Snapshot(data);   // the view above is audited
        }

        // The block is in the database, not only in the process that made it.
        await using var again = await HostProcess.StartAsync(data);
        var resumed = new WebChatClient(again.Http);
        resumed.Resume(chat.ConversationId, chat.Token, chat.Watermark);
        using (var refused = await resumed.PostAsync(new { type = "message", text = "after the restart", from = new { id = "user" } }))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }
        Assert.Equal(stored, Snapshot(data));
        Assert.DoesNotContain("abuse after the block", again.Output, StringComparison.Ordinal);

        // Whoever holds the phone can still erase everything: /forget goes through the block, and ends it.
        Assert.Equal(En.Text("forget.done"), WebChatClient.Text((await resumed.SayAsync("/forget")).Single()));
        using (var gone = await resumed.GetActivitiesAsync())
        {
            Assert.Equal(HttpStatusCode.Unauthorized, gone.StatusCode);   // the last words are read once
        }
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(data, "bot.db")};Mode=ReadOnly");
        connection.Open();
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT (SELECT COUNT(*) FROM Conversations) + (SELECT COUNT(*) FROM TicketMessages) + (SELECT COUNT(*) FROM Tickets WHERE ConversationKey IS NOT NULL)"
            + " + (SELECT COUNT(*) FROM BlockedConversations)";
        Assert.Equal(0L, (long)count.ExecuteScalar()!);
    }

    /// <summary>Everything a turn could leave behind: states, replies, update ids, transcripts, audit entries.</summary>
    private static string Snapshot(string data)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(data, "bot.db")};Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT (SELECT group_concat("Key" || "State" || "UpdatedAt") FROM "Conversations") || '|' ||
                   (SELECT COUNT(*) FROM "Outbox") || '|' || (SELECT COUNT(*) FROM "InboundSeen") || '|' ||
                   (SELECT COUNT(*) FROM "TicketMessages") || '|' || (SELECT COUNT(*) FROM "TicketAudit")
            """;
        return (string)command.ExecuteScalar()!;
    }

    [Fact]
    public async Task With_two_factor_on_sign_in_needs_the_authenticator_code_from_the_api_and_the_form()
    {
        await using var host = await HostProcess.StartAsync();
        Assert.Equal(0, (await AddOperatorAsync(host, "madina", "hotline", "f", "Madina", Password)).ExitCode);
        var (code, output) = await OperatorCliInProcessAsync(host, "", ["totp", "madina"]);
        Assert.True(code == 0, output);
        var uri = output.Split('\n').Single(l => l.StartsWith("otpauth://totp/", StringComparison.Ordinal)).Trim();
        var secret = System.Web.HttpUtility.ParseQueryString(new Uri(uri).Query)["secret"]!;
        Assert.Contains(secret, output.Split('\n').Select(l => l.Trim()));   // the key on its own line, for typing in

        using var api = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = host.BaseAddress };
        using (var withoutCode = await api.PostAsJsonAsync("api/operator/signin", new { login = "madina", password = Password }))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, withoutCode.StatusCode);
            Assert.True((await withoutCode.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("codeRequired").GetBoolean());
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("api/operator/me")).StatusCode);
        var stale = Totp(secret, DateTimeOffset.UtcNow.AddHours(-1));
        using (var wrongCode = await api.PostAsJsonAsync("api/operator/signin", new { login = "madina", password = Password, code = stale }))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrongCode.StatusCode);
        }
        using (var wrongPassword = await api.PostAsJsonAsync("api/operator/signin", new { login = "madina", password = "not the pass phrase", code = Totp(secret, DateTimeOffset.UtcNow) }))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrongPassword.StatusCode);
        }
        var apiCode = Totp(secret, DateTimeOffset.UtcNow);
        using (var signedIn = await api.PostAsJsonAsync("api/operator/signin", new { login = "madina", password = Password, code = apiCode }))
        {
            Assert.Equal(HttpStatusCode.NoContent, signedIn.StatusCode);
        }
        Assert.Equal("madina", (await api.GetFromJsonAsync<JsonElement>("api/operator/me")).GetProperty("login").GetString());

        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = host.BaseAddress,
        };
        var token = TokenIn(await browser.GetStringAsync("operators/signin"));
        using (var asked = await PostFormAsync(browser, "operators/signin", ("__RequestVerificationToken", token), ("login", "madina"), ("password", Password)))
        {
            Assert.Equal("/operators/signin?code=1", asked.Headers.Location!.ToString());
        }
        Assert.Contains("id=\"code\"", await browser.GetStringAsync("operators/signin?code=1"), StringComparison.Ordinal);
        using (var reused = await PostFormAsync(browser, "operators/signin", ("__RequestVerificationToken", token), ("login", "madina"), ("password", Password),
                   ("code", apiCode)))
        {
            // The code the API signed in with a moment ago, still inside its window: refused the second time.
            Assert.Equal("/operators/signin?failed=1", reused.Headers.Location!.ToString());
        }
        Assert.Contains("madina sent an authenticator code already used", host.Output, StringComparison.Ordinal);
        using (var signedIn = await PostFormAsync(browser, "operators/signin", ("__RequestVerificationToken", token), ("login", "madina"), ("password", Password),
                   ("code", Totp(secret, DateTimeOffset.UtcNow.AddSeconds(30)))))
        {
            Assert.Equal("/operators", signedIn.Headers.Location!.ToString());
        }
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("api/operator/me")).StatusCode);
        Assert.DoesNotContain(secret, host.Output, StringComparison.Ordinal);
    }

    /// <summary>RFC 6238: HMAC-SHA1 over the 30-second step count, dynamically truncated to 6 digits (RFC 4226, 5.3).</summary>
    internal static string Totp(string base32Secret, DateTimeOffset at)
    {
        var key = Base32(base32Secret);
        var counter = BitConverter.GetBytes(at.ToUnixTimeSeconds() / 30);
        if (BitConverter.IsLittleEndian)
        {
            Array.Reverse(counter);
        }
#pragma warning disable CA5350 // RFC 6238 authenticator codes are HMAC-SHA1 by definition
        var hash = System.Security.Cryptography.HMACSHA1.HashData(key, counter);
#pragma warning restore CA5350
        var offset = hash[^1] & 0x0f;
        var binary = ((hash[offset] & 0x7f) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        return (binary % 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
    }

    private static byte[] Base32(string text)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bytes = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (var c in text.TrimEnd('=').ToUpperInvariant())
        {
            buffer = (buffer << 5) | alphabet.IndexOf(c, StringComparison.Ordinal);
            bits += 5;
            if (bits >= 8)
            {
                bytes.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
            }
        }
        return [.. bytes];
    }

    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string path, params (string Name, string Value)[] fields)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new FormUrlEncodedContent(fields.Select(f => KeyValuePair.Create(f.Name, f.Value))),
        };
        request.Headers.Add("Origin", "https://elsewhere.example");
        return await client.SendAsync(request);
    }

    private static IEnumerable<string> CookiesOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : [];

    private static string TokenIn(string html)
    {
        var match = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"");
        Assert.True(match.Success, "no antiforgery field in the page");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }
}
