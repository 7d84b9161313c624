using Slipway.Foundation.Timing;
using Slipway.Platforms.Aws;

namespace Slipway.Tests.Platforms.Aws;

/// <summary>
/// Five-field cron as EventBridge Scheduler's six-field cron: the same times, AWS's weekday names, and <c>?</c> in the day
/// field left free (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based).
/// </summary>
[Trait("Tier", "unit")]
public sealed class AwsCronTests
{
    [Theory]
    [InlineData("0 3 * * *", "cron(0 3 * * ? *)")]
    [InlineData("*/10 8-18 * * 1-5", "cron(0,10,20,30,40,50 8-18 ? * MON-FRI *)")]
    [InlineData("@weekly", "cron(0 0 ? * SUN *)")]
    [InlineData("@hourly", "cron(0 * * * ? *)")]
    [InlineData("30 6 1,15 * *", "cron(30 6 1,15 * ? *)")]
    [InlineData("0 12 * * 7", "cron(0 12 ? * SUN *)")] // 7 is Sunday too
    [InlineData("0 12 * * sat,sun", "cron(0 12 ? * SUN,SAT *)")]
    [InlineData("15 2 * jan-mar *", "cron(15 2 * 1-3 ? *)")]
    [InlineData("0 0 1-31 * *", "cron(0 0 * * ? *)")]
    public void A_schedule_is_written_in_awss_syntax_with_the_same_times(string expression, string aws)
    {
        var schedule = CronSchedule.TryParse(expression, TimeZoneInfo.Utc, out _)!;

        Assert.Equal(aws, AwsCron.From(schedule, out var problem));
        Assert.Null(problem);
    }

    [Fact]
    public void A_schedule_restricting_both_day_fields_which_cron_runs_on_either_is_refused_with_the_reason()
    {
        var schedule = CronSchedule.TryParse("0 0 1 * 1", TimeZoneInfo.Utc, out _)!;

        Assert.Null(AwsCron.From(schedule, out var problem));
        Assert.Contains("both the day of month and the day of week", problem);
    }
}
