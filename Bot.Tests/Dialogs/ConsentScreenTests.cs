using Bot.Content;
using Bot.Dialogs;

namespace Bot.Tests.Dialogs;

/// <summary>Clause 7: the consent screen lists exactly what the ticket holds, and the person can take answers out.</summary>
public class ConsentScreenTests
{
    [Theory, InlineData("kk"), InlineData("ru"), InlineData("en")]
    public async Task The_consent_screen_lists_exactly_what_the_ticket_stores_field_by_field(string language)
    {
        var persona = Vignettes.All.First(p => p.Who.Contains("came-to-work") && p.Expected == Level.Strong);
        var chat = (await Vignettes.Walk(persona with { Safety = "danger" }, language)).Chat;
        await chat.Press("talk");
        await chat.Press("woman");
        await chat.Press("hotline");
        var before = Lines(chat);

        // Take the last answer out: the screen is drawn again without it, and it is not sent.
        var takeOut = chat.Prompt.Options.Last(o => o.Id.Contains(".t.", StringComparison.Ordinal));
        var withheld = takeOut.Id[(takeOut.Id.IndexOf(".t.", StringComparison.Ordinal) + 3)..];
        await chat.Send(UserTurn.Pressed(takeOut.Id));
        Assert.True(chat.Prompt.Redraw);
        var shown = Lines(chat);
        Assert.Equal(before.Count - 1, shown.Count);
        await chat.Press("agree");

        var summary = chat.Last.Escalation!.Summary;
        Assert.Equal(shown, summary.Consent.Shown);
        Assert.DoesNotContain(summary.Items, i => i.IndicatorId == withheld);
        var pack = chat.Pack;
        var expected = summary.Items.Select(i => i.Words)
            .Append(pack.Word("consent.danger")).Append(pack.Word("consent.gender.woman")).Append(pack.Word("consent.destination.hotline"));
        Assert.Equal(expected, shown);
        Assert.Equal([Circumstance.Danger], summary.Flags);
        Assert.Equal((Gender.Woman, Destination.Hotline), (summary.Gender, summary.Destination));
        Assert.Equal(chat.Clock.GetUtcNow(), summary.Consent.At);
        Assert.Equal(chat.Last.Escalation.ConsentVersion, summary.Consent.Version);
        Assert.All(summary.Items, item =>
        {
            var indicator = pack.Indicators[item.IndicatorId];
            Assert.Equal((indicator.Cite, indicator.Section), (item.Cite, item.Section));
            Assert.Equal(Bot.Dialogs.Screening.Screening.PartOf(indicator.Section), item.Part);
        });
        Assert.Contains(summary.Items, i => i.Part == Part.Who && i.Option == "who/came-to-work");
        Assert.Contains(summary.Items, i => i.Part == Part.Where);
        Assert.Contains(summary.Items, i => i.Part == Part.What && i.Option is null);
    }

    [Fact]
    public async Task Nothing_answered_no_is_sent()
    {
        var chat = (await Vignettes.Walk(Vignettes.All[0], "en")).Chat;
        await chat.Press("talk");
        await chat.Press("no-preference");
        await chat.Press("hotline");
        await chat.Press("agree");
        var sent = chat.Last.Escalation!.Summary.Items.Select(i => i.IndicatorId).ToHashSet();
        Assert.All(chat.State.Answers.Where(a => a.Value != Answer.Yes), a => Assert.DoesNotContain(a.Key, sent));
    }

    /// <summary>The "• " lines under the consent intro, as the person reads them.</summary>
    private static List<string> Lines(Chat chat) =>
        chat.Prompt.Text.Split('\n').Where(l => l.StartsWith("• ", StringComparison.Ordinal)).Select(l => l[2..]).ToList();
}
