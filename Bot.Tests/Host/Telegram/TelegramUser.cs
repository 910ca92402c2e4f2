using System.Text.Json.Nodes;
using Bot.Content;

namespace Bot.Tests.Host.Telegram;

/// <summary>A person in a private chat with the bot: sends updates through the fake server and reads what the bot sent.</summary>
public sealed class TelegramUser(FakeBotApi api, long chatId, string language = "en")
{
    public long ChatId => chatId;
    public LanguagePack Pack => TestContent.Content[language];
    public IReadOnlyList<ApiCall> Sent => api.Sent(chatId);
    public List<int> MessageIds { get; } = [];

    public static string Text(ApiCall call) => (string)call.Body["text"]!;

    public static IReadOnlyList<(string Label, string Data)> Buttons(ApiCall call) =>
        call.Body["reply_markup"]?["inline_keyboard"]?.AsArray().SelectMany(row => row!.AsArray())
            .Select(b => ((string)b!["text"]!, (string)b["callback_data"]!)).ToList() ?? [];

    public ApiCall LastPrompt => Sent.Last(c => Buttons(c).Count > 0);

    public JsonObject Message(JsonObject content)
    {
        var id = api.NextMessageId();
        MessageIds.Add(id);
        content["message_id"] = id;
        content["date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        content["chat"] = new JsonObject { ["id"] = chatId, ["type"] = "private" };
        content["from"] = From();
        return new JsonObject { ["update_id"] = api.NextUpdateId(), ["message"] = content };
    }

    public JsonObject TextUpdate(string text) => Message(new JsonObject { ["text"] = text });

    public JsonObject Callback(ApiCall question, string data) => new()
    {
        ["update_id"] = api.NextUpdateId(),
        ["callback_query"] = new JsonObject
        {
            ["id"] = Guid.NewGuid().ToString("N"),
            ["from"] = From(),
            ["chat_instance"] = "1",
            ["data"] = data,
            ["message"] = new JsonObject
            {
                ["message_id"] = (int)(question.Body["_message_id"] ?? question.Body["message_id"])!,   // sent, or edited in place
                ["date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                ["chat"] = new JsonObject { ["id"] = chatId, ["type"] = "private" },
                ["text"] = Text(question),
                ["reply_markup"] = question.Body["reply_markup"]?.DeepClone(),
            },
        },
    };

    /// <summary>Types a message and waits for the bot's next question.</summary>
    public Task<ApiCall> SayAsync(string text) => SendAndWaitAsync(TextUpdate(text));

    /// <summary>Taps the button labelled with the UI text button.{key} on the current question.</summary>
    public Task<ApiCall> PressAsync(string key) => PressLabelAsync(Pack.Text("button." + key));

    public Task<ApiCall> PressLabelAsync(string label)
    {
        var question = LastPrompt;
        var button = Buttons(question).FirstOrDefault(b => b.Label == label);
        if (button == default)
        {
            throw new InvalidOperationException($"No button '{label}' on: {Text(question)} [{string.Join(" | ", Buttons(question).Select(b => b.Label))}]");
        }
        return SendAndWaitAsync(Callback(question, button.Data));
    }

    public async Task<ApiCall> SendAndWaitAsync(JsonObject update)
    {
        var before = Sent.Count;
        api.Enqueue(update);
        return await WaitAsync(() => Sent.Skip(before).LastOrDefault(c => Buttons(c).Count > 0));
    }

    /// <summary>Polls with a deadline for an asynchronous effect.</summary>
    public static async Task<T> WaitAsync<T>(Func<T?> probe, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            if (probe() is { } found)
            {
                return found;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The bot did not answer in time");
            }
            await Task.Delay(50);
        }
    }

    private JsonObject From() => new()
    {
        ["id"] = chatId, ["is_bot"] = false, ["first_name"] = "Aigerim", ["username"] = "aigerim_secret", ["language_code"] = language,
    };
}
