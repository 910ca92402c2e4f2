namespace Bot.Bench;

/// <summary>
/// What a person on any path presses on the bot's screen, the one place for the web chat, Telegram and Bot Framework walks:
/// intake (privacy, safe, themself, adult, in Kazakhstan), yes to every question, two ticks and Done on each "tap all that apply"
/// screen, then talk to a person, a woman, the hotline and consent: every walk ends with a ticket.
/// </summary>
public static class Screen
{
    private static readonly string[] Preferred = ["continue", "safe", "self", "adult", "in-kazakhstan", "yes", "talk", "woman", "hotline", "agree"];
    private const int TicksPerScreen = 2;
    private const string Ticked = "✓ ";   // how a ticked option reads (Conversation.ToggleOffers)

    /// <summary>A button on screen: what it sends back (the screen's number, a dot, its name) and what it reads.</summary>
    public sealed record Option(string Value, string Label)
    {
        public string Name => Value[(Value.IndexOf('.', StringComparison.Ordinal) + 1)..];
    }

    /// <summary>The value to press; null on the waiting screen (escalated: the walk is done).</summary>
    /// <exception cref="InvalidOperationException">A screen this walk cannot answer: it counts as an error, never a silent restart.</exception>
    public static string? Choose(IReadOnlyList<Option> options)
    {
        if (options.Any(o => o.Name == "cancel"))
        {
            return null;   // waiting for an operator: the ticket is stored
        }
        if (options.Any(o => o.Name == "start-again"))
        {
            throw new InvalidOperationException("the menu instead of the waiting screen: the escalation was refused");
        }
        if (Preferred.Select(p => options.FirstOrDefault(o => o.Name == p)).FirstOrDefault(o => o is not null) is { } preferred)
        {
            return preferred.Value;
        }
        // "Tap all that apply": the options are toggles ("t.…"), Done reads "None of these" while nothing is ticked.
        var toggles = options.Where(o => o.Name.StartsWith("t.", StringComparison.Ordinal)).ToList();
        if (toggles.Count > 0 && options.FirstOrDefault(o => o.Name == "done") is { } done)
        {
            var next = toggles.FirstOrDefault(o => !o.Label.StartsWith(Ticked, StringComparison.Ordinal));
            return next is not null && toggles.Count(o => o.Label.StartsWith(Ticked, StringComparison.Ordinal)) < TicksPerScreen ? next.Value : done.Value;
        }
        throw new InvalidOperationException("a screen the walk cannot answer: [" + string.Join(", ", options.Select(o => o.Name)) + "]");
    }
}
