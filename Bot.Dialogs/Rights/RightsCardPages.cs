using System.Text;
using Bot.Content;

namespace Bot.Dialogs.Rights;

/// <summary>Appendix 2 in three short pages for a small screen; every page ends with 102 and 116 16.</summary>
public static class RightsCardPages
{
    private const int RightsPerPage = 6;

    public static int Count => 3;

    public static string Page(LanguagePack pack, int page)
    {
        var card = pack.Rights;
        var text = new StringBuilder();
        if (page == 0)
        {
            text.Append(card.Title).Append("\n\n").Append(card.Intro).Append("\n\n");
        }
        foreach (var right in card.Rights.Skip(page * RightsPerPage).Take(RightsPerPage))
        {
            text.Append(right.N).Append(". ").Append(right.Text).Append('\n');
        }
        if (page == Count - 1)
        {
            text.Append('\n').Append(pack.Text("rights.duties")).Append('\n');
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
