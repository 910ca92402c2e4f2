using Bot.Host.Operators;

namespace Bot.Tests.Host.Operators;

public class TicketStatisticsTests
{
    [Fact]
    public void A_lone_small_count_takes_the_next_smallest_with_it_so_it_cannot_be_worked_out_by_subtraction()
    {
        Assert.Equal([("no", "hidden"), ("yes", "<3"), ("unknown", "12")],
            TicketStatistics.SuppressDimension([("no", 7), ("yes", 1), ("unknown", 12)]));
    }

    [Fact]
    public void Two_small_counts_hide_each_other_and_large_counts_are_shown()
    {
        Assert.Equal([("Hotline", "<3"), ("Police", "<3"), ("Guardianship", "40")],
            TicketStatistics.SuppressDimension([("Hotline", 2), ("Police", 1), ("Guardianship", 40)]));
        Assert.Equal([("Hotline", "3"), ("Police", "40")], TicketStatistics.SuppressDimension([("Hotline", 3), ("Police", 40)]));
    }

    [Fact]
    public void Times_are_the_nearest_rank_percentiles()
    {
        double[] minutes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        Assert.Equal((5, 9), (TicketStatistics.Percentile(minutes, 0.5), TicketStatistics.Percentile(minutes, 0.9)));
    }
}
