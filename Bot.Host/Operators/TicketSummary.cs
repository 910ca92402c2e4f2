using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bot.Content;

namespace Bot.Host.Operators;

/// <summary>
/// One answer as the operator reads it: the question as the person was asked it, the answer, and the Appendix 1 item
/// (<paramref name="Cite"/> as an id, <paramref name="Source"/> in words: "Appendix 1 · General signs · 12").
/// </summary>
public sealed record SummaryItem(string Section, string Question, string Answer, string Cite, string Source);

/// <summary>
/// The screening summary in the operator's language, grouped who / where / what, and the consent exactly as the
/// person saw it in their own language.
/// </summary>
public sealed record SummaryView(string PersonLanguage, IReadOnlyList<SummaryItem> Items, string? Consent, bool ConsentWordingChanged);

public static class TicketSummary
{
    public static readonly IReadOnlyList<string> Sections = ["who", "where", "what"];

    /// <summary>The stored summary (ids only) looked up in content: the operator's pack for the questions, the person's for the consent.</summary>
    public static SummaryView Build(JsonElement stored, Ticket ticket, BotContent content, LanguagePack reader)
    {
        var asked = content.Languages.TryGetValue(ticket.Language, out var own) ? own : reader;
        var items = new List<SummaryItem>();
        foreach (var answer in stored.ValueKind == JsonValueKind.Array ? stored.EnumerateArray() : Enumerable.Empty<JsonElement>())
        {
            var id = answer.TryGetProperty("indicatorId", out var i) ? i.GetString() : null;
            if (id is null || !reader.Indicators.TryGetValue(id, out var indicator))
            {
                continue;
            }
            var value = answer.TryGetProperty("answer", out var a) ? a.ToString() : "";
            var title = reader.Sections.FirstOrDefault(section => section.Key == indicator.Section)?.Title ?? indicator.Section;
            var source = reader.Operator("summary.cite", ("section", title), ("n", indicator.Cite[(indicator.Cite.LastIndexOf('/') + 1)..]));
            items.Add(new SummaryItem(indicator.Section.Split('/')[0], Question(indicator, ticket), reader.Operator("answer." + value), indicator.Cite, source));
        }
        items = [.. items.OrderBy(item => Sections.ToList().IndexOf(item.Section))];
        var (consent, changed) = ConsentAsSeen(asked, ticket);
        return new SummaryView(reader.Operator("person." + ticket.Language), items, consent, changed);
    }

    /// <summary>The wording the person answered: a witness is asked about "the person", a child in simpler words.</summary>
    private static string Question(Indicator indicator, Ticket ticket) =>
        ticket.Role == nameof(Bot.Dialogs.Role.Witness) ? indicator.Witness
        : ticket.Minor && indicator.Child is { } child ? child
        : indicator.Self;

    /// <summary>
    /// The consent text whose fingerprint is the ticket's consent version (the dialog's <c>ConsentVersion</c>: the language and
    /// the first 12 hex digits of the text's SHA-256). When the wording has changed since, the current text and a warning.
    /// </summary>
    private static (string? Text, bool Changed) ConsentAsSeen(LanguagePack pack, Ticket ticket)
    {
        var texts = pack.Ui.Where(p => p.Key.StartsWith("consent.ask.", StringComparison.Ordinal)).ToList();
        foreach (var (_, text) in texts)
        {
            if ($"{pack.Code}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12]}" == ticket.ConsentVersion)
            {
                return (text, false);
            }
        }
        return pack.Ui.TryGetValue("consent.ask." + ticket.Destination.ToLowerInvariant(), out var current) ? (current, true) : (null, true);
    }
}
