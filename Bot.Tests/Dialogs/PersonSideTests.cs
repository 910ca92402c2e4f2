using Bot.Content;
using Bot.Dialogs;

namespace Bot.Tests.Dialogs;

/// <summary>The person's side of the conversation: danger goes straight to a person, nothing typed is lost, exits mean what they say.</summary>
public class PersonSideTests
{
    [Theory]
    [InlineData("danger", Circumstance.Danger)]
    [InlineData("doctor", Circumstance.Doctor)]
    public async Task Danger_or_a_doctor_reaches_a_persons_queue_in_three_taps_with_an_urgent_ticket_that_says_why(string button, Circumstance why)
    {
        var chat = new Chat();
        await chat.Start();
        await chat.Press("continue");
        await chat.Press(button);
        Assert.Contains(button == "danger" ? "102" : "103", chat.Prompt.Text, StringComparison.Ordinal);
        Assert.True(chat.Offers("talk-now"));   // the first tap after "someone is in danger"

        await chat.Press("talk-now");
        Assert.Equal(6, chat.Prompt.Options.Count);   // who and where in one screen
        await chat.PressLabel(chat.Pack.Text("button.woman") + " · " + chat.Pack.Text("button.police"));
        Assert.Equal(Step.Consent, chat.State.Step);
        Assert.StartsWith(chat.Pack.Text("consent.ask.urgent"), chat.Prompt.Text, StringComparison.Ordinal);
        Assert.Contains(chat.Pack.Text("button." + button), chat.Prompt.Text, StringComparison.Ordinal);   // the person sees why it is urgent
        await chat.Press("agree");

        var escalation = chat.Last.Escalation!;
        Assert.True(escalation.Urgent);
        Assert.Contains(why, escalation.Summary.Flags);
        Assert.Equal(Gender.Woman, escalation.Gender);
        Assert.Equal(Destination.Police, escalation.Destination);
        Assert.Equal(Step.Waiting, chat.State.Step);
    }

    [Fact]
    public async Task Text_typed_while_waiting_goes_to_the_ticket_with_a_kind_answer_and_cancel_stays()
    {
        var chat = await WaitingChat();

        var typed = await chat.Type("Hello, I'm scared. Is anyone there?");

        Assert.Equal("Hello, I'm scared. Is anyone there?", typed.ForOperator);
        Assert.Equal(chat.Pack.Text("waiting.saved"), chat.Prompt.Text);
        Assert.DoesNotContain(typed.Messages, m => m.Text == chat.Pack.Text("input.choose"));
        Assert.True(chat.Offers("cancel"));
        Assert.Equal(Step.Waiting, chat.State.Step);
    }

    [Fact]
    public async Task Cancel_is_offered_after_the_no_operator_message()
    {
        var chat = await WaitingChat();
        var conversation = new Conversation(chat.Content, chat.Clock);

        var none = conversation.NoOperatorYet(chat.State, chat.State.EscalationId!.Value, outsideHours: false);
        chat.Turns.Add(none);

        Assert.Equal(chat.Pack.Text("operator.none"), chat.Prompt.Text);
        Assert.True(chat.Offers("cancel"));
        await chat.Press("cancel");
        Assert.Equal(Step.Menu, chat.State.Step);
    }

    [Fact]
    public async Task Agreeing_says_once_that_a_person_is_being_found()
    {
        var chat = await WaitingChat();
        var finding = chat.Last.Messages.Count(m => m.Text.Contains("finding a person", StringComparison.Ordinal));
        Assert.Equal(1, finding);
    }

    [Fact]
    public async Task Stopping_at_the_first_question_is_honest_and_never_says_no_signs()
    {
        var chat = new Chat();
        await chat.Intake("self", "adult");
        await chat.Press("stop");

        Assert.Equal(chat.Pack.Text("result.stopped"), chat.Prompt.Text);
        Assert.DoesNotContain(chat.Pack.Text("result.none"), chat.Prompt.Text, StringComparison.Ordinal);
        Assert.True(chat.Offers("not-now"));
    }

    [Theory]
    [InlineData("kk")]
    [InlineData("ru")]
    [InlineData("en")]
    public async Task A_witness_about_a_child_is_never_addressed_as_the_child_and_may_choose_the_hotline(string language)
    {
        var chat = new Chat(language);
        await chat.Intake("witness", "under18");
        // The texts only a child is shown (where a language words them the same for everyone, they do not tell).
        var pack = chat.Pack;
        var childTexts = pack.Ui.Where(t => t.Key.EndsWith(".child", StringComparison.Ordinal) && pack.Ui[t.Key[..^".child".Length]] != t.Value).Select(t => t.Value)
            .Concat(pack.Indicators.Values.Where(i => i.Child is { } c && c != i.Self && c != i.Witness).Select(i => i.Child!))
            .Concat(pack.Choices.Values.Where(c => c.Child != c.Witness && c.Child != c.Self).Select(c => c.Child))
            .Concat(pack.ChildSigns.Where(s => pack.Signs[s.Key] != s.Value).Select(s => s.Value))
            .ToHashSet();
        Assert.NotEmpty(childTexts);
        var from = chat.Turns.Count - 1;
        await chat.AnswerScreening(screen => chat.OptionFor(screen, Form.Labour), _ => "yes");
        var asked = chat.Turns.Skip(from).SelectMany(t => t.Messages).SelectMany(m => m.Options.Select(o => o.Label).Append(m.Text)).ToList();
        Assert.Contains(asked, m => pack.Choices.Values.Any(c => m.Contains(c.Witness, StringComparison.Ordinal)));
        Assert.DoesNotContain(asked, m => childTexts.Any(c => m.Contains(c, StringComparison.Ordinal)));
        await chat.Press("talk");
        await chat.Press("no-preference");
        Assert.Equal(chat.Pack.Text("destination.ask.minor.witness"), chat.Prompt.Text);
        Assert.Equal([chat.Pack.Text("button.police"), chat.Pack.Text("button.hotline")], chat.Prompt.Options.Select(o => o.Label));   // police first: the default
        await chat.Press("hotline");
        await chat.Press("agree");

        Assert.Equal(Destination.Hotline, chat.Last.Escalation!.Destination);
        Assert.True(chat.Last.Escalation.Minor);
        var shown = chat.Turns.Skip(from).SelectMany(t => t.Messages).Select(m => m.Text).ToList();
        Assert.DoesNotContain(shown, m => childTexts.Any(c => m.Contains(c, StringComparison.Ordinal)));
    }

    private static async Task<Chat> WaitingChat()
    {
        var chat = new Chat();
        await chat.ToWaiting();
        Assert.Equal(Step.Waiting, chat.State.Step);
        return chat;
    }
}
