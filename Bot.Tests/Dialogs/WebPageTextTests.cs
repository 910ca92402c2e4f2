using Bot.Dialogs;

namespace Bot.Tests.Dialogs;

/// <summary>Issue 12, item 9: on our own web page the privacy line names the page's buttons; the other channels keep the commands.</summary>
public class WebPageTextTests
{
    public static TheoryData<string> Languages => [.. TestContent.Content.LanguageCodes];

    [Theory]
    [MemberData(nameof(Languages))]
    public void The_web_privacy_line_names_the_buttons_as_the_page_shows_them_and_no_command(string code)
    {
        var pack = TestContent.Content[code];
        var web = pack.Text("privacy.ask.web");
        Assert.Contains("✕ " + pack.Text("web.exit"), web, StringComparison.Ordinal);   // the page shows "✕ " + web.exit
        Assert.Contains(pack.Text("web.forget"), web, StringComparison.Ordinal);
        Assert.DoesNotContain("/exit", web, StringComparison.Ordinal);
        Assert.DoesNotContain("/forget", web, StringComparison.Ordinal);
        Assert.Contains("/exit", pack.Text("privacy.ask"), StringComparison.Ordinal);
        Assert.Contains("/forget", pack.Text("privacy.ask"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, "privacy.ask.web")]
    [InlineData(false, "privacy.ask")]
    public async Task A_turn_from_our_page_gets_the_web_privacy_line_and_every_message_carries_its_language(bool fromOurPage, string expected)
    {
        var chat = new Chat("ru");
        var turn = await chat.Send(UserTurn.Typed("/start", "ru") with { ExitButton = fromOurPage });
        Assert.Equal(chat.Pack.Text(expected), turn.Messages[^1].Text);
        Assert.All(turn.Messages, m => Assert.Equal("ru", m.Language));

        // The privacy question again (a word it does not read): still in the channel's form.
        var again = await chat.Send(UserTurn.Typed("what?", "ru") with { ExitButton = fromOurPage });
        Assert.Equal(chat.Pack.Text(expected), again.Messages[^1].Text);
    }
}
