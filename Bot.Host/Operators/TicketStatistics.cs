using System.Globalization;
using System.Text;
using Bot.Host.Storage;
using Microsoft.EntityFrameworkCore;

namespace Bot.Host.Operators;

/// <summary>One anonymised count; any count below 3 is shown as "&lt;3" (small-number suppression).</summary>
public sealed record StatisticsRow(string Dimension, string Value, string Count);

public sealed record StatisticsView(IReadOnlyList<StatisticsRow> Counts, double? MedianMinutesToFirstResponse, double? Percentile90MinutesToFirstResponse);

/// <summary>
/// The supervisor's aggregates: counts by week, week and level, level, form, role, minors, destination and disposition;
/// times to first response (median, 90th percentile and a distribution in buckets). Every count is suppressed below 3.
/// </summary>
public sealed class TicketStatistics(IServiceScopeFactory scopes)
{
    public async Task<StatisticsView> BuildAsync(CancellationToken cancel)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BotDb>();
        var tickets = await db.Tickets.AsNoTracking()
            .Select(t => new { t.CreatedAt, t.Forms, t.Role, t.Minor, t.Destination, t.FirstResponseAt, t.Level, t.Disposition }).ToListAsync(cancel);
        var rows = new List<StatisticsRow>();
        void Add(string dimension, IEnumerable<string> values) =>
            rows.AddRange(SuppressDimension(values.GroupBy(v => v).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => (g.Key, g.Count())).ToList()).Select(cell => new StatisticsRow(dimension, cell.Value, cell.Count)));
        Add("week", tickets.Select(t => Week(t.CreatedAt)));
        // Each week's levels are a group of their own: suppressed within the week, so the week's total cannot uncover one.
        foreach (var week in tickets.GroupBy(t => Week(t.CreatedAt)).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            Add("week-level", week.Select(t => week.Key + "/" + t.Level));
        }
        Add("level", tickets.Select(t => t.Level));
        Add("form", tickets.SelectMany(t => t.Forms.Split(',', StringSplitOptions.RemoveEmptyEntries).DefaultIfEmpty("none")));
        Add("role", tickets.Select(t => t.Role));
        Add("minor", tickets.Select(t => t.Minor ? "yes" : "no"));
        Add("destination", tickets.Select(t => t.Destination));
        Add("disposition", tickets.Where(t => t.Disposition is not null).Select(t => t.Disposition!));
        var minutes = tickets.Where(t => t.FirstResponseAt is not null)
            .Select(t => (t.FirstResponseAt!.Value - t.CreatedAt).TotalMinutes).Order().ToList();
        Add("first-response", minutes.Select(m => ResponseBuckets.Last(b => m >= b.From).Key));
        // Times are not shown for fewer than 3 tickets either: a single time could point at one person.
        return minutes.Count < 3 ? new StatisticsView(rows, null, null)
            : new StatisticsView(rows, Math.Round(Percentile(minutes, 0.5), 1), Math.Round(Percentile(minutes, 0.9), 1));
    }

    /// <summary>The distribution of times to first response, in minutes from the lower bound of each bucket.</summary>
    public static readonly IReadOnlyList<(string Key, double From)> ResponseBuckets = [("0", 0), ("5", 5), ("15", 15), ("30", 30), ("60", 60)];

    private static string Week(DateTime at) => $"{ISOWeek.GetYear(at)}-W{ISOWeek.GetWeekOfYear(at):00}";

    public static string Suppress(int count) => count < 3 ? "<3" : count.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Small counts as "&lt;3"; and when a dimension has exactly one, its next smallest count is hidden too:
    /// every dimension adds up to the same total, so a lone "&lt;3" could otherwise be worked out by subtraction.
    /// </summary>
    internal static IEnumerable<(string Value, string Count)> SuppressDimension(IReadOnlyList<(string Value, int Count)> cells)
    {
        var small = cells.Count(c => c.Count < 3);
        var alsoHidden = small == 1 ? cells.Where(c => c.Count >= 3).OrderBy(c => c.Count).Select(c => c.Value).FirstOrDefault() : null;
        return cells.Select(c => (c.Value, c.Value == alsoHidden ? "hidden" : Suppress(c.Count)));
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    internal static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static string Csv(StatisticsView view)
    {
        var csv = new StringBuilder("dimension,value,count\n");
        foreach (var row in view.Counts)
        {
            csv.Append(row.Dimension).Append(',').Append(row.Value).Append(',').Append(row.Count).Append('\n');
        }
        csv.Append(CultureInfo.InvariantCulture, $"first-response-minutes,median,{view.MedianMinutesToFirstResponse?.ToString(CultureInfo.InvariantCulture) ?? "<3"}\n");
        csv.Append(CultureInfo.InvariantCulture, $"first-response-minutes,p90,{view.Percentile90MinutesToFirstResponse?.ToString(CultureInfo.InvariantCulture) ?? "<3"}\n");
        return csv.ToString();
    }
}
