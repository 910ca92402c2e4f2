using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bot.Content;
using Bot.Host.Operators;
using Bot.Host.Storage;
using Bot.Tests.Host.Telegram;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;
using static Bot.Tests.Host.Operators.OperatorHarness;

namespace Bot.Tests.Host.TwoHosts;

/// <summary>Two hosts on one PostgreSQL database, as a national deployment runs them: either may answer any request.</summary>
public class TwoHostTests(ITestOutputHelper output)
{
    private static readonly LanguagePack En = TestContent.Content["en"];
    private static readonly string[] Path = ["continue", "safe", "self", "adult", "in-kazakhstan", "stop", "talk", "woman", "hotline", "agree"];

    /// <summary>
    /// Two hosts on one fresh PostgreSQL database, started at once, each with its own key folder (the keys are in the database);
    /// with <paramref name="telegram"/>, both poll the one bot there, each with a token of its own so the fake tells them apart.
    /// </summary>
    internal static async Task<(HostProcess A, HostProcess B)> StartTwoAsync(Dictionary<string, string>? more = null, FakeBotApi? telegram = null)
    {
        var settings = TestStorage.Settings(StorageProvider.PostgreSql, new Dictionary<string, string>
        {
            ["Abuse:NewConversationsPerMinutePerClient"] = "0", ["Abuse:RequestsPerMinutePerClient"] = "0",
            ["Abuse:RequestsPerMinutePerConversation"] = "0", ["Abuse:EscalationsPerHourPerClient"] = "0",
        });
        foreach (var (key, value) in more ?? [])
        {
            settings[key] = value;
        }
        if (telegram is not null)
        {
            settings["Telegram:ApiBaseUrl"] = telegram.Url;
            settings["Telegram:PollingTimeout"] = "1";
            // Scripted chats tap far faster than people, and the fake has no overall limit to respect.
            (settings["Telegram:PerChatPerSecond"], settings["Telegram:PerChatBurst"], settings["Telegram:PerChatPerMinute"], settings["Telegram:PerSecond"]) =
                ("20", "5", "600", "1000");
        }
        Dictionary<string, string> Named(string host) =>
            telegram is null ? settings : new Dictionary<string, string>(settings) { ["Telegram:BotToken"] = FakeBotApi.TokenOf(host) };
        if (telegram is null)
        {
            var hosts = await Task.WhenAll(HostProcess.StartAsync(settings: settings), HostProcess.StartAsync(settings: settings));
            return (hosts[0], hosts[1]);
        }
        // A polls first (the tests kill the poller): B starts once A has taken the lease and polled.
        var a = await HostProcess.StartAsync(settings: Named("a"));
        await TelegramUser.WaitAsync(() => telegram.Calls("getUpdates").Any(c => c.Host == "a") ? "polling" : null, seconds: 120);
        return (a, await HostProcess.StartAsync(settings: Named("b")));
    }

    /// <summary>A person in Telegram walking to escalation by taps, each tap after the question it answers has come.</summary>
    private sealed class TelegramPerson(FakeBotApi api, long chatId)
    {
        public TelegramUser User { get; } = new(api, chatId);
        /// <summary>The updates sent, each once: every one must be handled once.</summary>
        public int Updates { get; private set; }

        private static int? StepOf(ApiCall prompt)
        {
            var labels = TelegramUser.Buttons(prompt).Select(b => b.Label).ToList();
            var step = Array.FindIndex(Path, key => labels.Contains(En.Text("button." + key)));
            return step < 0 ? null : step;
        }

        /// <param name="reached">Called as each question arrives (with <see cref="Path"/>.Length for the waiting room's): the walk goes on when it completes.</param>
        public async Task WalkAsync(Func<int, Task> reached)
        {
            var question = await SendAsync(User.TextUpdate("/start"), 0);
            for (var step = 0; step < Path.Length; step++)
            {
                await reached(step);
                var button = TelegramUser.Buttons(question).First(b => b.Label == En.Text("button." + Path[step]));
                question = await SendAsync(User.Callback(question, button.Data), step + 1);
            }
            await reached(Path.Length);
        }

        /// <summary>Sends one update and waits for the question of <paramref name="step"/> (after the last one, the waiting room's).</summary>
        private async Task<ApiCall> SendAsync(System.Text.Json.Nodes.JsonObject update, int step)
        {
            Updates++;
            api.Enqueue(update);
            // Generous: a tap made while nobody polls waits for the other host to take the lease over (at most 18 s).
            try
            {
                return await TelegramUser.WaitAsync(() => User.Sent.LastOrDefault(c => step < Path.Length
                    ? StepOf(c) == step
                    : TelegramUser.Text(c) == En.Text("waiting.ask")), seconds: 180);
            }
            catch (TimeoutException e)
            {
                // What the chat got, and from which host, to tell a lost update from a reply left in the outbox.
                throw new TimeoutException($"Telegram chat {User.ChatId} waited for step {step}; it got: " + string.Join("; ", api.Calls()
                    .Where(c => c.Body["chat_id"] is { } id && (long)id == User.ChatId)
                    .Select(c => $"{c.At:HH:mm:ss.fff} {c.Host} {c.Method} {(TelegramUser.Buttons(c) is [var first, ..] ? first.Data : "")}")), e);
            }
        }
    }

    /// <summary>A host's warnings and errors (the last 40), for a test that waited in vain.</summary>
    private static string Warnings(HostProcess host) => string.Join("\n", host.Output.Split('\n')
        .Where(l => l.Contains(" WRN]", StringComparison.Ordinal) || l.Contains(" ERR]", StringComparison.Ordinal) || l.Contains(" FTL]", StringComparison.Ordinal))
        .TakeLast(40));

    /// <summary>A person walking to escalation through the load balancer, pressing again what was not acknowledged.</summary>
    private sealed class Person(WebChatClient chat)
    {
        public WebChatClient Chat { get; } = chat;
        public int Acknowledged { get; set; }
        public int Unacknowledged { get; set; }
        public List<string> Duplicates { get; } = [];
        public List<string> OutOfOrder { get; } = [];
        /// <summary>Why presses were not acknowledged: 502 from the balancer (host died in flight) or no answer at all.</summary>
        public List<HttpStatusCode?> Failures { get; } = [];
        /// <summary>Steps whose acknowledged press brought no next question: a lost turn.</summary>
        public List<int> Lost { get; } = [];
        private readonly HashSet<string> _seen = [];
        private long _lastId = -1;
        private int _lastStep = -1;

        public static int? StepOf(JsonElement prompt)
        {
            var options = WebChatClient.Options(prompt).Select(o => o.Title).ToList();
            var step = Array.FindIndex(Path, key => options.Contains(En.Text("button." + key)));
            return step < 0 ? null : step;
        }

        /// <summary>Each reply once, in the order of the outbox, and each question after the one before it.</summary>
        public void Record(IEnumerable<JsonElement> activities)
        {
            foreach (var activity in activities)
            {
                var id = activity.GetProperty("id").GetString()!;
                if (!_seen.Add(id))
                {
                    Duplicates.Add(id);
                    continue;
                }
                var number = long.Parse(id.Split('|')[^1], System.Globalization.CultureInfo.InvariantCulture);
                var step = StepOf(activity) ?? _lastStep;
                if (number <= _lastId || step < _lastStep)
                {
                    OutOfOrder.Add(id);
                }
                (_lastId, _lastStep) = (number, step);
            }
        }

        public async Task WalkAsync(Action agreed)
        {
            await RetryAsync(async () =>
            {
                await Chat.StartAsync();
                return true;
            });
            Record(Chat.Received);
            while (StepOf(Chat.LastPrompt) is { } step)
            {
                var button = En.Text("button." + Path[step]);
                var value = WebChatClient.Options(Chat.LastPrompt).First(o => o.Title == button).Value;
                var acknowledged = false;
                try
                {
                    using var response = await Chat.PostAsync(new { type = "message", value, from = new { id = "user" } });
                    response.EnsureSuccessStatusCode();
                    acknowledged = true;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    Unacknowledged++;   // the host died under it: committed or not, the next read tells
                    Failures.Add((e as HttpRequestException)?.StatusCode);
                }
                var replies = await RetryAsync(Chat.ReadAsync);
                Record(replies);
                if (acknowledged)
                {
                    Acknowledged++;
                    if (replies.Count == 0 || StepOf(Chat.LastPrompt) is { } next && next <= step)
                    {
                        Lost.Add(step);   // acknowledged, so committed: its replies must be there, on whichever host reads them
                    }
                    if (Path[step] == "agree")
                    {
                        agreed();
                    }
                }
            }
        }

        /// <summary>Reads (or starts) again until a host answers: a person reloads the page.</summary>
        private static async Task<T> RetryAsync<T>(Func<Task<T>> read)
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    return await read();
                }
                catch (Exception e) when (attempt < 20 && e is HttpRequestException or TaskCanceledException)
                {
                    await Task.Delay(100);
                }
            }
        }
    }

    /// <summary>
    /// The issue's kill test: web chats through the round-robin (either host answers any request) and Telegram chats polled by
    /// whichever host holds the lease (A, from its start, until it is killed; then B).
    /// </summary>
    [Fact]
    public async Task Two_hosts_behind_a_round_robin_one_killed_in_the_middle_lose_no_acknowledged_turn_and_send_nothing_twice()
    {
        const int WebChats = 150, Telegrams = 50, Conversations = WebChats + Telegrams;
        await using var api = await FakeBotApi.StartAsync();
        var (a, b) = await StartTwoAsync(telegram: api);
        await using var _ = b;
        await using var __ = a;
        await using var proxy = await RoundRobinProxy.StartAsync(a.BaseAddress, b.BaseAddress);
        using var http = proxy.Client();
        var watch = Stopwatch.StartNew();
        var (agreed, telegramsAgreed) = (0, 0);
        var people = Enumerable.Range(0, WebChats).Select(_ => new Person(new WebChatClient(http))).ToList();
        var telegrams = Enumerable.Range(0, Telegrams).Select(n => new TelegramPerson(api, 820_000 + n)).ToList();
        var walking = people.Select(p => Task.Run(() => p.WalkAsync(() => Interlocked.Increment(ref agreed))))
            .Concat(telegrams.Select(p => Task.Run(() => p.WalkAsync(step =>
            {
                if (step == Path.Length)
                {
                    Interlocked.Increment(ref agreed);
                    Interlocked.Increment(ref telegramsAgreed);
                }
                return Task.CompletedTask;
            })))).ToList();

        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (Volatile.Read(ref agreed) < Conversations / 5 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
        }
        var (agreedAtKill, telegramsAtKill) = (Volatile.Read(ref agreed), Volatile.Read(ref telegramsAgreed));
        var killed = DateTime.UtcNow;
        await a.KillAsync();   // SIGKILL
        var answeredByA = proxy.Answered[a.BaseAddress];
        await Task.WhenAll(walking);
        var seconds = watch.Elapsed.TotalSeconds;
        Assert.InRange(agreedAtKill, Conversations / 5, Conversations - 1);   // the kill came in the middle of the walks
        Assert.InRange(telegramsAtKill, 0, Telegrams - 1);
        Assert.True(answeredByA > WebChats, "host A answered its share before it was killed");

        await using var db = TestDatabase.Open(b);
        var tickets = await db.Tickets.AsNoTracking().Select(t => t.ConversationKey!).ToListAsync();
        foreach (var person in people)
        {
            Assert.Equal(En.Text("waiting.ask"), WebChatClient.Text(person.Chat.LastPrompt));
            Assert.Single(tickets, person.Chat.ConversationId);   // exactly one ticket each
        }
        // Telegram's conversation keys are pseudonyms of the chat ids: one ticket for each of the chats, all walked to the end.
        Assert.Equal(Telegrams, tickets.Where(t => t.StartsWith("tg-", StringComparison.Ordinal)).Distinct().Count());
        Assert.Equal(Conversations, tickets.Count);
        await AssertEachUpdateHandledOnceAsync(db, telegrams);
        var takeover = OnePollerThenTheOther(api, killed);
        var (duplicates, lost, outOfOrder) = (people.Sum(p => p.Duplicates.Count), people.Sum(p => p.Lost.Count), people.Sum(p => p.OutOfOrder.Count));
        var (repeats, again, telegramOutOfOrder, before) = Received(api, telegrams, killed);
        output.WriteLine($"{WebChats} web chat and {Telegrams} Telegram conversations, host A killed after {agreedAtKill} escalations "
            + $"({telegramsAtKill} of them Telegram; {answeredByA} requests answered by A, {proxy.Answered[b.BaseAddress]} by B); "
            + $"{people.Sum(p => p.Acknowledged)} web chat turns acknowledged, {people.Sum(p => p.Unacknowledged)} not; "
            + $"{telegrams.Sum(p => p.Updates)} Telegram updates, B polling {takeover.TotalSeconds:F1} s after the kill; {tickets.Count} tickets; "
            + $"{duplicates} duplicate web chat replies, {lost} acknowledged turns lost, {outOfOrder} out of order; "
            + $"{repeats.Count} repeated Telegram messages, {again} sent again after the kill (sent by A at most {before.TotalMilliseconds:F0} ms before it), {telegramOutOfOrder} out of order; {seconds:F0} s");
        Assert.All(people.SelectMany(p => p.Failures), status => Assert.True(status is null or HttpStatusCode.BadGateway, $"{status}"));
        Assert.Equal(0, duplicates);
        Assert.Equal(0, lost);
        Assert.Equal(0, outOfOrder);
        Assert.True(repeats.Count == 0, string.Join("\n", repeats));
        Assert.Equal(0, telegramOutOfOrder);
    }

    /// <summary>
    /// What the Telegram chats received: a message sent again (the same text and buttons as one before it) and questions out of
    /// order (each question's option ids begin with its number in the conversation). Counted apart: the last message host A sent
    /// to a chat in the seconds before it was killed, sent again by host B after the kill. A died between the send and marking
    /// the row delivered, the outbox's window at any crash (Telegram takes no idempotency key): at most one per chat. "Seconds":
    /// on a busy machine a commit waited 3.8 s.
    /// </summary>
    /// <returns>The repeats (when and by which host each was sent), the counts, and how long before the kill the oldest message sent again had first been sent.</returns>
    private static (List<string> Repeats, int SentAgainAfterKill, int OutOfOrder, TimeSpan Before) Received(FakeBotApi api, IEnumerable<TelegramPerson> people, DateTime killed)
    {
        var (repeated, again, outOfOrder, before) = (new List<string>(), 0, 0, TimeSpan.Zero);
        foreach (var person in people)
        {
            var sent = person.User.Sent;
            var lastOfA = sent.LastOrDefault(c => c.Host == "a");
            var sentAgain = false;
            var earlier = new List<ApiCall>();
            var lastPrompt = -1;
            foreach (var call in sent)
            {
                var same = earlier.FirstOrDefault(c => TelegramUser.Text(c) == TelegramUser.Text(call)
                    && c.Body["reply_markup"]?.ToJsonString() == call.Body["reply_markup"]?.ToJsonString());
                if (same is not null)
                {
                    var window = !sentAgain && same == lastOfA && same.At > killed.AddSeconds(-15) && call.Host == "b" && call.At > killed;
                    again += window ? 1 : 0;
                    sentAgain |= window;
                    before = window && killed - same.At > before ? killed - same.At : before;
                    if (!window)
                    {
                        repeated.Add($"chat {person.User.ChatId}: sent by {same.Host} at {(same.At - killed).TotalSeconds:F3} s and by {call.Host} at "
                            + $"{(call.At - killed).TotalSeconds:F3} s from the kill, the last of A's: {same == lastOfA}");
                    }
                    continue;
                }
                earlier.Add(call);
                if (TelegramUser.Buttons(call) is [var first, ..])
                {
                    var prompt = int.Parse(first.Data.Split('.')[0], System.Globalization.CultureInfo.InvariantCulture);
                    outOfOrder += prompt <= lastPrompt ? 1 : 0;
                    lastPrompt = prompt;
                }
            }
        }
        return (repeated, again, outOfOrder, before);
    }

    /// <summary>
    /// A polled until it was killed, then B, never both at once (Telegram would have answered 409): the time from the kill to
    /// B's first getUpdates.
    /// </summary>
    private static TimeSpan OnePollerThenTheOther(FakeBotApi api, DateTime killed)
    {
        var polls = api.Calls("getUpdates");
        Assert.Equal(["a", "b"], polls.Select(c => c.Host).Distinct());   // in that order
        var firstOfB = polls.First(c => c.Host == "b").At;
        Assert.True(polls.Last(c => c.Host == "a").At <= firstOfB && firstOfB > killed);
        Assert.Equal(0, api.Conflicts);
        Assert.Equal(0, api.ConfirmedUnseen);   // no update was confirmed before a host was given it
        return firstOfB - killed;
    }

    /// <summary>Every update the people sent was handled once: one seen-id row each (a second handling finds the key taken).</summary>
    private static async Task AssertEachUpdateHandledOnceAsync(BotDb db, IReadOnlyCollection<TelegramPerson> people) =>
        Assert.Equal(people.Sum(p => p.Updates), await db.InboundSeen.CountAsync(s => s.Id.StartsWith("telegram:")));

    [Fact]
    public async Task Telegram_polling_on_two_hosts_one_polls_at_a_time_and_when_it_is_killed_the_other_takes_over_and_every_message_is_answered_once()
    {
        const int People = 20;
        await using var api = await FakeBotApi.StartAsync();
        var (a, b) = await StartTwoAsync(telegram: api);
        await using var _ = b;
        await using var __ = a;
        await using var db = TestDatabase.Open(b);
        var people = Enumerable.Range(0, People).Select(n => new TelegramPerson(api, 810_000 + n)).ToList();
        var (halfway, afterHalfway) = (0, 0);
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var walking = people.Select(p => Task.Run(() => p.WalkAsync(step =>
        {
            if (step == Path.Length / 2)
            {
                Interlocked.Increment(ref halfway);
                return go.Task;
            }
            if (step > Path.Length / 2)
            {
                Interlocked.Increment(ref afterHalfway);
            }
            return Task.CompletedTask;
        }))).ToList();

        // Before the kill: A took the lease at its start and renews it; B tries every few seconds and never polls.
        var renewals = new HashSet<DateTime>();
        try
        {
            await TelegramUser.WaitAsync(() =>
            {
                renewals.Add(db.Leases.AsNoTracking().Single(l => l.Name == "telegram-polling").ExpiresAt);
                return renewals.Count >= 3 && Volatile.Read(ref halfway) == People ? "renewed twice, everyone halfway" : null;
            }, seconds: 180);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{renewals.Count} renewals seen, {Volatile.Read(ref halfway)} of {People} halfway; "
                + $"{api.Calls("getUpdates").Count} getUpdates ({api.Conflicts} conflicts, {api.ConfirmedUnseen} updates confirmed unseen).\n"
                + string.Join("\n", walking.Where(w => w.IsFaulted).Select(w => w.Exception!.InnerException!.Message).Take(3))
                + $"\nHost A:\n{Warnings(a)}\nHost B:\n{Warnings(b)}", e);
        }
        var polls = api.Calls("getUpdates");
        Assert.NotEmpty(polls);
        Assert.All(polls, c => Assert.Equal("a", c.Host));
        // Everyone taps at once; A is killed as the first of them is answered, with the others' taps in its hands.
        go.SetResult();
        await TelegramUser.WaitAsync(() => Volatile.Read(ref afterHalfway) > 0 ? "answered" : null, seconds: 120);
        var answeredBefore = people.Sum(p => p.User.Sent.Count);

        var killed = DateTime.UtcNow;
        await a.KillAsync();   // SIGKILL, in the middle of the walks: taps go on while nobody polls
        var takeover = (await TelegramUser.WaitAsync(() => api.Calls("getUpdates").FirstOrDefault(c => c.Host == "b"), seconds: 120)).At - killed;
        await Task.WhenAll(walking);

        Assert.Equal(takeover, OnePollerThenTheOther(api, killed));
        var tickets = await db.Tickets.AsNoTracking().Select(t => t.ConversationKey!).ToListAsync();
        Assert.Equal(People, tickets.Distinct().Count());
        Assert.Equal(People, tickets.Count);
        await AssertEachUpdateHandledOnceAsync(db, people);
        var (repeats, again, outOfOrder, before) = Received(api, people, killed);
        output.WriteLine($"{People} Telegram walks; {answeredBefore} messages sent before host A (the poller) was killed; host B polled "
            + $"{takeover.TotalSeconds:F1} s after the kill; {repeats.Count} repeated messages, {again} sent again after the kill (sent by A at most {before.TotalMilliseconds:F0} ms before it), {outOfOrder} out of order");
        Assert.True(takeover < TimeSpan.FromSeconds(30), $"{takeover}");   // issue 16, item 6 (the lease: expiry 15 s, tries every 3 s)
        Assert.True(repeats.Count == 0, string.Join("\n", repeats));
        Assert.Equal(0, outOfOrder);
    }

    [Fact]
    public async Task A_ticket_claimed_on_one_host_by_one_operator_cannot_be_claimed_on_the_other_by_another()
    {
        var (a, b) = await StartTwoAsync();
        await using var _ = b;
        await using var __ = a;
        var people = await Task.WhenAll(Enumerable.Range(0, 10).Select(n => ConsentAsync(n % 2 == 0 ? a : b)));
        var aigerim = await OperatorAsync(a, "aigerim", name: "Aigerim");
        var dana = await OperatorAsync(b, "dana", name: "Dana");
        var ids = (await TicketsAsync(dana)).EnumerateArray().Select(t => t.GetProperty("id").GetGuid()).ToList();
        Assert.Equal(people.Length, ids.Count);

        var outcomes = await Task.WhenAll(ids.Select(async id =>
        {
            var claims = await Task.WhenAll(new[] { aigerim, dana }.Select(client => client.PostAsync($"api/operator/tickets/{id}/claim", null)));
            return (Id: id, A: claims[0].StatusCode, B: claims[1].StatusCode);
        }));
        await using var db = TestDatabase.Open(a);
        foreach (var (id, onA, onB) in outcomes)
        {
            Assert.Equal([HttpStatusCode.NoContent, HttpStatusCode.Conflict], new[] { onA, onB }.Order());   // exactly one wins
            var ticket = await db.Tickets.AsNoTracking().SingleAsync(t => t.Id == id);
            var winner = await db.Users.AsNoTracking().SingleAsync(u => u.Id == ticket.OperatorId);
            Assert.Equal(onA == HttpStatusCode.NoContent ? "aigerim" : "dana", winner.UserName);
            Assert.Equal(1, await db.TicketAudit.CountAsync(t => t.TicketId == id && t.Action == "claimed"));
        }
        // Each person is told once who joined.
        foreach (var chat in people)
        {
            var joined = (await ReadUntilAsync(chat, t => t.Contains("has joined", StringComparison.Ordinal))).Count(t => t.Contains("has joined", StringComparison.Ordinal));
            Assert.Equal(1, joined);
        }
        output.WriteLine($"{ids.Count} tickets, each claimed at once on both hosts: A won {outcomes.Count(o => o.A == HttpStatusCode.NoContent)}, B won {outcomes.Count(o => o.B == HttpStatusCode.NoContent)}");
    }

    [Fact]
    public async Task A_ticket_created_on_one_host_reaches_a_console_long_polling_the_other_within_a_second()
    {
        var (a, b) = await StartTwoAsync();
        await using var _ = b;
        await using var __ = a;
        var dana = await OperatorAsync(b, "dana", name: "Dana");
        var chat = await ToConsentAsync(a.Http);
        var seen = (await dana.GetFromJsonAsync<JsonElement>("api/operator/changes?seen=-1")).GetProperty("version").GetInt64();

        await chat.PressAsync(En.Text("button.agree"));   // on host A
        var watch = Stopwatch.StartNew();
        var moved = (await dana.GetFromJsonAsync<JsonElement>($"api/operator/changes?seen={seen}")).GetProperty("version").GetInt64();
        var elapsed = watch.Elapsed;
        Assert.True(moved > seen);
        Assert.Equal(1, (await TicketsAsync(dana)).GetArrayLength());
        output.WriteLine($"the console on host B heard of the ticket made on host A {elapsed.TotalMilliseconds:F0} ms after the person was told");
        Assert.True(elapsed < TimeSpan.FromSeconds(1), $"{elapsed}");   // issue 16, item 4: within a second (the long poll waits 25 s)
    }
}
