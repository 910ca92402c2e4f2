using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Bot.Content;
using Bot.Host.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Bot.Tests.Host.Telegram;

/// <summary>The Telegram channel end to end: the real host process and its real Telegram.Bot client against a fake Bot API on loopback.</summary>
public class TelegramTests
{
    private static readonly LanguagePack En = TestContent.Content["en"];
    internal const string Secret = "webhook-secret_0123456789";

    private static Dictionary<string, string> Settings(FakeBotApi api, params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string>
        {
            ["Telegram:BotToken"] = FakeBotApi.Token,
            ["Telegram:ApiBaseUrl"] = api.Url,
            ["Telegram:PollingTimeout"] = "1",
            ["Telegram:PerChatPerSecond"] = "20",
            ["Telegram:PerChatBurst"] = "5",
            ["Telegram:PerChatPerMinute"] = "600",   // scripted chats tap far faster than a person
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }
        return settings;
    }

    private static (string, string)[] Webhook => [("Telegram:WebhookUrl", "https://bot.example.org/telegram/webhook"), ("Telegram:WebhookSecret", Secret)];

    [Fact]
    public async Task Self_referral_by_taps_reaches_a_stored_escalation_and_alerts_the_operators_group()
    {
        await using var api = await FakeBotApi.StartAsync();
        await using var host = await HostProcess.StartAsync(settings: Settings(api, ("Telegram:OperatorChatId", "-1009876")));
        var user = new TelegramUser(api, 734019283);
        await ReferByTapsAsync(user);
        Assert.Equal(En.Text("waiting.ask"), TelegramUser.Text(user.LastPrompt));

        Bot.Host.Operators.Ticket escalation;
        await using (var db = Open(host))
        {
            escalation = await db.Tickets.SingleAsync();
            Assert.Equal("Hotline", escalation.Destination);
            Assert.StartsWith("tg-", escalation.ConversationKey, StringComparison.Ordinal);
            Assert.DoesNotContain("734019283", escalation.ConversationKey, StringComparison.Ordinal);
            Assert.DoesNotContain("734019283", (await db.Addresses.SingleAsync()).Address, StringComparison.Ordinal);   // sealed
        }
        // Every tap stopped its spinner, and each answered question shows the chosen answer without its keyboard.
        Assert.True(api.Calls("answerCallbackQuery").Count >= 10);
        Assert.Contains(api.Calls("editMessageText"), c => ((string)c.Body["text"]!).EndsWith("› " + En.Text("button.continue"), StringComparison.Ordinal)
            && c.Body["reply_markup"] is null);
        var alert = await TelegramUser.WaitAsync(() => api.Sent(-1009876).SingleOrDefault());
        // In the group's language (Kazakh unless Telegram:OperatorChatLanguage says otherwise), no answers, no personal data.
        var kk = TestContent.Content["kk"];
        Assert.Equal($"Жаңа өтініш {escalation.Id.ToString()[..8]}: {kk.Operator("level." + escalation.Level)}, кімге: {kk.Operator("team.Hotline")}, 18-ге толмаған: жоқ",
            TelegramUser.Text(alert));
        // The command menu in each language and the default one.
        var menus = api.Calls("setMyCommands");
        Assert.Equal(["", .. TestContent.Content.LanguageCodes.Order()], menus.Select(c => (string?)c.Body["language_code"] ?? "").Order().ToArray());
        Assert.All(menus, c => Assert.Equal(7, c.Body["commands"]!.AsArray().Count));
        await host.KillAsync();
        var stored = string.Concat(Directory.GetFiles(host.DataPath, "bot.db*").Select(f => System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(f))));
        foreach (var personal in new[] { "734019283", "Aigerim", "aigerim_secret", FakeBotApi.Token })
        {
            Assert.DoesNotContain(personal, host.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(personal, stored, StringComparison.Ordinal);   // the database file alone reveals no raw id
        }
    }

    [Fact]
    public async Task A_tap_on_a_tap_all_that_apply_screen_edits_the_screen_in_place_and_a_refused_edit_sends_it_again()
    {
        await using var api = await FakeBotApi.StartAsync();
        await using var host = await HostProcess.StartAsync(settings: Settings(api));
        var user = new TelegramUser(api, 40417);
        await user.SayAsync("/start");
        foreach (var key in new[] { "continue", "safe", "self", "adult", "in-kazakhstan" })
        {
            await user.PressAsync(key);
        }
        var screen = user.LastPrompt;
        var (sends, id) = (user.Sent.Count, (int)screen.Body["_message_id"]!);
        var options = TelegramUser.Buttons(screen).Where(b => b.Data.Contains(".t.", StringComparison.Ordinal)).ToList();
        Assert.True(options.Count >= 2, "the first screen is not a tap-all-that-apply screen");

        api.Enqueue(user.Callback(screen, options[0].Data));
        var edited = await TelegramUser.WaitAsync(() => api.Calls("editMessageText").LastOrDefault(c => (int)c.Body["message_id"]! == id
            && TelegramUser.Buttons(c).Any(b => b.Label == "✓ " + options[0].Label)));
        Assert.Equal(TelegramUser.Text(screen), TelegramUser.Text(edited));
        Assert.Equal(sends, user.Sent.Count);   // the same message on the phone, not a second copy of the screen

        // Where Telegram refuses the edit (an old message, a client that lost it), the screen comes again as a new message.
        api.Refused.Add("editMessageText");
        var second = TelegramUser.Buttons(edited).Single(b => b.Label == options[1].Label);
        var again = await user.SendAndWaitAsync(user.Callback(edited, second.Data));
        Assert.Equal(["✓ " + options[0].Label, "✓ " + options[1].Label],
            TelegramUser.Buttons(again).Where(b => b.Label.StartsWith("✓ ", StringComparison.Ordinal)).Select(b => b.Label));
        api.Refused.Remove("editMessageText");

        // "Done" moves on: the next screen is a new message.
        var next = await user.PressAsync("done");
        Assert.NotEqual(TelegramUser.Text(again), TelegramUser.Text(next));
    }

    [Fact]
    public async Task Witness_path_by_taps_goes_to_the_police_even_when_every_non_essential_call_fails()
    {
        await using var api = await FakeBotApi.StartAsync();
        api.Refused.UnionWith(["answerCallbackQuery", "editMessageText", "editMessageReplyMarkup", "sendChatAction", "setMyCommands", "deleteWebhook"]);
        await using var host = await HostProcess.StartAsync(settings: Settings(api));
        var user = new TelegramUser(api, 55501);
        await user.SayAsync("/start");
        foreach (var key in new[] { "continue", "safe", "witness", "adult", "in-kazakhstan", "stop", "talk", "no-preference", "police", "agree" })
        {
            await user.PressAsync(key);
        }
        await using var db = Open(host);
        var escalation = await db.Tickets.SingleAsync();
        Assert.Equal("Witness", escalation.Role);
        Assert.Equal("Police", escalation.Destination);
        Assert.NotEmpty(api.Calls("editMessageText"));
        Assert.NotEmpty(api.Calls("answerCallbackQuery"));
    }

    [Theory]
    [MemberData(nameof(TestStorage.Providers), MemberType = typeof(TestStorage))]
    public async Task Webhook_refuses_a_wrong_secret_and_handles_an_update_once_even_after_a_restart(StorageProvider provider)
    {
        await using var api = await FakeBotApi.StartAsync();
        var user = new TelegramUser(api, 66601);
        var start = user.TextUpdate("/start");
        (string Path, IReadOnlyDictionary<string, string> Settings) data;
        await using (var host = await HostProcess.StartAsync(settings: TestStorage.Settings(provider, Settings(api, Webhook))))
        {
            data = (host.DataPath, host.Settings);
            Assert.Equal(HttpStatusCode.Unauthorized, await PostAsync(host, start, secret: null));
            Assert.Equal(HttpStatusCode.Unauthorized, await PostAsync(host, start, secret: "webhook-secret_0123456780"));
            await using (var db = Open(host))
            {
                Assert.Empty(await db.InboundSeen.ToListAsync());
                Assert.Empty(await db.Conversations.ToListAsync());
            }
            Assert.Equal(HttpStatusCode.OK, await PostAsync(host, start, Secret));
            Assert.Equal(HttpStatusCode.OK, await PostAsync(host, start, Secret));
            await HelpAsync(host, user);
            var registered = Assert.Single(api.Calls("setWebhook"));
            Assert.Equal(Secret, (string)registered.Body["secret_token"]!);
            // Killed once the outbox has marked its replies delivered: this test is about inbound repeats, not a crash mid-send.
            await TelegramUser.WaitAsync(() =>
            {
                using var db = Open(host);
                return db.Outbox.All(m => m.DeliveredAt != null) ? "delivered" : null;
            });
            await host.KillAsync();
        }
        await using (var again = await HostProcess.StartAsync(data.Path, data.Settings))
        {
            Assert.Equal(HttpStatusCode.OK, await PostAsync(again, start, Secret));
            await HelpAsync(again, user);
        }
        // One answer to /start, and the two /help answers (help, then the current question again).
        Assert.Equal(2, user.Sent.Count(c => TelegramUser.Text(c) == En.Text("help.text")));
        Assert.Equal(1 + 2, user.Sent.Count(c => TelegramUser.Text(c) == En.Text("privacy.ask")));
        Assert.Equal(5, user.Sent.Count);
        Assert.Empty(api.Calls("getUpdates"));
    }

    [Theory]
    [MemberData(nameof(TestStorage.Providers), MemberType = typeof(TestStorage))]
    public async Task Polling_handles_an_update_sent_again_after_a_restart_once(StorageProvider provider)
    {
        await using var api = await FakeBotApi.StartAsync();
        var user = new TelegramUser(api, 66602);
        var start = user.TextUpdate("/start");
        (string Path, IReadOnlyDictionary<string, string> Settings) data;
        await using (var host = await HostProcess.StartAsync(settings: TestStorage.Settings(provider, Settings(api))))
        {
            data = (host.DataPath, host.Settings);
            await user.SendAndWaitAsync(start);
            await TelegramUser.WaitAsync(() =>
            {
                using var db = Open(host);
                return db.Outbox.All(m => m.DeliveredAt != null) ? "delivered" : null;
            });
            await host.KillAsync();
        }
        await using (var again = await HostProcess.StartAsync(data.Path, data.Settings))
        {
            api.Enqueue(start);   // Telegram hands out again what it thinks was not confirmed
            await user.SayAsync("/help");
        }
        Assert.Single(user.Sent, c => TelegramUser.Text(c) == En.Text("help.text"));
        Assert.Equal(1 + 1, user.Sent.Count(c => TelegramUser.Text(c) == En.Text("privacy.ask")));
    }

    [Fact]
    public async Task Twenty_messages_of_one_chat_are_answered_in_order_and_a_repeated_update_once()
    {
        const double perSecond = 5;
        const int burst = 3;
        await using var api = await FakeBotApi.StartAsync();
        await using var host = await HostProcess.StartAsync(settings: Settings(api,
            ("Telegram:PerChatPerSecond", perSecond.ToString(CultureInfo.InvariantCulture)), ("Telegram:PerChatBurst", burst.ToString(CultureInfo.InvariantCulture))));
        var user = new TelegramUser(api, 77701);
        await user.SayAsync("/start");
        var updates = Enumerable.Range(0, 20).Select(_ => user.TextUpdate("/help")).ToList();
        updates.ForEach(api.Enqueue);
        api.Enqueue(updates[4]);   // delivered again
        api.Enqueue(user.TextUpdate("/language"));   // one chat is handled in order: this comes last
        await TelegramUser.WaitAsync(() => user.Sent.FirstOrDefault(c => TelegramUser.Text(c).Contains(En.Text("language.ask"), StringComparison.Ordinal)));

        Assert.Equal(20, user.Sent.Count(c => TelegramUser.Text(c) == En.Text("help.text")));
        // Each option id starts with its prompt number: the questions were sent in the order the turns ran.
        var prompts = user.Sent.Where(c => TelegramUser.Buttons(c).Count > 0)
            .Select(c => int.Parse(TelegramUser.Buttons(c)[0].Data.Split('.')[0], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(prompts[0], 22), prompts);
        // Within the chat's limit: burst + 6 messages need six refills, so they span over a second
        // (asserted with room for requests that reach the server out of step).
        var times = user.Sent.Select(c => c.At).ToList();
        var spans = Enumerable.Range(0, times.Count - burst - 6).Select(k => (times[k + burst + 6] - times[k]).TotalSeconds).ToList();
        Assert.True(spans.Min() >= 5 / perSecond * 0.6, $"{burst + 7} messages within {spans.Min():F2} s");
    }

    [Fact]
    public async Task Two_hundred_chats_at_once_all_get_their_replies_within_the_overall_limit()
    {
        await using var api = await FakeBotApi.StartAsync();
        await using var host = await HostProcess.StartAsync(settings: Settings(api));
        var users = Enumerable.Range(0, 200).Select(i => new TelegramUser(api, 900_000 + i)).ToList();
        users.ForEach(u => api.Enqueue(u.TextUpdate("/start")));
        await TelegramUser.WaitAsync(() => users.All(u => u.Sent.Any(c => TelegramUser.Text(c) == En.Text("privacy.ask"))) ? "all" : null, seconds: 60);
        Assert.All(users, u => Assert.Single(u.Sent, c => TelegramUser.Text(c) == En.Text("privacy.ask")));
        // 30 messages a second overall: any 91 consecutive messages need three refills, so they span over a second
        // even when requests reach the server out of step by a few hundred milliseconds.
        var times = api.Calls("sendMessage").Select(c => c.At).Order().ToList();
        var spans = Enumerable.Range(0, times.Count - 90).Select(k => (times[k + 90] - times[k]).TotalSeconds).ToList();
        Assert.True(spans.Min() >= 1, $"91 messages within {spans.Min():F2} s");
    }

    [Fact]
    public async Task Every_message_to_a_person_is_silent_protected_and_without_link_previews_and_the_operators_alert_rings()
    {
        await using var api = await FakeBotApi.StartAsync();
        await using var host = await HostProcess.StartAsync(settings: Settings(api, ("Telegram:OperatorChatId", "-1009877")));
        var user = new TelegramUser(api, 734019284);
        await ReferByTapsAsync(user);
        var alert = await TelegramUser.WaitAsync(() => api.Sent(-1009877).SingleOrDefault());
        api.Enqueue(user.TextUpdate("/exit"));   // the quick exit's last line goes out directly, not from the outbox
        await TelegramUser.WaitAsync(() => user.Sent.FirstOrDefault(c => TelegramUser.Text(c) == En.Text("exit.done")));

        // A locked phone's banner shows nothing, nothing can be forwarded or saved, no link fetches a preview.
        Assert.True(user.Sent.Count >= 12);
        Assert.All(user.Sent, call =>
        {
            Assert.True((bool?)call.Body["protect_content"]);
            Assert.True((bool?)call.Body["disable_notification"]);
            Assert.True((bool?)call.Body["link_preview_options"]?["is_disabled"]);
        });
        Assert.NotEmpty(api.Calls("editMessageText"));
        Assert.All(api.Calls("editMessageText"), call => Assert.True((bool?)call.Body["link_preview_options"]?["is_disabled"]));
        // The operators' group rings: an urgent case must be seen at once. It is protected all the same.
        Assert.True((bool?)alert.Body["protect_content"]);
        Assert.NotEqual(true, (bool?)alert.Body["disable_notification"]);
    }

    [Fact]
    public async Task A_flooding_chat_waits_in_the_outbox_over_its_budget_while_another_chat_is_answered()
    {
        await using var api = await FakeBotApi.StartAsync();
        await using var host = await HostProcess.StartAsync(settings: Settings(api, ("Telegram:PerChatPerMinute", "5")));
        var flooder = new TelegramUser(api, 555001);
        var other = new TelegramUser(api, 555002);
        for (var i = 0; i < 15; i++)
        {
            api.Enqueue(flooder.TextUpdate("/help"));
        }
        await TelegramUser.WaitAsync(() => flooder.Sent.Count >= 5 ? "budget used" : null);
        await other.SayAsync("/start");
        // Five a minute (one more every 12 s): the flooder's other replies wait; the other chat did not wait behind them.
        Assert.InRange(flooder.Sent.Count, 5, 7);
        await using var db = Open(host);
        var flooded = (await db.Outbox.AsNoTracking().ToListAsync()).GroupBy(m => m.ConversationKey).MaxBy(g => g.Count())!.ToList();
        Assert.True(flooded.Count >= 15);
        Assert.Equal(flooded.Count - flooder.Sent.Count, flooded.Count(m => m.DeliveredAt is null));   // nothing dropped: the rest waits
        Assert.All(flooded, m => Assert.Equal(0, m.Attempts));   // waiting is not a failed attempt
        Assert.DoesNotContain("Delivery to", host.Output, StringComparison.Ordinal);   // waiting is not a failed delivery
    }

    [Fact]
    public async Task A_429_with_retry_after_delays_the_reply_then_delivers_it_once()
    {
        await using var api = await FakeBotApi.StartAsync();
        await using var host = await HostProcess.StartAsync(settings: Settings(api));
        api.RetryAfter = 2;
        api.AnswerTooManyRequests(1);
        var user = new TelegramUser(api, 88801);
        await user.SayAsync("/start");
        var attempts = api.Calls("sendMessage").Where(c => (long)c.Body["chat_id"]! == user.ChatId).ToList();
        var refused = Assert.Single(attempts, c => !c.Ok);
        var delivered = Assert.Single(user.Sent, c => TelegramUser.Text(c) == TelegramUser.Text(refused));
        Assert.True((delivered.At - refused.At).TotalSeconds >= 1.9);
    }

    [Fact]
    public async Task Exit_and_forget_delete_the_chats_messages_and_forget_leaves_nothing_of_it_in_the_database()
    {
        await using var api = await FakeBotApi.StartAsync();
        await using var host = await HostProcess.StartAsync(settings: Settings(api));
        var user = new TelegramUser(api, 99901);
        await user.SayAsync("/start");
        await user.PressAsync("continue");
        api.Enqueue(user.TextUpdate("/exit"));
        var closed = await TelegramUser.WaitAsync(() => user.Sent.FirstOrDefault(c => TelegramUser.Text(c) == En.Text("exit.done")));
        Assert.Superset(BotMessages(user, before: closed).Concat(user.MessageIds).ToHashSet(), Deleted(api, user));

        await user.SayAsync("/start");
        await user.SayAsync("/help");
        string key;
        await using (var db = Open(host))
        {
            key = (await db.Conversations.SingleAsync()).Key;
        }
        api.Enqueue(user.TextUpdate("/forget"));
        var last = await TelegramUser.WaitAsync(() => user.Sent.FirstOrDefault(c => TelegramUser.Text(c) == En.Text("forget.done")));

        // Every message of the chat, the bot's (with the quick exit's line) and the person's, was deleted.
        Assert.Superset(BotMessages(user, before: last).Concat(user.MessageIds).ToHashSet(), Deleted(api, user));
        Assert.Null(last.Body["reply_markup"]);
        foreach (var (table, row) in await AllRowsAsync(host))
        {
            Assert.DoesNotContain(key, row, StringComparison.Ordinal);
            Assert.False(row.Contains("99901", StringComparison.Ordinal), $"{table} keeps the chat id");
        }
    }

    /// <summary>A self-referral to the hotline, by taps, from /start to consent.</summary>
    [Fact]
    public async Task An_operators_message_reaches_telegram_under_the_operators_name_and_role()
    {
        await using var api = await FakeBotApi.StartAsync();
        await using var host = await HostProcess.StartAsync(settings: Settings(api));
        var user = new TelegramUser(api, 734019290);
        await ReferByTapsAsync(user);
        using var hotline = await Operators.OperatorHarness.OperatorAsync(host, "aigerim", name: "Aigerim");
        var id = (await Operators.OperatorHarness.WaitForTicketAsync(hotline)).GetProperty("id").GetString();
        (await hotline.PostAsync($"api/operator/tickets/{id}/claim", null)).EnsureSuccessStatusCode();
        (await hotline.PostAsync($"api/operator/tickets/{id}/messages", System.Net.Http.Json.JsonContent.Create(new { text = "I am here. Are you safe?" })))
            .EnsureSuccessStatusCode();
        var sent = await TelegramUser.WaitAsync(() => user.Sent.LastOrDefault(c => TelegramUser.Text(c).EndsWith("Are you safe?", StringComparison.Ordinal)));
        // Telegram shows every message as the bot's: the operator's name line comes first, from content, in the person's language.
        Assert.Equal(En.Text("operator.says.hotline", ("name", "Aigerim")) + "\nI am here. Are you safe?", TelegramUser.Text(sent));
        Assert.DoesNotContain(user.Sent, c => TelegramUser.Text(c).StartsWith(En.Text("operator.says.hotline", ("name", "Aigerim")), StringComparison.Ordinal)
            && c != sent);   // the bot's own lines carry no name
    }

    [Fact]
    public async Task In_uzbek_kyrgyz_and_tajik_telegrams_language_code_picks_the_language_and_the_walk_reaches_the_queue()
    {
        await using var api = await FakeBotApi.StartAsync();
        await using var host = await HostProcess.StartAsync(settings: Settings(api));
        var chat = 550001L;
        foreach (var language in new[] { "uz", "ky", "tg" })
        {
            var user = new TelegramUser(api, chat++, language);
            await ReferByTapsAsync(user);
            Assert.Equal(user.Pack.Text("waiting.ask"), TelegramUser.Text(user.LastPrompt));
        }
        await using var db = Open(host);
        Assert.Equal(["ky", "tg", "uz"], (await db.Tickets.Select(t => t.Language).ToListAsync()).Order().ToArray());
    }

    private static async Task ReferByTapsAsync(TelegramUser user)
    {
        await user.SayAsync("/start");
        foreach (var key in new[] { "continue", "safe", "self", "adult", "in-kazakhstan", "stop", "talk", "woman", "hotline", "agree" })
        {
            await user.PressAsync(key);
        }
    }

    private static IEnumerable<int> BotMessages(TelegramUser user, ApiCall before) =>
        user.Sent.TakeWhile(c => c != before).Select(c => (int)c.Body["_message_id"]!);

    private static HashSet<int> Deleted(FakeBotApi api, TelegramUser user) =>
        api.Calls("deleteMessages").Where(c => (long)c.Body["chat_id"]! == user.ChatId)
            .SelectMany(c => c.Body["message_ids"]!.AsArray().Select(id => (int)id!)).ToHashSet();

    [Theory]
    [MemberData(nameof(TestStorage.Providers), MemberType = typeof(TestStorage))]
    public async Task Forged_callbacks_photos_and_stickers_get_a_polite_answer_and_the_host_stays_healthy(StorageProvider provider)
    {
        await using var api = await FakeBotApi.StartAsync();
        await using var host = await HostProcess.StartAsync(settings: TestStorage.Settings(provider, Settings(api)));
        var user = new TelegramUser(api, 12301);
        var question = await user.SayAsync("/start");
        foreach (var forged in new[] { "", "x", ".", "1.", "999999999999.continue", "-1.continue", "../../etc/passwd", "1.continue'; drop table x;--", new string('9', 64), "💥💥💥💥" })
        {
            var before = user.Sent.Count;
            var prompt = await user.SendAndWaitAsync(user.Callback(question, forged));
            Assert.Equal(En.Text("privacy.ask"), TelegramUser.Text(prompt));
            Assert.Contains(user.Sent.Skip(before), c => TelegramUser.Text(c) == En.Text("input.expired") || TelegramUser.Text(c) == En.Text("input.choose"));
        }
        var unsupported = new Func<JsonObject>[]
        {
            () => user.Message(new JsonObject { ["photo"] = new JsonArray(new JsonObject { ["file_id"] = "p", ["file_unique_id"] = "p", ["width"] = 90, ["height"] = 90 }) }),
            () => user.Message(new JsonObject { ["sticker"] = new JsonObject { ["file_id"] = "s", ["file_unique_id"] = "s", ["type"] = "regular", ["width"] = 512, ["height"] = 512, ["is_animated"] = false, ["is_video"] = false } }),
            () => user.Message(new JsonObject { ["voice"] = new JsonObject { ["file_id"] = "v", ["file_unique_id"] = "v", ["duration"] = 3 } }),
            () => user.Message(new JsonObject { ["location"] = new JsonObject { ["latitude"] = 43.25, ["longitude"] = 76.95 } }),
            () => user.Message(new JsonObject { ["contact"] = new JsonObject { ["phone_number"] = "+77011234567", ["first_name"] = "Aigerim" } }),
            () => Edited(user.TextUpdate("my name is Aigerim")),
        };
        foreach (var update in unsupported)
        {
            var before = user.Sent.Count;
            api.Enqueue(update());
            await TelegramUser.WaitAsync(() => user.Sent.Skip(before).FirstOrDefault(c => TelegramUser.Text(c) == En.Text("input.unsupported")));
        }
        // A group the bot was added to: ignored by design.
        var group = user.TextUpdate("/start");
        group["message"]!["chat"] = new JsonObject { ["id"] = -4242, ["type"] = "group", ["title"] = "g" };
        api.Enqueue(group);
        await user.SayAsync("/help");   // handled after the group's update (one batch, ids in order)
        Assert.Empty(api.Sent(-4242));

        Assert.Equal(HttpStatusCode.OK, (await host.Http.GetAsync("health")).StatusCode);
        foreach (var personal in new[] { "Aigerim", "aigerim_secret", "77011234567", "43.25" })
        {
            Assert.DoesNotContain(personal, host.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Without_a_token_the_channel_is_off_and_the_host_runs()
    {
        await using var host = await HostProcess.StartAsync();
        using var response = await host.Http.PostAsync(new Uri("telegram/webhook", UriKind.Relative), new StringContent("{}"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task A_webhook_without_a_secret_stops_start_up_naming_the_key()
    {
        await using var api = await FakeBotApi.StartAsync();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            HostProcess.StartAsync(settings: Settings(api, ("Telegram:WebhookUrl", "https://bot.example.org/telegram/webhook"))));
        Assert.Contains("Telegram:WebhookSecret", error.Message, StringComparison.Ordinal);
    }

    private static JsonObject Edited(JsonObject update)
    {
        var message = update["message"]!;
        update.Remove("message");
        message["edit_date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        update["edited_message"] = message;
        return update;
    }

    /// <summary>Sends /help through the webhook and waits for its answer: everything posted before it is then handled.</summary>
    private static async Task HelpAsync(HostProcess host, TelegramUser user)
    {
        var before = user.Sent.Count;
        Assert.Equal(HttpStatusCode.OK, await PostAsync(host, user.TextUpdate("/help"), Secret));
        await TelegramUser.WaitAsync(() => user.Sent.Skip(before).FirstOrDefault(c => TelegramUser.Buttons(c).Count > 0));
    }

    /// <summary>Posts an update to the host's webhook, with this secret token (none: without the header).</summary>
    internal static async Task<HttpStatusCode> PostAsync(HostProcess host, JsonObject update, string? secret)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "telegram/webhook")
        {
            Content = new StringContent(update.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (secret is not null)
        {
            request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", secret);
        }
        using var response = await host.Http.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>Every row of every table, as text: to prove a chat left nothing behind.</summary>
    private static async Task<List<(string Table, string Row)>> AllRowsAsync(HostProcess host)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(host.DataPath, "bot.db") }.ToString());
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }
        var rows = new List<(string, string)>();
        foreach (var table in tables)
        {
            await using var select = connection.CreateCommand();
#pragma warning disable CA2100 // table names come from sqlite_master, not from input
            select.CommandText = $"SELECT * FROM \"{table}\"";
#pragma warning restore CA2100
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add((table, string.Join("|", Enumerable.Range(0, reader.FieldCount).Select(i => Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)))));
            }
        }
        return rows;
    }

    private static BotDb Open(HostProcess host) => TestDatabase.Open(host);
}
