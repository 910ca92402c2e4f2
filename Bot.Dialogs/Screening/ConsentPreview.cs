using Bot.Content;

namespace Bot.Dialogs.Screening;

/// <summary>
/// Clause 7, informed consent: the consent screen lists exactly what the ticket will hold, built from the
/// same summary the ticket stores, so what the person saw and what leaves cannot differ.
/// </summary>
public static class ConsentPreview
{
    /// <summary>What would be sent now: the items the person left in, the flags, the gender preference, the destination.</summary>
    public static TicketSummary Pending(ConversationState state, LanguagePack pack, ScreeningPlan plan) =>
        new(Screening.Matched(state, pack, plan, kept: true), Screening.Flags(state),
            state.Gender ?? Gender.NoPreference, state.Destination ?? Destination.Hotline, new ConsentRecord(default, "", []));

    /// <summary>The summary as sent: the consent record holds its time, its text version and the lines the person saw.</summary>
    public static TicketSummary Agreed(ConversationState state, LanguagePack pack, ScreeningPlan plan, DateTimeOffset at, string version)
    {
        var pending = Pending(state, pack, plan);
        return pending with { Consent = new ConsentRecord(at, version, Lines(pending, pack)) };
    }

    /// <summary>The lines of the consent screen: each item in the person's words, the flags, the gender preference, the destination.</summary>
    public static IReadOnlyList<string> Lines(TicketSummary summary, LanguagePack pack) =>
    [
        .. summary.Items.Select(item => item.Words),
        .. summary.Flags.Select(flag => pack.Word("consent." + Conversation.Kebab(flag))),
        pack.Word("consent.gender." + Conversation.Kebab(summary.Gender)),
        pack.Word("consent.destination." + Conversation.Kebab(summary.Destination)),
    ];
}
