using Bot.Content;

namespace Bot.Dialogs;

/// <summary>What the user did: typed text (commands start with '/') or pressed an option.</summary>
/// <param name="ExitButton">
/// Sent from our own web page, whose header has the quick-exit and erase buttons: the privacy line names those buttons instead of
/// the commands (the ".web" variant of a text).
/// </param>
/// <param name="TooLong">Typed, but longer than <see cref="MaxTextLength"/>: the bot says so and asks for it in parts.</param>
public sealed record UserTurn(string? Text = null, string? Option = null, string? Locale = null, bool ExitButton = false, bool TooLong = false)
{
    /// <summary>The longest message a person may send (Telegram's own limit; the web chat and the Bot Framework take the same).</summary>
    public const int MaxTextLength = 4096;

    public static UserTurn Typed(string text, string? locale = null) => new(Text: text, Locale: locale);

    /// <summary>What a person typed, as a channel received it: control characters dropped (line breaks kept); too long, said so.</summary>
    public static UserTurn FromTyped(string text, string? locale = null) => text.Length > MaxTextLength
        ? new(Locale: locale, TooLong: true)
        : Typed(new string(text.Where(c => !char.IsControl(c) || c == '\n').ToArray()), locale);

    public static UserTurn Pressed(string option, string? locale = null) => new(Option: option, Locale: locale);
    /// <summary>Something the bot does not read (a photo, a file): neither text nor an option.</summary>
    public static UserTurn Unreadable(string? locale = null) => new(Locale: locale);
}

/// <summary>An option the user can press; <see cref="Id"/> is compact (under 64 bytes) for callback data.</summary>
public sealed record BotOption(string Id, string Label);

/// <param name="Redraw">The same screen again after a tap ("tap all that apply"): a channel that can edit the prompt on screen does so.</param>
/// <param name="From">
/// Who wrote it when a person did, not the bot: the operator's name line from content ("Aigerim, 116 16 hotline operator"), which
/// the web chat shows above a bubble of its own and the other channels as the message's first line (<see cref="Shown"/>).
/// </param>
/// <param name="Language">The conversation's language when it was written (null before one is chosen): the web page's lang follows it.</param>
public sealed record BotMessage(string Text, IReadOnlyList<BotOption> Options, bool Redraw = false, string? From = null, string? Language = null)
{
    /// <summary>The text as one plain message: the name line first, for channels that show every message as the bot's.</summary>
    public string Shown => From is null ? Text : From + "\n" + Text;
}

/// <summary>What a channel must do besides showing the messages.</summary>
public enum TurnEffect
{
    None,
    /// <summary>Quick exit: clear what the channel can clear; the state is reset.</summary>
    QuickExit,
    /// <summary>Erase everything stored about this conversation.</summary>
    Forget,
}

/// <param name="ForOperator">What the user typed while an operator is with them: the host hands it to the operator (never logged).</param>
/// <param name="EscalationCapped">The person agreed to be put through, but the queue's caps were reached: they were given the numbers instead.</param>
public sealed record TurnResult(IReadOnlyList<BotMessage> Messages, TurnEffect Effect, EscalationRequest? Escalation, string? ForOperator = null,
    bool EscalationCapped = false);

public enum Level { None, Some, Strong, Urgent }

/// <summary>What operators receive once the person has given informed consent (clauses 7–9).</summary>
public sealed record EscalationRequest(
    Guid Id,
    string Language,
    Role Role,
    Level Level,
    IReadOnlyList<Form> Forms,
    bool Minor,
    bool Abroad,
    bool Urgent,
    Gender Gender,
    Destination Destination,
    DateTimeOffset ConsentAt,
    string ConsentVersion,
    TicketSummary Summary);
