using System.Net.Http.Json;
using System.Text.Json;
using Bot.Dialogs;
using static Bot.Tests.Host.Operators.OperatorHarness;

namespace Bot.Tests.Host;

/// <summary>
/// "Bad input gets a clear message; nothing is lost": a message longer than any channel takes (Telegram's 4,096 characters) is
/// answered with the limit in the person's language, and one of exactly that length reaches the operator whole.
/// </summary>
public class LongMessageTests
{
    private static IEnumerable<string> FromBot(IEnumerable<JsonElement> activities) =>
        activities.Where(a => a.GetProperty("from").GetProperty("id").GetString() != "user").Select(WebChatClient.Text);

    [Fact]
    public async Task A_message_over_4096_characters_gets_the_limit_and_the_same_question_and_one_of_4096_reaches_the_operator_whole()
    {
        await using var host = await HostProcess.StartAsync();
        var ru = TestContent.Content["ru"];
        var tooLong = ru.Text("input.too-long", ("max", "4096"));
        Assert.Contains("4096", tooLong, StringComparison.Ordinal);

        // A Direct Line client other than our page (Microsoft's Web Chat) sends whatever was typed, however long.
        var chat = new WebChatClient(host.Http);
        await chat.StartAsync("ru");
        var question = WebChatClient.Text(chat.LastPrompt);
        Assert.Equal([tooLong, question], FromBot(await chat.SayAsync(new string('я', UserTurn.MaxTextLength + 1))));
        Assert.Equal(question, WebChatClient.Text(chat.LastPrompt));   // still the same step

        // With an operator: the longest message arrives whole; a longer one is not cut, the person is told instead.
        var person = await ConsentAsync(host, language: "ru");
        using var hotline = await OperatorAsync(host, "aigerim", name: "Aigerim");
        var id = (await WaitForTicketAsync(hotline)).GetProperty("id").GetString();
        (await hotline.PostAsync($"api/operator/tickets/{id}/claim", null)).EnsureSuccessStatusCode();
        await ReadUntilAsync(person, t => t.StartsWith(ru.Text("operator.joined.hotline", ("name", "Aigerim"), ("gender", ru.Text("operator.gender.woman"))), StringComparison.Ordinal));
        var story = string.Concat(Enumerable.Repeat("Меня держат на складе. ", 200))[..UserTurn.MaxTextLength];
        Assert.Empty(FromBot(await person.SayAsync(story)));
        Assert.Contains(tooLong, FromBot(await person.SayAsync(story + "!")));

        var messages = (await hotline.GetFromJsonAsync<JsonElement>($"api/operator/tickets/{id}")).GetProperty("messages").EnumerateArray()
            .Where(m => m.GetProperty("from").GetString() == "user").Select(m => m.GetProperty("text").GetString()).ToList();
        Assert.Equal([story], messages);
    }
}
