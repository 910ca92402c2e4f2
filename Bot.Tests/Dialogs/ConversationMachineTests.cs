using System.Text.Json;
using Bot.Content;
using Bot.Dialogs;

namespace Bot.Tests.Dialogs;

/// <summary>Every move of the conversation is a transition of its machine, so the README's graph shows them all.</summary>
public class ConversationMachineTests
{
    [Theory]
    [InlineData("Waiting --> Menu : OperatorEnded")]
    [InlineData("Waiting --> Waiting : OperatorJoined")]
    [InlineData("Waiting --> Waiting : OperatorTransferred")]
    [InlineData("Active --> Language : Reset")]
    [InlineData("Active --> Language : StartCommand")]
    [InlineData("Active --> Privacy : DeepLink")]
    [InlineData("Active --> Safety : DeepLink")]
    [InlineData("Language --> Privacy : LocaleKnown")]
    public void The_graph_shows_the_moves_that_used_to_bypass_the_machine(string move) =>
        Assert.Contains(move, Conversation.Graph(TestContent.Content), StringComparison.Ordinal);

    [Fact]
    public async Task Forget_while_waiting_leaves_nothing_of_the_conversation_but_the_prompt_counter()
    {
        var chat = new Chat();
        await chat.Type("/start witness-station-almaty");
        await chat.Press("danger");
        await chat.Press("questions");
        await chat.Press("adult");
        await chat.Press("abroad");
        await chat.AnswerScreening(choice => chat.OptionFor(choice, Form.Labour), _ => "yes");
        await chat.Press("talk");
        await chat.Press("woman");
        await chat.Press("police");
        await chat.Press("agree");
        Assert.Equal(Step.Waiting, chat.State.Step);

        await chat.Send(new UserTurn(Text: "/forget"));

        var fresh = new ConversationState { Prompt = chat.State.Prompt };
        Assert.Equal(JsonSerializer.Serialize(fresh), JsonSerializer.Serialize(chat.State));
    }

    [Fact]
    public async Task An_operator_ending_the_conversation_moves_it_to_the_menu()
    {
        var chat = new Chat();
        await chat.ToWaiting();
        var ticket = chat.State.EscalationId!.Value;
        var conversation = new Conversation(chat.Content, chat.Clock);

        var joined = conversation.OperatorJoined(chat.State, ticket, "Aigerim", Gender.Woman, Destination.Hotline);
        Assert.True(chat.State.WithOperator);
        Assert.Contains("Aigerim", joined.Messages[0].Text, StringComparison.Ordinal);
        Assert.Null(joined.Messages[0].From);   // the bot says who joined; the operator's own words come under their name
        var wrote = conversation.OperatorWrote(chat.State, ticket, "Hello", "Aigerim", Destination.Hotline).Messages.Single();
        Assert.Equal(("Hello", chat.Pack.Text("operator.says.hotline", ("name", "Aigerim"))), (wrote.Text, wrote.From));
        Assert.Empty(conversation.OperatorWrote(chat.State, Guid.NewGuid(), "to another ticket", "Aigerim", Destination.Hotline).Messages);

        var ended = await conversation.OperatorEndedAsync(chat.State, ticket);
        Assert.Equal(Step.Menu, chat.State.Step);
        Assert.False(chat.State.WithOperator);
        Assert.Null(chat.State.EscalationId);
        // The card's summary only, never all its pages pushing "ended" up the screen.
        Assert.Equal([chat.Pack.Text("operator.ended"), chat.Pack.Text("rights.summary"), chat.Pack.Text("menu.ask")], ended.Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task Start_before_any_language_asks_for_it_and_a_deep_link_in_waiting_keeps_the_request()
    {
        var chat = new Chat();
        await chat.Send(new UserTurn(Text: "/start"));
        Assert.Equal(Step.Language, chat.State.Step);
        await chat.PressLabel("English");
        await chat.Type("/talk");
        await chat.Press("man");
        await chat.Press("hotline");
        await chat.Press("agree");
        var ticket = chat.State.EscalationId;

        await chat.Type("/start witness");

        Assert.Equal(Step.Waiting, chat.State.Step);
        Assert.Equal(ticket, chat.State.EscalationId);
        Assert.Equal(chat.Pack.Text("waiting.still"), chat.Last.Messages[0].Text);
    }
}
