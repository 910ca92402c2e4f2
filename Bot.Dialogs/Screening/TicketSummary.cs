namespace Bot.Dialogs;

/// <summary>Appendix 1's three elements: who (the risk group), where (the place), what (the signs).</summary>
public enum Part { Who, Where, What }

/// <summary>What a ticket says about the situation besides the answers (clauses 14, 16, 21–23, 26–27).</summary>
public enum Circumstance { Under18, Abroad, Danger, Doctor }

/// <summary>
/// One thing the person told, as it leaves the conversation: the Appendix 1 item it matches (section and
/// citation), the choice option that recorded it ("screen/option") or null for a yes/no question, and the
/// words the person saw, in their language. A console shows the item in its operator's language by its ids.
/// </summary>
public sealed record SummaryItem(Part Part, string Section, string Cite, string IndicatorId, string? Option, string Words);

/// <summary>Clause 7: when the person agreed, to which consent text, and the lines they saw, exactly.</summary>
public sealed record ConsentRecord(DateTimeOffset At, string Version, IReadOnlyList<string> Shown);

/// <summary>
/// What a ticket stores about the screening, structured (never pre-rendered): the matched items the person
/// left in, the flags, the gender preference and the destination, and the consent as they saw it.
/// </summary>
public sealed record TicketSummary(
    IReadOnlyList<SummaryItem> Items,
    IReadOnlyList<Circumstance> Flags,
    Gender Gender,
    Destination Destination,
    ConsentRecord Consent);
