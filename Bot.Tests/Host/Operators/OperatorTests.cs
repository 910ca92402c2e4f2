using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bot.Dialogs.Rights;
using Bot.Host.Storage;
using static Bot.Tests.Host.Operators.OperatorHarness;

namespace Bot.Tests.Host.Operators;

/// <summary>Tickets, the warm transfer and the operator API against the real host process and a real SQLite file.</summary>
public class OperatorTests
{
    [Fact]
    public async Task The_queue_lists_triage_fields_only_and_each_listed_ticket_is_audited_once_per_operator()
    {
        await using var host = await HostProcess.StartAsync();
        await ConsentAsync(host);
        using var hotline = await OperatorAsync(host, "aigerim");
        var listed = await WaitForTicketAsync(hotline);
        await TicketsAsync(hotline);
        // Level, flags, clocks, language, team, channel: nothing the person answered or said, no consent wording.
        Assert.Equal(
            ["abroad", "channel", "claimedAt", "createdAt", "destination", "endedAt", "firstResponseAt", "firstResponseDue", "flags", "gender", "id",
                "language", "level", "minor", "noReaderOnShift", "operatorId", "operatorName", "queuedAt", "referralDue", "safePlaceDue", "status", "urgent"],
            listed.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        var id = listed.GetProperty("id").GetString();
        var audit = (await hotline.GetFromJsonAsync<JsonElement>($"api/operator/tickets/{id}")).GetProperty("audit").EnumerateArray()
            .Select(a => (a.GetProperty("actor").GetString(), a.GetProperty("action").GetString())).ToList();
        Assert.Equal([("system", "created"), ("aigerim", "listed"), ("aigerim", "viewed")], audit);
    }

    [Fact]
    public async Task A_hand_over_runs_from_consent_to_the_menu_and_the_ticket_records_exactly_what_happened()
    {
        await using var host = await HostProcess.StartAsync();
        var chat = await ConsentAsync(host);
        using var hotline = await OperatorAsync(host, "aigerim", name: "Aigerim");
        var ticket = await WaitForTicketAsync(hotline);
        var id = ticket.GetProperty("id").GetString();
        Assert.Equal("New", ticket.GetProperty("status").GetString());
        Assert.Equal("Woman", ticket.GetProperty("gender").GetString());
        Assert.StartsWith("en-", (await hotline.GetFromJsonAsync<JsonElement>($"api/operator/tickets/{id}")).GetProperty("ticket")
            .GetProperty("consentVersion").GetString(), StringComparison.Ordinal);

        using (var claim = await hotline.PostAsync($"api/operator/tickets/{id}/claim", null))
        {
            Assert.Equal(HttpStatusCode.NoContent, claim.StatusCode);
        }
        var joined = En.Text("operator.joined.hotline", ("name", "Aigerim"), ("gender", En.Text("operator.gender.woman")));
        await ReadUntilAsync(chat, t => t == joined);

        // With an operator the bot stays silent: the words go to the operator's transcript.
        Assert.Empty(await chat.SayAsync("I am at the station"));
        (await hotline.PostAsJsonAsync($"api/operator/tickets/{id}/messages", new { text = "Are you safe right now?" })).EnsureSuccessStatusCode();
        await ReadUntilAsync(chat, t => t == "Are you safe right now?");
        Assert.Empty(await chat.SayAsync("Yes, for now"));

        (await hotline.PostAsync($"api/operator/tickets/{id}/end", null)).EnsureSuccessStatusCode();
        var after = await ReadUntilAsync(chat, t => t == En.Text("menu.ask"));
        Assert.Equal(En.Text("operator.ended"), after[0]);
        Assert.Equal(RightsCardPages.Page(En, 0), after[1]);
        Assert.Equal(En.Text("menu.ask"), after[^1]);
        Assert.Contains(WebChatClient.Options(chat.LastPrompt), o => o.Title == En.Text("button.start-again"));
        (await hotline.PostAsJsonAsync($"api/operator/tickets/{id}/close", new { disposition = "referred-to-provider", outcome = "referred to shelter" })).EnsureSuccessStatusCode();

        var detail = await hotline.GetFromJsonAsync<JsonElement>($"api/operator/tickets/{id}");
        Assert.Equal("Closed", detail.GetProperty("ticket").GetProperty("status").GetString());
        Assert.Equal("referred to shelter", detail.GetProperty("ticket").GetProperty("outcome").GetString());
        Assert.Equal("referred-to-provider", detail.GetProperty("ticket").GetProperty("disposition").GetString());
        Assert.Equal(
            [("user", "I am at the station"), ("operator", "Are you safe right now?"), ("user", "Yes, for now")],
            detail.GetProperty("messages").EnumerateArray().Select(m => (m.GetProperty("from").GetString(), m.GetProperty("text").GetString())));
        Assert.Equal(
            [("system", "created"), ("aigerim", "listed"), ("aigerim", "viewed"), ("aigerim", "claimed"), ("user", "user-message"), ("aigerim", "operator-message"), ("user", "user-message"),
                ("aigerim", "ended"), ("aigerim", "closed"), ("aigerim", "viewed")],
            detail.GetProperty("audit").EnumerateArray().Select(a => (a.GetProperty("actor").GetString(), a.GetProperty("action").GetString())));
        Assert.DoesNotContain("I am at the station", host.Output, StringComparison.Ordinal);   // never logged
        // Transcripts, notes and outcomes are sealed: the database files alone reveal none of them.
        var stored = string.Concat(Directory.GetFiles(host.DataPath, "bot.db*").Select(f => System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(f))));
        Assert.All(new[] { "I am at the station", "Are you safe right now?", "Yes, for now", "referred to shelter" },
            typed => Assert.DoesNotContain(typed, stored, StringComparison.Ordinal));
        Assert.DoesNotContain("correct horse", host.Output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestStorage.Providers), MemberType = typeof(TestStorage))]
    public async Task Ten_parallel_claims_of_one_ticket_let_exactly_one_win_and_the_others_get_a_conflict(StorageProvider provider)
    {
        await using var host = await HostProcess.StartAsync(settings: TestStorage.Settings(provider));
        await ConsentAsync(host);
        var operators = new List<HttpClient>();
        for (var i = 0; i < 10; i++)
        {
            operators.Add(await OperatorAsync(host, "op" + i));
        }
        var id = (await WaitForTicketAsync(operators[0])).GetProperty("id").GetString();

        var answers = await Task.WhenAll(operators.Select(o => o.PostAsync($"api/operator/tickets/{id}/claim", null)));

        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.NoContent);
        Assert.Equal(9, answers.Count(a => a.StatusCode == HttpStatusCode.Conflict));
        var audit = (await operators[0].GetFromJsonAsync<JsonElement>($"api/operator/tickets/{id}")).GetProperty("audit");
        Assert.Single(audit.EnumerateArray(), a => a.GetProperty("action").GetString() == "claimed");
        foreach (var o in operators)
        {
            o.Dispose();
        }
    }

    [Fact]
    public async Task Nothing_is_reachable_without_sign_in_and_a_hotline_operator_never_sees_police_only_notes()
    {
        await using var host = await HostProcess.StartAsync();
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };
        foreach (var page in new[] { "operators", "operators/supervisor" })
        {
            using var response = await anonymous.GetAsync(page);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Contains("/operators/signin", response.Headers.Location!.ToString(), StringComparison.Ordinal);
        }
        var id = Guid.NewGuid();
        foreach (var (method, path) in new[]
                 {
                     ("GET", "me"), ("GET", "tickets"), ("GET", $"tickets/{id}"), ("POST", $"tickets/{id}/claim"), ("POST", $"tickets/{id}/messages"),
                     ("POST", $"tickets/{id}/notes"), ("POST", $"tickets/{id}/transfer"), ("POST", $"tickets/{id}/refer"), ("POST", $"tickets/{id}/safe-place"),
                     ("POST", $"tickets/{id}/end"), ("POST", $"tickets/{id}/close"), ("GET", "changes"), ("GET", "canned/en"),
                     ("GET", "statistics/"), ("GET", "statistics/csv"),
                 })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), "api/operator/" + path) { Content = JsonContent.Create(new { text = "x" }) };
            using var response = await anonymous.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path}: {response.StatusCode}");
        }
        using (var nobody = await anonymous.PostAsJsonAsync("api/operator/signin", new { login = "nobody", password = "x" }))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, nobody.StatusCode);
        }

        var chat = await ConsentAsync(host, gender: "no-preference");
        using var hotline = await OperatorAsync(host, "hotline1");
        using var police = await OperatorAsync(host, "police1", role: "police", gender: "m", name: "Nurlan");
        using var supervisor = await OperatorAsync(host, "super1", role: "supervisor");
        var id2 = (await WaitForTicketAsync(hotline)).GetProperty("id").GetString();
        (await hotline.PostAsync($"api/operator/tickets/{id2}/claim", null)).EnsureSuccessStatusCode();
        (await hotline.PostAsJsonAsync($"api/operator/tickets/{id2}/transfer", new { note = "needs the police" })).EnsureSuccessStatusCode();
        Assert.Equal(0, (await TicketsAsync(hotline)).GetArrayLength());
        await ReadUntilAsync(chat, t => t == En.Text("operator.transferred.police"));   // the person is told where their request went
        (await police.PostAsync($"api/operator/tickets/{id2}/claim", null)).EnsureSuccessStatusCode();
        (await police.PostAsJsonAsync($"api/operator/tickets/{id2}/notes", new { text = "suspect's car number", policeOnly = true })).EnsureSuccessStatusCode();
        (await police.PostAsJsonAsync($"api/operator/tickets/{id2}/transfer", new { note = "back to the hotline for shelter" })).EnsureSuccessStatusCode();
        (await hotline.PostAsync($"api/operator/tickets/{id2}/claim", null)).EnsureSuccessStatusCode();

        var seenByHotline = await hotline.GetStringAsync($"api/operator/tickets/{id2}");
        Assert.Contains("back to the hotline for shelter", seenByHotline, StringComparison.Ordinal);
        Assert.DoesNotContain("suspect", seenByHotline, StringComparison.Ordinal);
        Assert.Contains("suspect's car number", await supervisor.GetStringAsync($"api/operator/tickets/{id2}"), StringComparison.Ordinal);
        using var statistics = await hotline.GetAsync("api/operator/statistics/");
        Assert.Equal(HttpStatusCode.Forbidden, statistics.StatusCode);
        var csv = await supervisor.GetStringAsync("api/operator/statistics/csv");
        Assert.Contains("destination,Hotline,<3", csv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_cli_refuses_an_empty_or_weak_password_and_a_wrong_password_does_not_sign_in()
    {
        var data = Directory.CreateTempSubdirectory("bot-data-").FullName;
        var (code, output) = await AddOperatorAsync(data, "empty", "hotline", "f", "Empty", "");
        Assert.NotEqual(0, code);
        Assert.Contains("must not be empty", output, StringComparison.Ordinal);
        var (bad, _) = await AddOperatorAsync(data, "nobody", "janitor", "f", "X", "secret");
        Assert.NotEqual(0, bad);

        await using var host = await HostProcess.StartAsync(data);
        using var client = new HttpClient { BaseAddress = host.BaseAddress };
        using var response = await client.PostAsJsonAsync("api/operator/signin", new { login = "empty", password = "" });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var (weak, weakOutput) = await AddOperatorAsync(data, "weak", "hotline", "f", "Weak", "short");
        Assert.Equal(2, weak);
        Assert.Contains("at least 12 characters", weakOutput, StringComparison.Ordinal);
        Assert.Equal(0, await AddOperatorAsync(data, "real", "hotline", "f", "Real", "the right pass phrase").ContinueWith(t => t.Result.ExitCode));
        using var wrong = await client.PostAsJsonAsync("api/operator/signin", new { login = "real", password = "the wrong pass phrase" });
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
    }

    [Theory]
    [MemberData(nameof(TestStorage.Providers), MemberType = typeof(TestStorage))]
    public async Task Nobody_claiming_in_time_tells_the_person_honestly_with_116_16_and_102_and_the_ticket_stays_open(StorageProvider provider)
    {
        await using var host = await HostProcess.StartAsync(settings: TestStorage.Settings(provider, new Dictionary<string, string>
        {
            // Long enough that the answer to "agree" (the waiting line) is read before the notice is due on a busy machine:
            // at 1 s, two suites at once had the notice arrive in the same read.
            ["Tickets:NoOperatorAfter"] = "00:00:05", ["Tickets:WatchInterval"] = "00:00:00.2",
        }));
        var chat = await ConsentAsync(host);
        var told = await ReadUntilAsync(chat, t => t == En.Text("operator.none"));
        Assert.Contains("116 16", told[^1], StringComparison.Ordinal);
        Assert.Contains("102", told[^1], StringComparison.Ordinal);

        using var hotline = await OperatorAsync(host, "late");
        var ticket = await WaitForTicketAsync(hotline);
        Assert.Equal("New", ticket.GetProperty("status").GetString());
        // A late operator can still claim it: the ticket stayed open for a call-back.
        (await hotline.PostAsync($"api/operator/tickets/{ticket.GetProperty("id").GetString()}/claim", null)).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task Cancel_while_waiting_cancels_the_ticket_and_forget_leaves_it_without_content()
    {
        await using var host = await HostProcess.StartAsync();
        using var supervisor = await OperatorAsync(host, "boss", role: "supervisor");
        var first = await ConsentAsync(host);
        await first.PressAsync(En.Text("button.cancel"));
        var second = await ConsentAsync(host);
        await second.SayAsync("/forget");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await TicketsAsync(supervisor)).GetArrayLength() > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        Assert.Equal(0, (await TicketsAsync(supervisor)).GetArrayLength());
        var csv = await supervisor.GetStringAsync("api/operator/statistics/csv");
        Assert.Contains("role,Self,<3", csv, StringComparison.Ordinal);   // counted, but nothing else remains
    }

    [Fact]
    public async Task An_ended_tickets_late_actions_never_reach_the_persons_newer_request_and_a_childs_request_stays_with_the_police()
    {
        await using var host = await HostProcess.StartAsync();
        var chat = await ConsentAsync(host);
        using var hotline = await OperatorAsync(host, "asel", name: "Asel");
        var first = (await WaitForTicketAsync(hotline)).GetProperty("id").GetString();
        (await hotline.PostAsync($"api/operator/tickets/{first}/claim", null)).EnsureSuccessStatusCode();
        (await hotline.PostAsync($"api/operator/tickets/{first}/end", null)).EnsureSuccessStatusCode();
        await ReadUntilAsync(chat, t => t == En.Text("menu.ask"));

        // The person asks again: a new request, waiting.
        foreach (var key in new[] { "talk", "woman", "hotline", "agree" })
        {
            await chat.PressAsync(En.Text("button." + key));
        }
        Assert.Equal(En.Text("waiting.ask"), WebChatClient.Text(chat.LastPrompt));
        using (var transfer = await hotline.PostAsJsonAsync($"api/operator/tickets/{first}/transfer", new { note = "late" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, transfer.StatusCode);
        }
        using (var send = await hotline.PostAsJsonAsync($"api/operator/tickets/{first}/messages", new { text = "late words" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, send.StatusCode);
        }
        // Still waiting on the new request, nobody with them (the bot answers), and nothing of the old ticket reached them.
        var replies = (await chat.SayAsync("still here")).Select(WebChatClient.Text).ToList();
        Assert.Equal(En.Text("waiting.saved"), replies[^1]);
        Assert.DoesNotContain(replies, t => t.Contains("late", StringComparison.Ordinal) || t == En.Text("operator.transferred.police"));

        // Clause 16: a child's request is the police's; a police operator cannot pass it to the hotline.
        var child = new WebChatClient(host.Http);
        await child.StartAsync();
        foreach (var key in new[] { "continue", "safe", "self", "under18", "in-kazakhstan", "stop", "talk", "woman", "police", "agree" })
        {
            await child.PressAsync(En.Text("button." + key));
        }
        using var police = await OperatorAsync(host, "dina", role: "police", name: "Dina");
        var childTicket = (await WaitForTicketAsync(police)).GetProperty("id").GetString();
        (await police.PostAsync($"api/operator/tickets/{childTicket}/claim", null)).EnsureSuccessStatusCode();
        using var toHotline = await police.PostAsJsonAsync($"api/operator/tickets/{childTicket}/transfer", new { note = "shelter" });
        Assert.Equal(HttpStatusCode.Forbidden, toHotline.StatusCode);
    }
    [Fact]
    public async Task A_ticket_in_a_language_nobody_on_shift_reads_is_marked_in_the_queue_until_someone_who_may_take_it_and_reads_it_is_on_shift()
    {
        await using var host = await HostProcess.StartAsync();
        await ConsentAsync(host, language: "uz");
        // Declared nothing yet: she counts as reading the language of her console (Kazakh, the browser names none).
        using var aigerim = await OperatorAsync(host, "aigerim");
        var ticket = await WaitForTicketAsync(aigerim);
        var id = ticket.GetProperty("id").GetString();
        Assert.Equal("uz", ticket.GetProperty("language").GetString());
        Assert.Equal(["kk"], (await aigerim.GetFromJsonAsync<JsonElement>("api/operator/me")).GetProperty("reads").EnumerateArray().Select(l => l.GetString()));
        async Task<bool> Marked() => (await TicketsAsync(aigerim)).EnumerateArray().Single(t => t.GetProperty("id").GetString() == id)
            .GetProperty("noReaderOnShift").GetBoolean();
        Assert.True(await Marked());

        // The ticket shows the person's language in the reader's words, and the canned replies come in the person's language.
        var kk = TestContent.Content["kk"];
        var detail = await aigerim.GetFromJsonAsync<JsonElement>($"api/operator/tickets/{id}");
        Assert.Equal("uz", detail.GetProperty("ticket").GetProperty("language").GetString());
        Assert.Equal(kk.Operator("person.uz"), detail.GetProperty("ticket").GetProperty("readable").GetProperty("personLanguage").GetString());
        var canned = (await aigerim.GetFromJsonAsync<JsonElement>("api/operator/canned/uz")).EnumerateArray().Select(c => c.GetProperty("text").GetString()).ToList();
        Assert.Equal(TestContent.Content["uz"].Ui.Where(p => p.Key.StartsWith("operator.canned.", StringComparison.Ordinal))
            .OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value), canned);

        // A police operator who reads Uzbek does not take hotline tickets: still marked for the hotline.
        using var police = await OperatorAsync(host, "dilnoza", role: "police", reads: "uz,ru");
        Assert.True(await Marked());

        // A hotline colleague who reads Uzbek comes on shift, and signs out again.
        using var nodira = await OperatorAsync(host, "nodira", reads: "ru, uz");
        Assert.False(await Marked());
        using (var signOut = await nodira.PostAsync("operators/signout", new FormUrlEncodedContent([])))
        {
            Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        }
        Assert.True(await Marked());

        // Aigerim declares Uzbek in her own account; a language that is not a content folder, or none, is refused.
        foreach (var wrong in new[] { new[] { "kk", "xx" }, [] })
        {
            using var refused = await aigerim.PostAsJsonAsync("api/operator/me/reads", new { languages = wrong });
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }
        using (var declared = await aigerim.PostAsJsonAsync("api/operator/me/reads", new { languages = new[] { "kk", "uz" } }))
        {
            Assert.Equal(HttpStatusCode.NoContent, declared.StatusCode);
        }
        Assert.False(await Marked());
        Assert.Equal(["kk", "uz"], (await aigerim.GetFromJsonAsync<JsonElement>("api/operator/me")).GetProperty("reads").EnumerateArray().Select(l => l.GetString()));

        // The CLI refuses a language that is not a folder of content/.
        var (code, output) = await OperatorCliInProcessAsync(host, "correct horse battery staple",
            ["add", "timur", "--role", "hotline", "--gender", "m", "--display-name", "Timur", "--reads", "kk,fr"]);
        Assert.True(code == 2, output);
    }
}
