using Slipway.Foundation.Timing;

namespace Slipway.Platforms.Aws;

/// <summary>
/// A five-field cron schedule as EventBridge Scheduler's <c>cron(minutes hours day-of-month month day-of-week year)</c>
/// (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based): written from the values the schedule
/// selects, as lists and ranges (which AWS takes in every field), with day names for the weekdays (AWS numbers them 1-7 from
/// Sunday, cron 0-6), and <c>?</c> in whichever day field is not restricted, as AWS requires one of them to be.
/// </summary>
public static class AwsCron
{
    private static readonly string[] DayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    /// <summary>The expression; null with the reason when AWS cannot say it (both day fields restricted: cron runs a day matching either).</summary>
    public static string? From(CronSchedule schedule, out string? problem)
    {
        problem = null;
        if (schedule.DaysRestricted && schedule.WeekdaysRestricted)
        {
            problem = "restricts both the day of month and the day of week, and EventBridge Scheduler cannot run a day matching either";
            return null;
        }
        var days = schedule.DaysRestricted ? List(schedule.Days, 1, 31, v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)) : "*";
        var weekdays = schedule.WeekdaysRestricted ? List(schedule.Weekdays, 0, 6, v => DayNames[v]) : "?";
        if (!schedule.WeekdaysRestricted && days == "*") weekdays = "?";
        else if (schedule.WeekdaysRestricted) days = "?";
        return $"cron({List(schedule.Minutes, 0, 59, Number)} {List(schedule.Hours, 0, 23, Number)} {days} {List(schedule.Months, 1, 12, Number)} {weekdays} *)";
    }

    private static string Number(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary><c>*</c> for every value, else runs of three or more as ranges (1-5) and the rest listed (0,15,30).</summary>
    private static string List(IReadOnlyList<int> values, int low, int high, Func<int, string> name)
    {
        if (values.Count == high - low + 1) return "*";
        var parts = new List<string>();
        for (var i = 0; i < values.Count;)
        {
            var j = i;
            while (j + 1 < values.Count && values[j + 1] == values[j] + 1) j++;
            if (j - i >= 2) parts.Add($"{name(values[i])}-{name(values[j])}");
            else for (var k = i; k <= j; k++) parts.Add(name(values[k]));
            i = j + 1;
        }
        return string.Join(',', parts);
    }
}
