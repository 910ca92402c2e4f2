using System.Diagnostics;
using System.Text.RegularExpressions;
using Bot.Content;
using Bot.Tests.Host;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Bot.Tests.Host.Operators.OperatorHarness;

namespace Bot.Tests.Browser;

/// <summary>
/// A shift in the console, in Debian's Chromium: operators whose accounts are set to Russian or Kazakh, people writing in the
/// other language, a child's and an urgent ticket, take next, the summary, a transfer with its note, the wrap-up and the chart.
/// </summary>
public partial class OperatorShiftBrowserTests(ITestOutputHelper output)
{
    internal const string Password = "a long pass phrase";

    /// <summary>Screenshots land here (CI keeps the folder as the test run's artefacts).</summary>
    public static string Artefacts { get; } = Directory.CreateDirectory(Environment.GetEnvironmentVariable("TEST_ARTEFACTS")
        ?? Path.Combine(AppContext.BaseDirectory, "artefacts")).FullName;

    [Theory]
    [InlineData("ru", "kk", "kk")]   // a Russian hotline operator, a Kazakh-speaking person, a Kazakh police operator
    [InlineData("kk", "ru", "ru")]   // the same with the languages the other way round
    public async Task A_hotline_shift_in_the_operators_language_from_the_pinned_alert_to_the_supervisors_chart(
        string hotlineLanguage, string personLanguage, string policeLanguage)
    {
        var (hotlineWords, person, policeWords) = (TestContent.Content[hotlineLanguage], TestContent.Content[personLanguage], TestContent.Content[policeLanguage]);
        await using var host = await HostProcess.StartAsync(settings: OneAddressManyTickets);
        foreach (var (login, role) in new[] { ("olga", "hotline"), ("aruzhan", "police"), ("saule", "supervisor") })
        {
            Assert.Equal(0, (await AddOperatorAsync(host, login, role, "f", char.ToUpperInvariant(login[0]) + login[1..], Password)).ExitCode);
        }
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await WebChatBrowserTests.LaunchChromiumAsync(playwright);
        // The browsers ask for English: the accounts' own language wins once chosen.
        var hotline = await SignInAsync(browser, host, "olga", hotlineLanguage);
        var police = await SignInAsync(browser, host, "aruzhan", policeLanguage);

        // A child's request goes to the police: pinned, with its sign and words, and counted in the tab title.
        await PersonAsync(host, personLanguage, danger: false, child: true, "police");
        var child = police.Locator("#tickets .ticket.pinned");
        await Assertions.Expect(child).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Assertions.Expect(child.Locator(".badge.minor")).ToHaveTextAsync("◆ " + policeWords.Operator("flag.minor"));
        await Assertions.Expect(police).ToHaveTitleAsync("⚠ (1) " + policeWords.Operator("app.console"));

        // Someone in danger writes to the hotline: the alert is up in the open console without a reload.
        var consented = Stopwatch.StartNew();
        var chat = await PersonAsync(host, personLanguage, danger: true, child: false, "hotline");
        var alerted = consented.ElapsedMilliseconds;
        await Assertions.Expect(hotline.Locator("#alert")).ToContainTextAsync(hotlineWords.Operator("flag.urgent"), new() { Timeout = 15_000 });
        output.WriteLine($"Consent to the alert in an open console: {consented.ElapsedMilliseconds} ms (the person's last press took {alerted} ms)");
        var urgent = hotline.Locator("#tickets .ticket.pinned");
        await Assertions.Expect(urgent.Locator(".badge.urgent").First).ToHaveTextAsync("⚠ " + hotlineWords.Operator("flag.urgent"));
        await Assertions.Expect(hotline).ToHaveTitleAsync("⚠ (1) " + hotlineWords.Operator("app.console"));
        await hotline.ScreenshotAsync(new() { Path = Path.Combine(Artefacts, $"console-board-{hotlineLanguage}.png") });

        // One click from the alert: take next claims it; the summary is the person's answers in the operator's words.
        await hotline.Locator("#take-next").ClickAsync();
        await Assertions.Expect(hotline.Locator("#reply")).ToBeFocusedAsync();
        var side = hotline.Locator("#side");
        var asked = TestContent.Content.Plan.FollowUps[Bot.Content.Form.Labour][0];   // a home points at labour's questions
        await Assertions.Expect(side).ToContainTextAsync(hotlineWords.Indicators[asked].Self);
        await Assertions.Expect(side.Locator("dd").First).ToBeVisibleAsync();
        // The answers in the operator's words; the person's own wording only where it must be theirs, in the consent as they saw it.
        var answers = string.Concat(await side.Locator("section.group:not(.consent)").AllInnerTextsAsync());
        Assert.DoesNotContain(person.Indicators[asked].Self, answers, StringComparison.Ordinal);
        Assert.DoesNotContain(asked, await side.InnerTextAsync(), StringComparison.Ordinal);   // no raw ids
        // What the person agreed to share, exactly as they saw it: the consent text and the lines sent, in their language.
        await Assertions.Expect(side.Locator("blockquote p")).ToHaveTextAsync(person.Text("consent.ask.hotline"));
        await Assertions.Expect(side.Locator("blockquote li").Last).ToHaveTextAsync(person.Word("consent.destination.hotline"));
        await Assertions.Expect(side).ToContainTextAsync(hotlineWords.Operator("ticket.speaks", ("language", hotlineWords.Operator("person." + personLanguage))));

        // Ctrl+Enter sends; the person reads it; the first-response clock stops.
        await hotline.Locator("#reply").FillAsync("Сәлеметсіз бе! Здравствуйте, я Ольга.");
        await hotline.Locator("#reply").PressAsync("Control+Enter");
        await ReadUntilAsync(chat, t => t == "Сәлеметсіз бе! Здравствуйте, я Ольга.");
        await Assertions.Expect(hotline.Locator("#chat .clock.stopped").First).ToBeVisibleAsync();
        await Assertions.Expect(hotline.Locator("#reply")).ToHaveValueAsync("");
        await hotline.ScreenshotAsync(new() { Path = Path.Combine(Artefacts, $"console-ticket-{hotlineLanguage}.png") });
        await NoEnglishAsync(hotline, hotlineLanguage);
        // Every control a finger or a tired hand can hit: at least 36 px tall, at 1280×720 and on a 10-inch tablet upright.
        const string small = "[...document.querySelectorAll('button, select, textarea')].filter(e => e.offsetParent && e.getBoundingClientRect().height < 36).map(e => e.id || e.textContent)";
        Assert.Empty(await hotline.EvaluateAsync<string[]>(small));
        await hotline.SetViewportSizeAsync(800, 1280);
        Assert.Empty(await hotline.EvaluateAsync<string[]>(small));
        await hotline.ScreenshotAsync(new() { Path = Path.Combine(Artefacts, $"console-tablet-{hotlineLanguage}.png") });
        await hotline.SetViewportSizeAsync(1280, 720);

        // Transfer to the police with a note: the police operator takes it next and reads why it came.
        const string why = "Угрожают, нужна полиция / Қорқытып жатыр";
        await hotline.Locator("#transfer").ClickAsync();
        await hotline.Locator("#ask-note").FillAsync(why);
        await hotline.Locator("#ask-ok").ClickAsync();
        await Assertions.Expect(hotline.Locator("#transfer")).ToHaveCountAsync(0);
        await Assertions.Expect(police.Locator("#tickets .ticket")).ToHaveCountAsync(2, new() { Timeout = 15_000 });
        await police.Locator("#take-next").ClickAsync();   // urgent before the child: both pinned, danger first
        var note = police.Locator("#side .note.transfer");
        await Assertions.Expect(note).ToContainTextAsync(policeWords.Operator("ticket.transfer-tag"));
        await Assertions.Expect(note).ToContainTextAsync(why);

        // Wrap-up: the disposition is required; a closed ticket shows its outcome and no actions that no longer apply.
        await police.Locator("#close").ClickAsync();
        await police.GetByLabel(policeWords.Operator("disposition.police-report")).CheckAsync();
        await police.Locator("#ask-ok").ClickAsync();
        var outcome = police.Locator("#outcome");
        await Assertions.Expect(outcome).ToContainTextAsync(policeWords.Operator("disposition.police-report"));
        foreach (var gone in new[] { "#close", "#transfer", "#end", "#claim", "#block" })
        {
            await Assertions.Expect(police.Locator(gone)).ToHaveCountAsync(0);
        }
        await Assertions.Expect(police.Locator("#reply")).ToBeHiddenAsync();
        await NoEnglishAsync(police, policeLanguage);

        // The supervisor's chart counts it: one ticket is "<3", a hatched bar, never a number or a sentence.
        var supervisor = await SignInAsync(browser, host, "saule", hotlineLanguage);
        await supervisor.GotoAsync(host.BaseAddress + "operators/supervisor");
        var chart = supervisor.Locator("#chart-disposition");
        await Assertions.Expect(chart).ToContainTextAsync(hotlineWords.Operator("disposition.police-report"));
        await Assertions.Expect(chart.Locator("rect.suppressed")).ToHaveCountAsync(1);
        await Assertions.Expect(chart.Locator("text.count")).ToHaveTextAsync("<3");
        await Assertions.Expect(supervisor.Locator("#chart-week-level rect.suppressed").First).ToBeVisibleAsync();
        await supervisor.ScreenshotAsync(new() { Path = Path.Combine(Artefacts, $"supervisor-charts-{hotlineLanguage}.png"), FullPage = true });
        await NoEnglishAsync(supervisor, hotlineLanguage);
    }

    /// <summary>Every person here comes from the one loopback address: the per-address escalation cap is not what is tested.</summary>
    private static readonly Dictionary<string, string> OneAddressManyTickets = new() { ["Abuse:EscalationsPerHourPerClient"] = "0" };

    [Fact]
    public async Task A_redraw_storm_of_twenty_tickets_while_typing_never_shows_two_reply_boxes_and_never_loses_the_draft()
    {
        await using var host = await HostProcess.StartAsync(settings: OneAddressManyTickets);
        Assert.Equal(0, (await AddOperatorAsync(host, "dana", "hotline", "f", "Dana", Password)).ExitCode);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await WebChatBrowserTests.LaunchChromiumAsync(playwright);
        var console = await SignInAsync(browser, host, "dana", "ru");
        await ConsentAsync(host);
        await Assertions.Expect(console.Locator("#tickets .ticket")).ToHaveCountAsync(1, new() { Timeout = 15_000 });
        await console.Locator("#take-next").ClickAsync();
        await Assertions.Expect(console.Locator("#reply")).ToBeFocusedAsync();
        // Counts every reply box and send button that ever stands in the page, however briefly.
        await console.EvaluateAsync("""
            window.most = { reply: 0, send: 0 };
            new MutationObserver(() => {
              most.reply = Math.max(most.reply, document.querySelectorAll('#reply').length);
              most.send = Math.max(most.send, document.querySelectorAll('#send').length);
            }).observe(document.body, { childList: true, subtree: true });
            """);

        // The operator keeps typing, word by word, for as long as the twenty tickets keep arriving.
        var storm = Task.WhenAll(Enumerable.Range(0, 20).Select(_ => ConsentAsync(host)));
        var typed = "";
        for (var i = 0; !storm.IsCompleted || i < 6; i++)
        {
            var word = new[] { "Здравствуйте.", "Я", "вас", "слышу,", "вы", "не", "одни." }[i % 7] + " ";
            await console.Locator("#reply").PressSequentiallyAsync(word, new() { Delay = 30 });
            typed += word;
        }
        await storm;
        await Assertions.Expect(console.Locator("#tickets .ticket")).ToHaveCountAsync(21, new() { Timeout = 30_000 });
        await Assertions.Expect(console.Locator("#reply")).ToHaveValueAsync(typed);
        Assert.Equal(1, await console.EvaluateAsync<int>("most.reply"));
        Assert.Equal(1, await console.EvaluateAsync<int>("most.send"));

        // The draft survives a switch to another ticket and back, and a reload; leaving with it asks first.
        await console.Locator("#tickets .ticket:not(.selected)").Nth(3).ClickAsync();
        await Assertions.Expect(console.Locator("#reply")).ToBeHiddenAsync();
        await console.Locator("#tickets .ticket", new() { HasText = "Dana" }).ClickAsync();
        await Assertions.Expect(console.Locator("#reply")).ToHaveValueAsync(typed);
        await console.ReloadAsync();
        await Assertions.Expect(console.Locator("#reply")).ToHaveValueAsync(typed);
        var asked = new TaskCompletionSource<string>();
        console.Dialog += (_, dialog) => { asked.TrySetResult(dialog.Type); _ = dialog.DismissAsync(); };
        await console.Locator("#reply").PressAsync("End");   // the page needs a gesture before it may ask
        await console.CloseAsync(new() { RunBeforeUnload = true });
        Assert.Equal("beforeunload", await asked.Task.WaitAsync(TimeSpan.FromSeconds(15)));
    }

    /// <summary>Signs in on an English-speaking browser at 1280×720 and sets the account's language from the console's own menu.</summary>
    /// <param name="script">Run in every page of the context before the page's own (a test's probe).</param>
    internal static async Task<IPage> SignInAsync(IBrowser browser, HostProcess host, string login, string language, string? script = null)
    {
        var context = await browser.NewContextAsync(new() { Locale = "en-US", ViewportSize = new() { Width = 1280, Height = 720 } });
        if (script is not null)
        {
            await context.AddInitScriptAsync(script);
        }
        var page = await context.NewPageAsync();
        await page.GotoAsync(host.BaseAddress + "operators");
        await page.GetByLabel("Login").FillAsync(login);
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.Locator("#take-next")).ToBeVisibleAsync();
        if (language != "en")
        {
            await page.Locator("#language").SelectOptionAsync(language);   // kept in the account; the page reloads in it
            await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", language);
        }
        await Assertions.Expect(page.Locator("#take-next")).ToHaveTextAsync(TestContent.Content[language].Operator("queue.take-next"));
        return page;
    }

    /// <summary>A person in their own language: danger or not, a child or an adult, two answers, then consent to be connected.</summary>
    internal static async Task<WebChatClient> PersonAsync(HostProcess host, string language, bool danger, bool child, string destination)
    {
        var pack = TestContent.Content[language];
        string Button(string key) => pack.Text("button." + key);
        var chat = new WebChatClient(host.Http);
        await chat.StartAsync(language);
        // In danger the person is offered a person at once; this one answers the questions first, so the ticket carries answers.
        foreach (var key in new[] { "continue", danger ? "danger" : "safe", danger ? "questions" : null, "self", child ? "under18" : "adult", "in-kazakhstan" }.OfType<string>())
        {
            await chat.PressAsync(Button(key));
        }
        await chat.PressAsync(Button("none"));                                    // who: none of these
        await chat.PressAsync(WebChatClient.Options(chat.LastPrompt)[0].Title);   // where: tick the first place offered (a home)
        await chat.PressAsync(Button("done"));
        await chat.PressAsync(Button("none"));                                    // what is happening: none of these
        await chat.PressAsync(Button("yes"));                                     // the home's first follow-up
        await chat.PressAsync(Button("no"));
        await chat.PressAsync(Button("stop"));
        foreach (var key in new[] { "talk", "woman", destination, "agree" })
        {
            if (WebChatClient.Options(chat.LastPrompt).Any(o => o.Title == Button(key)))
            {
                await chat.PressAsync(Button(key));
            }
        }
        Assert.Equal(pack.Text(child && pack.Ui.ContainsKey("waiting.ask.child") ? "waiting.ask.child" : "waiting.ask"), WebChatClient.Text(chat.LastPrompt));
        return chat;
    }

    [GeneratedRegex("[A-Za-z]{3,}")]
    private static partial Regex LatinWord();

    /// <summary>An operator in Kazakh or Russian meets no English word and no raw id (names of products and keys aside).</summary>
    private static async Task NoEnglishAsync(IPage page, string language)
    {
        string[] allowed = ["Telegram", "Bot", "Framework", "CSV", "Ctrl", "Enter", "Alt", "English", "Olga", "Aruzhan", "Saule", "Dana", "olga", "aruzhan", "saule", "dana"];
        var text = Regex.Replace(await page.Locator("body").InnerTextAsync(), "[0-9a-f]{8}", "");   // ticket numbers
        var english = LatinWord().Matches(text).Select(m => m.Value).Where(w => !allowed.Contains(w)).Distinct().ToList();
        Assert.True(english.Count == 0, $"{language} page shows: {string.Join(", ", english)}");
    }
}
