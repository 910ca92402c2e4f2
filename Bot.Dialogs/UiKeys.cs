namespace Bot.Dialogs;

/// <summary>Every UI text the bot uses; start-up checks that each language has them all.</summary>
public static class UiKeys
{
    private static readonly string[] Texts =
    [
        "language.name", "language.ask", "privacy.ask", "privacy.ask.web", "web.exit", "web.forget", "web.too-long", "web.not-sent",
        "safety.ask", "safety.danger", "safety.doctor", "urgent.ask", "contact.ask",
        "role.ask", "age.ask", "location.ask", "location.abroad",
        "screening.intro", "screening.progress",
        "result.none", "result.none.danger", "result.some", "result.strong", "result.urgent", "result.forms", "result.next",
        "result.stopped", "result.foreigners", "rights.refused", "rights.summary", "rights.foreigners", "rights.consulates", "rights.duties", "rights.numbers",
        "gender.ask", "destination.ask", "destination.ask.minor",
        "consent.ask.hotline", "consent.ask.police", "consent.ask.urgent", "consent.refused",
        "waiting.ask", "waiting.found.hotline", "waiting.found.police", "waiting.still", "waiting.saved", "waiting.cancelled", "waiting.capped",
        "operator.joined.hotline", "operator.joined.police", "operator.says.hotline", "operator.says.police", "operator.gender.woman", "operator.gender.man",
        "operator.ended", "operator.transferred.hotline", "operator.transferred.police", "operator.none", "operator.closed",
        "menu.ask", "help.text", "exit.done", "forget.done",
        "button.none", "input.expired", "input.choose", "input.unsupported", "input.unknown-command", "input.slow-down", "input.too-long",
    ];

    public static IReadOnlyList<string> Required { get; } =
    [
        .. Texts,
        .. Enum.GetValues<Conversation.Trigger>()
            .Where(t => t is not (Conversation.Trigger.Choose or Conversation.Trigger.Toggle) && t < Conversation.Trigger.StartCommand)
            .Select(t => "button." + Conversation.Kebab(t)),
    ];
}
