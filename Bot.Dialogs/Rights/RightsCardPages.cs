using System.Text;
using Bot.Content;

namespace Bot.Dialogs.Rights;

/// <summary>
/// Appendix 2 for a small screen, in steps: a five-line summary in plain words first, then "read more" one page at a
/// time; the rights of foreigners (10–15) are a page of their own, offered beside. Every page ends with the numbers.
/// </summary>
public static class RightsCardPages
{
    public const int Summary = 0;
    /// <summary>The last page "read more" reaches: the duties and the closing line.</summary>
    public const int Duties = 3;
    public const int Foreigners = 4;

    // Pages 1 and 2 in the seed's order, the foreigners' rights left out of them.
    private static readonly int[][] RightsOf = [[], [1, 2, 3, 4, 5], [6, 7, 8, 9, 16, 17], [], [10, 11, 12, 13, 14, 15]];

    public static int Count => RightsOf.Length;

    public static bool HasNext(int page) => page < Duties;

    public static string Page(LanguagePack pack, int page)
    {
        if (page == Summary)
        {
            return pack.Text("rights.summary");
        }
        var card = pack.Rights;
        var text = new StringBuilder();
        if (page == 1)
        {
            text.Append(card.Title).Append("\n\n").Append(card.Intro).Append("\n\n");
        }
        if (page == Foreigners)
        {
            text.Append(pack.Text("rights.foreigners")).Append('\n');
        }
        foreach (var right in card.Rights.Where(r => RightsOf[page].Contains(r.N)))
        {
            text.Append(right.N).Append(". ").Append(right.Text).Append('\n');
        }
        if (page == Foreigners && pack.Consulates.Count > 0)
        {
            // Only consulates a deployment has filled in (contacts.yaml); 116 16 can connect the person in any case.
            text.Append('\n').Append(pack.Text("rights.consulates")).Append('\n');
            foreach (var consulate in pack.Consulates)
            {
                text.Append(consulate.Name).Append(": ").Append(consulate.Number).Append(" · ").Append(consulate.What).Append('\n');
            }
        }
        if (page == Duties)
        {
            text.Append(pack.Text("rights.duties")).Append('\n');
            foreach (var duty in card.Duties)
            {
                text.Append(duty.N).Append(". ").Append(duty.Text).Append('\n');
            }
            text.Append('\n').Append(card.Closing);
        }
        else
        {
            text.Append('\n').Append(pack.Text("rights.numbers"));
        }
        return text.ToString().Trim();
    }
}
