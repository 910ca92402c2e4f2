using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bot.Content;

namespace Bot.Host.Operators;

/// <summary>
/// One thing the person told, as the operator reads it: the question as the person was asked it, in the operator's words, the
/// answer, and the Appendix 1 item (<paramref name="Cite"/> as an id, <paramref name="Source"/> in words).
/// </summary>
public sealed record ReadableItem(string Part, string Question, string Answer, string Cite, string Source);

/// <summary>
/// The ticket's structured summary (ids only) in the reader's language, grouped who / where / what; the flags; and what the
/// person consented to share exactly as they saw it, in their own language.
/// </summary>
public sealed record ReadableSummary(
    string PersonLanguage, IReadOnlyList<ReadableItem> Items, IReadOnlyList<string> Flags, string? Consent, IReadOnlyList<string> Shared,
    bool ConsentWordingChanged);

public static class Readable
{
    public static readonly IReadOnlyList<string> Parts = ["who", "where", "what"];

    public static ReadableSummary Build(JsonElement stored, Ticket ticket, BotContent content, LanguagePack reader)
    {
        var own = content.Languages.TryGetValue(ticket.Language, out var pack) ? pack : reader;
        var items = new List<ReadableItem>();
        foreach (var item in Array(stored, "items"))
        {
            if (Text(item, "indicatorId") is not { } id || !reader.Indicators.TryGetValue(id, out var indicator))
            {
                continue;
            }
            var (question, answer) = Text(item, "option") is { } option && Choice(reader, ticket, option) is { } chosen
                ? chosen : (Question(indicator, ticket), reader.Operator("answer.Yes"));   // only a "yes" leaves the conversation
            var title = reader.Sections.FirstOrDefault(section => section.Key == indicator.Section)?.Title ?? indicator.Section;
            var source = reader.Operator("summary.cite", ("section", title), ("n", indicator.Cite[(indicator.Cite.LastIndexOf('/') + 1)..]));
            items.Add(new ReadableItem(indicator.Section.Split('/')[0], question, answer, indicator.Cite, source));
        }
        items = [.. items.OrderBy(item => Parts.ToList().IndexOf(item.Part))];
        var flags = Flags(stored);
        var consent = stored.ValueKind == JsonValueKind.Object && stored.TryGetProperty("consent", out var c) ? c : default;
        var shared = Array(consent, "shown").Select(line => line.GetString()).OfType<string>().ToList();
        var (text, changed) = ConsentAsSeen(own, ticket);
        return new ReadableSummary(reader.Operator("person." + ticket.Language), items, flags, text, shared, changed);
    }

    /// <summary>The summary's circumstances in lower case: under18, abroad, danger, doctor.</summary>
    public static IReadOnlyList<string> Flags(JsonElement stored) =>
        Array(stored, "flags").Select(f => f.GetString()?.ToLowerInvariant()).OfType<string>().ToList();

    /// <summary>A choice ("place/home"): the question as asked and the option's label, both in the reader's words.</summary>
    private static (string Question, string Answer)? Choice(LanguagePack reader, Ticket ticket, string option)
    {
        var (key, value) = (option.Split('/')[0], option.Split('/')[^1]);
        if (!reader.Choices.TryGetValue(key, out var choice) || !choice.Options.TryGetValue(value, out var label))
        {
            return null;
        }
        var question = ticket.Role == nameof(Bot.Dialogs.Role.Witness) ? choice.Witness : ticket.Minor ? choice.Child : choice.Self;
        return (question, label);
    }

    /// <summary>The wording the person answered (the dialog's <c>Screening.QuestionText</c>): a witness about "the person", a child in simpler words.</summary>
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
        foreach (var (_, text) in pack.Ui.Where(p => p.Key.StartsWith("consent.ask.", StringComparison.Ordinal)))
        {
            if ($"{pack.Code}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12]}" == ticket.ConsentVersion)
            {
                return (text, false);
            }
        }
        return pack.Ui.TryGetValue("consent.ask." + ticket.Destination.ToLowerInvariant(), out var current) ? (current, true) : (null, true);
    }

    private static List<JsonElement> Array(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array
            ? [.. list.EnumerateArray()] : [];

    private static string? Text(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
