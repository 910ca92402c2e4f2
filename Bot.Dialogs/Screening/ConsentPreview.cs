using Bot.Content;

namespace Bot.Dialogs.Screening;

/// <summary>
/// Clause 7, informed consent: the consent screen lists exactly what the ticket will hold, from the
/// same summary the ticket stores, so what the person saw and what leaves cannot differ.
/// </summary>
public static class ConsentPreview
{
    /// <summary>What would be sent now, before the consent (its record is filled in when the person agrees).</summary>
    public static TicketSummary Pending(ConversationState state, LanguagePack pack, ScreeningPlan plan) =>
        Build(state, pack, plan, new ConsentRecord(default, "", []));

    public static TicketSummary Agreed(ConversationState state, LanguagePack pack, ScreeningPlan plan, DateTimeOffset at, string version)
    {
        var pending = Pending(state, pack, plan);
        return pending with { Consent = new ConsentRecord(at, version, Lines(pending, pack)) };
    }

    /// <summary>The lines of the consent screen: each item in the person's words, then the flags, the gender preference and the destination.</summary>
    public static IReadOnlyList<string> Lines(TicketSummary summary, LanguagePack pack) =>
    [
        .. summary.Items.Select(item => item.Words),
        .. summary.Flags.Select(flag => pack.Text("button." + FlagButton(flag))),
        pack.Text("gender.ask") + " " + pack.Text("button." + Conversation.Kebab(summary.Gender)),
        pack.Text("button." + Conversation.Kebab(summary.Destination)),
    ];

    private static TicketSummary Build(ConversationState state, LanguagePack pack, ScreeningPlan plan, ConsentRecord consent) =>
        new(Screening.Summary(state, pack, plan), Screening.Flags(state),
            state.Gender ?? Gender.NoPreference, state.Destination ?? Destination.Hotline, consent);

    private static string FlagButton(Circumstance flag) => flag switch
    {
        Circumstance.Under18 => "under18",
        Circumstance.Abroad => "abroad",
        Circumstance.Danger => "danger",
        _ => "doctor",
    };
}
