using System.Diagnostics;
using System.Net.Http.Json;
using Bot.Tests.Host;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Bot.Tests.Browser.OperatorShiftBrowserTests;
using static Bot.Tests.Host.Operators.OperatorHarness;

namespace Bot.Tests.Browser;

/// <summary>Issue 14's review: the alert's sound and words, the summary's layout and the supervisor's charts, in Kazakh and Russian.</summary>
public class ConsoleAlertAndChartsBrowserTests(ITestOutputHelper output)
{
    /// <summary>Counts every tone the page starts (the console's alert is an oscillator of the Web Audio API).</summary>
    private const string CountTones = """
        window.tones = 0;
        const start = OscillatorNode.prototype.start;
        OscillatorNode.prototype.start = function (...args) { window.tones++; return start.apply(this, args); };
        """;

    [Theory]
    [InlineData("kk")]
    [InlineData("ru")]
    public async Task A_new_urgent_ticket_plays_the_alert_once_the_operator_has_switched_the_sound_on_and_says_urgent_once(string language)
    {
        var words = TestContent.Content[language];
        await using var host = await HostProcess.StartAsync();
        Assert.Equal(0, (await AddOperatorAsync(host, "olga", "hotline", "f", "Olga", Password)).ExitCode);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await WebChatBrowserTests.LaunchChromiumAsync(playwright);
        var console = await SignInAsync(browser, host, "olga", language, CountTones);

        // Sound off (the default: a browser plays nothing before a click): the title and the line alert, no tone.
        await InDangerAsync(host, language);
        await Assertions.Expect(console).ToHaveTitleAsync("⚠ (1) " + words.Operator("app.console"), new() { Timeout = 15_000 });
        await Assertions.Expect(console.Locator("#alert")).ToContainTextAsync(words.Operator("flag.urgent"));
        Assert.Equal(0, await console.EvaluateAsync<int>("window.tones"));
        // "Urgent" said once, not once for the flag and again for the level.
        var line = await console.Locator("#alert").InnerTextAsync();
        Assert.Equal(1, line.Split(words.Operator("flag.urgent")).Length - 1);

        await console.Locator("#sound").ClickAsync();
        await Assertions.Expect(console.Locator("#sound")).ToHaveAttributeAsync("aria-pressed", "true");
        var consented = Stopwatch.StartNew();
        await InDangerAsync(host, language);
        var pressed = consented.ElapsedMilliseconds;
        await WebChatBrowserTests.UntilAsync(console, "() => window.tones >= 1");
        output.WriteLine($"{language}: the person's consent to the tone: {consented.ElapsedMilliseconds} ms (the consent press itself: {pressed} ms)");
        await Assertions.Expect(console).ToHaveTitleAsync("⚠ (2) " + words.Operator("app.console"));
        Assert.Equal(1, await console.EvaluateAsync<int>("window.tones"));   // one tone for one new ticket

        // A redraw with nothing new plays nothing more.
        await console.Locator("#tickets .ticket").First.ClickAsync();
        await Assertions.Expect(console.Locator("#side h2").First).ToBeVisibleAsync();
        Assert.Equal(1, await console.EvaluateAsync<int>("window.tones"));
    }

    /// <summary>Someone in danger, by the short path: "talk to a person now", a woman at the hotline, consent: an urgent ticket.</summary>
    private static async Task InDangerAsync(HostProcess host, string language)
    {
        var pack = TestContent.Content[language];
        var chat = new WebChatClient(host.Http);
        await chat.StartAsync(language);
        foreach (var key in new[] { "continue", "danger", "talk-now" })
        {
            await chat.PressAsync(pack.Text("button." + key));
        }
        await chat.PressAsync(pack.Text("button.woman") + " · " + pack.Text("button.hotline"));
        await chat.PressAsync(pack.Text("button.agree"));
        Assert.Equal(pack.Text("waiting.ask"), WebChatClient.Text(chat.LastPrompt));
    }

    [Theory]
    [InlineData("kk")]
    [InlineData("ru")]
    public async Task At_1280_and_1920_the_summary_is_not_squeezed_by_its_citations_and_no_chart_word_overlaps_or_is_cut(string language)
    {
        await using var host = await HostProcess.StartAsync();
        foreach (var (login, role) in new[] { ("olga", "hotline"), ("saule", "supervisor") })
        {
            Assert.Equal(0, (await AddOperatorAsync(host, login, role, "f", char.ToUpperInvariant(login[0]) + login[1..], Password)).ExitCode);
        }
        // Two closed tickets: the longest disposition there is, and a small count that must stay a hatched "<3".
        using var api = await OperatorAsync(host, "nurlan");
        foreach (var disposition in new[] { "referred-to-provider", "silent-or-test" })
        {
            await ConsentAsync(host);
            var id = (await TicketsAsync(api)).EnumerateArray().First(t => t.GetProperty("status").GetString() == "New").GetProperty("id").GetString();
            (await api.PostAsync($"api/operator/tickets/{id}/claim", null)).EnsureSuccessStatusCode();
            (await api.PostAsJsonAsync($"api/operator/tickets/{id}/close", new { disposition })).EnsureSuccessStatusCode();
        }
        await PersonAsync(host, language, danger: false, child: false, "hotline");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await WebChatBrowserTests.LaunchChromiumAsync(playwright);
        var console = await SignInAsync(browser, host, "olga", language);
        var supervisor = await SignInAsync(browser, host, "saule", language);
        await console.Locator("#take-next").ClickAsync();
        await Assertions.Expect(console.Locator("#side dt").First).ToBeVisibleAsync();
        await supervisor.GotoAsync(host.BaseAddress + "operators/supervisor");
        await Assertions.Expect(supervisor.Locator("#chart-disposition rect.suppressed").First).ToBeVisibleAsync();

        foreach (var width in new[] { 1280, 1920 })
        {
            await console.SetViewportSizeAsync(width, 800);
            // Each question has the summary's whole width; its citation is small, under it, never beside it squeezing it.
            var squeezed = await console.EvaluateAsync<string[]>("""
                [...document.querySelectorAll('#side dt')].filter(dt => {
                  const question = dt.querySelector('span'), cite = dt.querySelector('.cite');
                  return question.getBoundingClientRect().width < dt.getBoundingClientRect().width - 1
                    || cite.getBoundingClientRect().top < question.getBoundingClientRect().bottom - 1;
                }).map(dt => dt.textContent)
                """);
            Assert.True(squeezed.Length == 0, $"{language} {width}: squeezed: {string.Join(" | ", squeezed)}");
            await console.ScreenshotAsync(new() { Path = Path.Combine(Artefacts, $"console-summary-{language}-{width}.png") });

            await supervisor.SetViewportSizeAsync(width, 900);
            var problems = await supervisor.EvaluateAsync<string[]>("""
                (() => {
                  const problems = [], overlap = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
                  for (const svg of document.querySelectorAll('.charts svg')) {
                    const view = svg.viewBox.baseVal;
                    for (const text of svg.querySelectorAll('text')) {
                      const box = text.getBBox();
                      if (box.x < -0.5 || box.x + box.width > view.width + 0.5 || box.y < -0.5) problems.push('cut: ' + text.textContent);
                    }
                    // No two words overlap, nor a legend's word its neighbour's colour.
                    const texts = [...svg.querySelectorAll('text')], boxes = texts.map(t => t.getBBox())
                      .concat([...svg.querySelectorAll('text.legend')].map(t => t.previousElementSibling.getBBox()));
                    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++)
                      if (overlap(boxes[i], boxes[j])) problems.push('overlap: ' + (texts[i]?.textContent ?? 'a colour') + ' / ' + (texts[j]?.textContent ?? 'a colour'));
                    // A suppressed count's size is unknown: a stub of 14 px along its axis (20 across), whatever the others.
                    for (const rect of svg.querySelectorAll('rect.suppressed'))
                      if (Math.max(rect.getBBox().width, rect.getBBox().height) > 20.1) problems.push('a "<3" drawn with a size');
                  }
                  return problems;
                })()
                """);
            Assert.True(problems.Length == 0, $"{language} {width}: {string.Join(" | ", problems)}");
            await supervisor.ScreenshotAsync(new() { Path = Path.Combine(Artefacts, $"supervisor-charts-{language}-{width}.png"), FullPage = true });
        }
        await Assertions.Expect(supervisor.Locator("#chart-disposition")).ToContainTextAsync(
            TestContent.Content[language].Operator("disposition.referred-to-provider").Split(' ')[0]);
    }
}
