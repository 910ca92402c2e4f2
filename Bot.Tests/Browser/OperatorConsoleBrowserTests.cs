using Xunit.Abstractions;
using System.Diagnostics;
using Bot.Tests.Host;
using Bot.Tests.Host.Operators;
using Microsoft.Playwright;
using static Bot.Tests.Host.Operators.OperatorHarness;

namespace Bot.Tests.Browser;

/// <summary>An operator in Debian's Chromium runs a real hand-over with a person on the web chat.</summary>
public class OperatorConsoleBrowserTests(ITestOutputHelper output)
{
    [Fact]
    public async Task An_operator_sees_a_new_ticket_without_reloading_claims_it_and_the_person_reads_the_reply()
    {
        await using var host = await HostProcess.StartAsync();
        Assert.Equal(0, (await AddOperatorAsync(host, "dana", "hotline", "f", "Dana", "a long pass phrase")).ExitCode);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await WebChatBrowserTests.LaunchChromiumAsync(playwright);
        var console = await browser.NewPageAsync(new() { Locale = "en" });
        var dialogs = 0;
        console.Dialog += (_, dialog) => { dialogs++; _ = dialog.DismissAsync(); };
        await console.GotoAsync(host.BaseAddress + "operators");
        Assert.Contains("/operators/signin", console.Url, StringComparison.Ordinal);
        await console.GetByLabel("Login").FillAsync("dana");
        await console.GetByLabel("Password").FillAsync("a long pass phrase");
        await console.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(console.GetByText("No open tickets.")).ToBeVisibleAsync();

        var chat = new WebChatClient(host.Http);
        await chat.StartAsync();
        foreach (var key in new[] { "continue", "safe", "self", "adult", "in-kazakhstan", "stop", "talk", "woman", "hotline" })
        {
            await chat.PressAsync(En.Text("button." + key));
        }
        var consent = Stopwatch.StartNew();
        await chat.PressAsync(En.Text("button.agree"));
        var ticket = console.Locator(".ticket").First;
        await Assertions.Expect(ticket).ToBeVisibleAsync(new() { Timeout = 10_000 });
        output.WriteLine($"Consent to ticket visible in an open console: {consent.ElapsedMilliseconds} ms");

        await ticket.ClickAsync();
        await console.Locator("#claim").ClickAsync();
        await ReadUntilAsync(chat, t => t.StartsWith(En.Text("operator.joined.hotline").Split(':')[0], StringComparison.Ordinal));
        await chat.SayAsync("<script>alert(1)</script>");
        await Assertions.Expect(console.Locator("#messages .message.user .text")).ToHaveTextAsync("<script>alert(1)</script>");
        Assert.Equal(0, await console.Locator("#messages script").CountAsync());

        await console.Locator("#reply").FillAsync("Hello, I am Dana. Are you safe?");
        // Another person consents meanwhile: the console redraws, and the operator's unsent words must survive it.
        await ConsentAsync(host);
        await Assertions.Expect(console.Locator(".ticket")).ToHaveCountAsync(2, new() { Timeout = 10_000 });
        await Assertions.Expect(console.Locator("#reply")).ToHaveValueAsync("Hello, I am Dana. Are you safe?");
        await console.Locator("#send").ClickAsync();
        await ReadUntilAsync(chat, t => t == "Hello, I am Dana. Are you safe?");
        Assert.Equal(0, dialogs);
    }
}
