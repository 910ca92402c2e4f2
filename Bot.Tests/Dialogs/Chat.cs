using Bot.Content;
using Bot.Dialogs;
using Microsoft.Extensions.Time.Testing;

namespace Bot.Tests.Dialogs;

/// <summary>Drives the engine as a person would: by pressing the labelled buttons on screen.</summary>
public sealed class Chat(string language = "en")
{
    public BotContent Content { get; } = TestContent.Content;
    public ConversationState State { get; } = new();
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero));
    public List<TurnResult> Turns { get; } = [];
    private Conversation? _conversation;
    public LanguagePack Pack => Content[State.Language ?? language];
    public TurnResult Last => Turns[^1];
    public BotMessage Prompt => Last.Messages[^1];
    public IEnumerable<string> AllText => Turns.SelectMany(t => t.Messages).Select(m => m.Text);

    public async Task<TurnResult> Send(UserTurn turn)
    {
        var result = await (_conversation ??= new Conversation(Content, Clock)).HandleAsync(State, turn);
        Turns.Add(result);
        return result;
    }

    public Task<TurnResult> Type(string text) => Send(UserTurn.Typed(text, language));

    public Task<TurnResult> Start() => Type("/start");

    /// <summary>Presses the button whose label is the UI text button.{key}.</summary>
    public Task<TurnResult> Press(string key) => PressLabel(Pack.Text("button." + key));

    public Task<TurnResult> PressLabel(string label)
    {
        var option = Prompt.Options.FirstOrDefault(o => o.Label == label)
            ?? throw new InvalidOperationException($"No button '{label}' on: {Prompt.Text} [{string.Join(" | ", Prompt.Options.Select(o => o.Label))}]");
        return Send(UserTurn.Pressed(option.Id));
    }

    public bool Offers(string key) => Prompt.Options.Any(o => o.Label == Pack.Text("button." + key));

    /// <summary>
    /// Answers the screening until the result: on a choice screen ticks what <paramref name="choose"/> names, on a list
    /// ticks the signs <paramref name="answer"/> says "yes" to, a yes/no question by <paramref name="answer"/>; returns the screens.
    /// </summary>
    public async Task<int> AnswerScreening(Func<string, IEnumerable<string>> choose, Func<Indicator, string> answer)
    {
        var screens = 0;
        while (State.Step == Step.Screening)
        {
            screens++;
            var screen = State.Question!;
            if (Pack.Indicators.TryGetValue(screen, out var indicator))
            {
                await Press(answer(indicator));
                continue;
            }
            var ticks = Content.Plan.Screens[screen].Kind == ScreenKind.Choice
                ? choose(screen).ToList()
                : Content.Plan.Screens[screen].Indicators.Where(id => answer(Pack.Indicators[id]) == "yes").ToList();
            await Tick(ticks);
            await PressDone();
        }
        return screens;
    }

    /// <summary>Ticks options of the "tap all that apply" screen on screen by id (those not offered to this person are passed over).</summary>
    public async Task Tick(IEnumerable<string> ids)
    {
        foreach (var id in ids)
        {
            if (Prompt.Options.FirstOrDefault(o => o.Id.EndsWith(".t." + id, StringComparison.Ordinal)) is { } option)
            {
                await Send(UserTurn.Pressed(option.Id));
            }
        }
    }

    /// <summary>"Done", or "None of these" when nothing is ticked: the same move.</summary>
    public Task<TurnResult> PressDone() => Offers("done") ? Press("done") : Press("none");

    /// <summary>From a fresh start straight to the queue: /talk, no preference, the hotline, agree.</summary>
    public async Task ToWaiting()
    {
        await Start();
        await Type("/talk");
        await Press("no-preference");
        await Press("hotline");
        await Press("agree");
    }

    /// <summary>From a fresh start to the first screening question.</summary>
    public async Task Intake(string role, string age, string location = "in-kazakhstan", string safety = "safe")
    {
        await Start();
        await Press("continue");
        await Press(safety);
        if (safety != "safe")
        {
            await Press("questions");   // danger offers a person at once; these scripts answer the questions
        }
        await Press(role);
        await Press(age);
        await Press(location);
    }

    /// <summary>The option of a choice screen that points at the form, else none ("None of these").</summary>
    public IEnumerable<string> OptionFor(string choice, Form? form) =>
        Content.Plan.Choices.TryGetValue(choice, out var options) && options.FirstOrDefault(o => form is { } f && o.Forms.Contains(f)) is { } option
            ? [option.Id] : [];
}
