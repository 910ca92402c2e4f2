using System.Globalization;
using System.Net;
using System.Text;
using Bot.Content;

namespace Bot.Host.Operators;

/// <summary>
/// The supervisor's charts, drawn here as SVG (no script, no CDN). A suppressed count is a hatched bar labelled "&lt;3"
/// (or "hidden"), never a number and never a sentence.
/// </summary>
public static class TicketCharts
{
    private static readonly string[] Levels = ["None", "Some", "Strong", "Urgent"];
    private static readonly string[] LevelFills = ["#7b8794", "#2f6fd6", "#b7791f", "#b3261e"];
    private const string Bar = "#2f5f8a";

    public static string Page(StatisticsView view, LanguagePack pack)
    {
        var rows = view.Counts.ToLookup(r => r.Dimension);
        var html = new StringBuilder();
        html.Append(Figure("chart-week-level", pack.Operator("stats.week-level"), WeekLevel(rows["week-level"].ToList(), pack)));
        html.Append(Figure("chart-form", pack.Operator("stats.form"),
            Bars("form", rows["form"].Select(r => (pack.Operator("form." + r.Value), r.Count)).ToList(), pack)));
        html.Append(Figure("chart-destination", pack.Operator("stats.destination"),
            Bars("destination", rows["destination"].Select(r => (pack.Operator("team." + r.Value), r.Count)).ToList(), pack)));
        html.Append(Figure("chart-disposition", pack.Operator("stats.disposition"),
            Bars("disposition", rows["disposition"].Select(r => (pack.Operator("disposition." + r.Value), r.Count)).ToList(), pack)));
        var buckets = rows["first-response"].ToDictionary(r => r.Value, r => r.Count);
        var times = Bars("first-response", TicketStatistics.ResponseBuckets
            .Select(b => (pack.Operator("stats.bucket-" + b.Key), buckets.GetValueOrDefault(b.Key, "0"))).ToList(), pack);
        html.Append(Figure("chart-first-response", pack.Operator("stats.first-response"),
            Figures(view, pack) + times));
        return html.ToString();
    }

    private static string Figure(string id, string title, string body) =>
        $"<figure id=\"{id}\"><figcaption>{E(title)}</figcaption>{body}</figure>";

    /// <summary>Median and 90th percentile: a number of minutes, or the same hatched "&lt;3" mark as a suppressed bar.</summary>
    private static string Figures(StatisticsView view, LanguagePack pack)
    {
        string Value(double? minutes) => minutes is { } m
            ? E(pack.Operator("stats.minutes", ("n", m.ToString("0.#", CultureInfo.InvariantCulture))))
            : "<span class=\"suppressed\">&lt;3</span>";
        return $"<p class=\"figures\"><span>{E(pack.Operator("stats.median"))}: <strong>{Value(view.MedianMinutesToFirstResponse)}</strong></span>" +
               $"<span>{E(pack.Operator("stats.p90"))}: <strong>{Value(view.Percentile90MinutesToFirstResponse)}</strong></span></p>";
    }

    /// <summary>
    /// Horizontal bars, one per value, the count at the end of each. A label too long for its column wraps onto more lines (a
    /// Kazakh disposition is twice an English one), never cut. A suppressed count ("&lt;3", hidden) is a short hatched stub of
    /// the same length whatever the others: its size is unknown, so it is never drawn as if it were 3.
    /// </summary>
    internal static string Bars(string id, IReadOnlyList<(string Label, string Count)> bars, LanguagePack pack)
    {
        if (bars.Count == 0)
        {
            return $"<p>{E(pack.Operator("stats.none-yet"))}</p>";
        }
        const int labelWidth = 300, barWidth = 260, line = 16, width = labelWidth + barWidth + 70;
        var max = Math.Max(3, bars.Select(b => Number(b.Count) ?? 0).Max());
        var lines = bars.Select(b => Wrap(b.Label, labelWidth - 12)).ToList();
        var svg = Open(id, width, lines.Sum(l => Row(l.Count)) + 10, pack);
        var y = 5;
        for (var i = 0; i < bars.Count; i++)
        {
            var (label, count) = bars[i];
            var middle = y + (Row(lines[i].Count) / 2);
            var length = Number(count) is { } n ? n * barWidth / (double)max : SuppressedLength;
            var first = middle + 5 - ((lines[i].Count - 1) * line / 2);
            svg.Append(CultureInfo.InvariantCulture, $"<g><title>{E(label)}: {E(Shown(count, pack))}</title>")
                .Append(CultureInfo.InvariantCulture, $"<text x=\"{labelWidth - 8}\" y=\"{first}\" text-anchor=\"end\">")
                .AppendJoin("", lines[i].Select((text, l) => l == 0 ? E(text) : $"<tspan x=\"{labelWidth - 8}\" dy=\"{line}\">{E(text)}</tspan>"))
                .Append("</text>")
                .Append(CultureInfo.InvariantCulture,
                    $"<rect x=\"{labelWidth}\" y=\"{middle - 10}\" width=\"{Math.Max(length, 2):0.#}\" height=\"20\" {Fill(id, count, Bar)}/>")
                .Append(CultureInfo.InvariantCulture,
                    $"<text x=\"{labelWidth + length + 6:0.#}\" y=\"{middle + 5}\" class=\"count\">{E(Shown(count, pack))}</text></g>");
            y += Row(lines[i].Count);
        }
        return svg.Append("</svg>").ToString();
    }

    /// <summary>A suppressed bar's length in pixels: short, the same for every one, marked by its hatching and its "&lt;3".</summary>
    private const double SuppressedLength = 14;

    private static int Row(int lines) => Math.Max(30, (lines * 16) + 12);

    /// <summary>
    /// About how wide a label is at the charts' 13 px (CSS): 7.5 px a character, 8.5 for capitals and wide letters. An
    /// estimate, kept generous so nothing overlaps; the browser does not measure text for the host.
    /// </summary>
    internal static double TextWidth(string text) =>
        text.Sum(c => char.IsUpper(c) || "шщжмюыфШЩЖМЮЫФwmWM".Contains(c) ? 8.5 : c == ' ' ? 4 : 7.5);

    /// <summary>Words onto lines no wider than <paramref name="width"/> pixels (a single longer word gets a line of its own).</summary>
    internal static List<string> Wrap(string text, double width)
    {
        var lines = new List<string>();
        var current = "";
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var next = current.Length == 0 ? word : current + " " + word;
            if (current.Length > 0 && TextWidth(next) > width)
            {
                lines.Add(current);
                next = word;
            }
            current = next;
        }
        lines.Add(current);
        return lines;
    }

    /// <summary>Tickets per week, one bar per level, weeks in time order with the empty weeks between them.</summary>
    private static string WeekLevel(List<StatisticsRow> rows, LanguagePack pack)
    {
        if (rows.Count == 0)
        {
            return $"<p>{E(pack.Operator("stats.none-yet"))}</p>";
        }
        var cells = rows.ToDictionary(r => r.Value, r => r.Count);
        var weeks = Weeks(rows.Select(r => r.Value.Split('/')[0]).ToList());
        const int left = 40, height = 200, bar = 20, group = (4 * bar) + 16;   // a bar apart enough for its "<3" above it
        var width = Math.Max(400, left + (weeks.Count * group) + 20);
        var max = Math.Max(3, rows.Select(r => Number(r.Count) ?? 0).Max());
        // The legend: colour and words, never colour alone; each entry placed after the last one's words, onto another line
        // when the width runs out (the Kazakh names of the levels are long).
        var (legendX, legendY) = (left, 6);
        var legend = new StringBuilder();
        for (var l = 0; l < Levels.Length; l++)
        {
            var name = pack.Operator("level." + Levels[l]);
            var entry = 20 + TextWidth(name) + 18;
            if (legendX > left && legendX + entry > width - 10)
            {
                (legendX, legendY) = (left, legendY + 20);
            }
            legend.Append(CultureInfo.InvariantCulture, $"<rect x=\"{legendX}\" y=\"{legendY}\" width=\"14\" height=\"14\" fill=\"{LevelFills[l]}\"/>")
                .Append(CultureInfo.InvariantCulture, $"<text x=\"{legendX + 20}\" y=\"{legendY + 12}\" class=\"legend\">{E(name)}</text>");
            legendX += (int)Math.Ceiling(entry);
        }
        var top = legendY + 34;
        var svg = Open("week-level", width, top + height + 40, pack).Append(legend);
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{top + height}\" x2=\"{width - 10}\" y2=\"{top + height}\" stroke=\"#333\"/>")
            .Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 6}\" y=\"{top + 10}\" text-anchor=\"end\" class=\"count\">{max}</text>")
            .Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 6}\" y=\"{top + height}\" text-anchor=\"end\" class=\"count\">0</text>");
        for (var w = 0; w < weeks.Count; w++)
        {
            var x0 = left + 8 + (w * group);
            for (var l = 0; l < Levels.Length; l++)
            {
                if (!cells.TryGetValue(weeks[w] + "/" + Levels[l], out var count))
                {
                    continue;
                }
                var h = Number(count) is { } n ? n * height / (double)max : SuppressedLength;
                var x = x0 + (l * bar);
                svg.Append(CultureInfo.InvariantCulture, $"<g><title>{weeks[w]} · {E(pack.Operator("level." + Levels[l]))}: {E(Shown(count, pack))}</title>")
                    .Append(CultureInfo.InvariantCulture,
                        $"<rect x=\"{x}\" y=\"{top + height - h:0.#}\" width=\"12\" height=\"{h:0.#}\" {Fill("week-level", count, LevelFills[l])}/>")
                    .Append(CultureInfo.InvariantCulture,
                        $"<text x=\"{x + 6}\" y=\"{top + height - h - 4:0.#}\" text-anchor=\"middle\" class=\"count small\">{E(Shown(count, pack))}</text></g>");
            }
            svg.Append(CultureInfo.InvariantCulture,
                $"<text x=\"{x0 + (2 * bar) - 2}\" y=\"{top + height + 18}\" text-anchor=\"middle\">{E(weeks[w][5..])}</text>");
        }
        return svg.Append("</svg>").ToString();
    }

    /// <summary>From the first week to the last, with the weeks between (ISO weeks, "2026-W48").</summary>
    private static List<string> Weeks(List<string> seen)
    {
        static DateTime Monday(string week) =>
            ISOWeek.ToDateTime(int.Parse(week[..4], CultureInfo.InvariantCulture), int.Parse(week[6..], CultureInfo.InvariantCulture), DayOfWeek.Monday);
        var first = seen.Min(Monday);
        var last = seen.Max(Monday);
        var weeks = new List<string>();
        for (var day = first; day <= last && weeks.Count < 26; day = day.AddDays(7))
        {
            weeks.Add($"{ISOWeek.GetYear(day)}-W{ISOWeek.GetWeekOfYear(day):00}");
        }
        return weeks;
    }

    private static StringBuilder Open(string id, int width, int height, LanguagePack pack) =>
        new StringBuilder().Append(CultureInfo.InvariantCulture,
                $"<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\">")
            .Append(CultureInfo.InvariantCulture,
                $"<defs><pattern id=\"hatch-{id}\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\" patternTransform=\"rotate(45)\">")
            .Append("<rect width=\"6\" height=\"6\" fill=\"#fff\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#444\" stroke-width=\"3\"/></pattern></defs>")
            .Append(CultureInfo.InvariantCulture, $"<desc>{E(pack.Operator("stats.intro"))}</desc>");

    private static string Fill(string id, string count, string colour) =>
        Number(count) is null ? $"fill=\"url(#hatch-{id})\" stroke=\"#444\" class=\"suppressed\"" : $"fill=\"{colour}\"";

    private static int? Number(string count) => int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    private static string Shown(string count, LanguagePack pack) => count == "hidden" ? pack.Operator("stats.hidden") : count;

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
