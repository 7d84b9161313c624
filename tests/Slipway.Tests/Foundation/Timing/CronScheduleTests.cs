using Slipway.Foundation.Timing;

namespace Slipway.Tests.Foundation.Timing;

[Trait("Tier", "unit")]
public sealed class CronScheduleTests
{
    private static readonly TimeZoneInfo Paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");

    private static CronSchedule Parse(string expression, TimeZoneInfo? zone = null) =>
        CronSchedule.TryParse(expression, zone ?? TimeZoneInfo.Utc, out var problem) ?? throw new InvalidOperationException(problem);

    private static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text + "Z", System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("0 3 * * *", "2026-12-07T02:59:00", "2026-12-07T03:00:00")]
    [InlineData("0 3 * * *", "2026-12-07T03:00:00", "2026-12-08T03:00:00")] // strictly after
    [InlineData("*/15 * * * *", "2026-12-07T10:07:30", "2026-12-07T10:15:00")]
    [InlineData("5/20 * * * *", "2026-12-07T10:26:00", "2026-12-07T10:45:00")]
    [InlineData("0 9-17/4 * * mon-fri", "2026-12-05T12:00:00", "2026-12-07T09:00:00")] // Saturday to Monday
    [InlineData("0 0 1 jan *", "2026-12-07T00:00:00", "2027-01-01T00:00:00")]
    [InlineData("@weekly", "2026-12-07T00:00:00", "2026-12-13T00:00:00")] // Sunday
    [InlineData("0 0 * * 7", "2026-12-07T00:00:00", "2026-12-13T00:00:00")] // 7 is Sunday too
    [InlineData("0 12 13 * fri", "2026-12-07T00:00:00", "2026-12-11T12:00:00")] // both days restricted: either
    [InlineData("0 0 29 2 *", "2026-03-01T00:00:00", "2028-02-29T00:00:00")]
    public void The_next_time_is_the_first_match_strictly_after(string expression, string after, string expected) =>
        Assert.Equal(Utc(expected), Parse(expression).Next(Utc(after)));

    [Fact]
    public void A_time_zone_moves_the_times_and_a_daylight_saving_change_neither_skips_a_day_nor_runs_twice()
    {
        var nightly = Parse("30 2 * * *", Paris);
        Assert.Equal(Utc("2026-12-08T01:30:00"), nightly.Next(Utc("2026-12-07T12:00:00"))); // CET, UTC+1
        // 29 March 2026: 02:00 to 03:00 does not exist in Paris; 02:30 is not run that day, and the next is the day after.
        Assert.Equal([Utc("2026-03-30T00:30:00")], nightly.Between(Utc("2026-03-28T12:00:00"), Utc("2026-03-30T12:00:00")));
        // 25 October 2026: 02:00 to 03:00 happens twice; 02:30 runs once, at the first.
        var fall = nightly.Between(Utc("2026-10-24T12:00:00"), Utc("2026-10-26T12:00:00"));
        Assert.Equal([Utc("2026-10-25T00:30:00"), Utc("2026-10-26T01:30:00")], fall);
    }

    [Fact]
    public void Between_lists_every_missed_time_oldest_first()
    {
        var hourly = Parse("@hourly");
        Assert.Equal([Utc("2026-12-07T01:00:00"), Utc("2026-12-07T02:00:00"), Utc("2026-12-07T03:00:00")],
            hourly.Between(Utc("2026-12-07T00:00:00"), Utc("2026-12-07T03:00:00")));
    }

    [Theory]
    [InlineData("0 3 * *", "has 4 field(s), not 5")]
    [InlineData("0 25 * * *", "hour: \"25\" is not a value from 0 to 23")]
    [InlineData("61 * * * *", "minute: \"61\" is not a value from 0 to 59")]
    [InlineData("* * * foo *", "month: \"foo\" is not a value from 1 to 12 or a name (jan, feb...)")]
    [InlineData("*/0 * * * *", "minute: \"*/0\" has a step that is not 1 to 59")]
    [InlineData("0 0 5-1 * *", "day-of-month: \"5-1\" is not a value")]
    [InlineData("@sometimes", "has 1 field(s), not 5")]
    public void A_bad_expression_names_its_field(string expression, string problem)
    {
        Assert.Null(CronSchedule.TryParse(expression, TimeZoneInfo.Utc, out var why));
        Assert.StartsWith(problem, why);
    }

    [Fact]
    public void An_expression_that_never_fires_has_no_next_time() => Assert.Null(Parse("0 0 30 2 *").Next(Utc("2026-01-01T00:00:00")));
}
