using System.Globalization;

namespace Slipway.Foundation.Timing;

/// <summary>
/// A five-field cron expression (minute hour day-of-month month day-of-week) in a time zone, as Vixie cron reads it: <c>*</c>,
/// lists, ranges, steps (<c>*/15</c>, <c>1-5/2</c>), month and day names, 0 or 7 for Sunday, the macros <c>@hourly</c>,
/// <c>@daily</c>, <c>@weekly</c>, <c>@monthly</c>, <c>@yearly</c>; when both day fields are restricted a day matching either runs.
/// Local times a daylight-saving change skips are not run; a repeated hour runs once, at its first occurrence.
/// </summary>
public sealed record CronSchedule
{
    private readonly ulong _minutes;
    private readonly uint _hours;
    private readonly uint _days;
    private readonly ushort _months;
    private readonly byte _weekdays;
    private readonly bool _daysRestricted;
    private readonly bool _weekdaysRestricted;

    public string Expression { get; }
    public TimeZoneInfo TimeZone { get; }

    /// <summary>The values each field selects, for rendering the schedule in another scheduler's syntax; weekdays 0 (Sunday) to 6.</summary>
    public IReadOnlyList<int> Minutes => Bits(_minutes, 0, 59);
    public IReadOnlyList<int> Hours => Bits(_hours, 0, 23);
    public IReadOnlyList<int> Days => Bits(_days, 1, 31);
    public IReadOnlyList<int> Months => Bits(_months, 1, 12);
    public IReadOnlyList<int> Weekdays => Bits(_weekdays, 0, 6);
    /// <summary>Whether the day-of-month field restricts the days (not <c>*</c>); with both restricted a day matching either runs.</summary>
    public bool DaysRestricted => _daysRestricted;
    public bool WeekdaysRestricted => _weekdaysRestricted;

    private static List<int> Bits(ulong bits, int low, int high) => Enumerable.Range(low, high - low + 1).Where(v => (bits & (1UL << v)) != 0).ToList();

    private CronSchedule(string expression, TimeZoneInfo zone, ulong minutes, uint hours, uint days, ushort months, byte weekdays,
        bool daysRestricted, bool weekdaysRestricted)
    {
        Expression = expression;
        TimeZone = zone;
        _minutes = minutes;
        _hours = hours;
        _days = days;
        _months = months;
        _weekdays = weekdays;
        _daysRestricted = daysRestricted;
        _weekdaysRestricted = weekdaysRestricted;
    }

    private static readonly Dictionary<string, string> Macros = new(StringComparer.OrdinalIgnoreCase)
    {
        ["@hourly"] = "0 * * * *", ["@daily"] = "0 0 * * *", ["@midnight"] = "0 0 * * *", ["@weekly"] = "0 0 * * 0",
        ["@monthly"] = "0 0 1 * *", ["@yearly"] = "0 0 1 1 *", ["@annually"] = "0 0 1 1 *",
    };

    private static readonly string[] MonthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    private static readonly string[] DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    /// <summary>The schedule, or null with the reason (naming the field) when the expression is not one.</summary>
    public static CronSchedule? TryParse(string expression, TimeZoneInfo zone, out string? problem)
    {
        var text = expression.Trim();
        var fields = (Macros.TryGetValue(text, out var macro) ? macro : text).Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5)
        {
            problem = $"has {fields.Length} field(s), not 5 (minute hour day-of-month month day-of-week)";
            return null;
        }
        problem = null;
        var minutes = Field(fields[0], "minute", 0, 59, null, ref problem);
        var hours = Field(fields[1], "hour", 0, 23, null, ref problem);
        var days = Field(fields[2], "day-of-month", 1, 31, null, ref problem);
        var months = Field(fields[3], "month", 1, 12, MonthNames, ref problem);
        var weekdays = Field(fields[4], "day-of-week", 0, 7, DayNames, ref problem);
        if (problem is not null) return null;
        if ((weekdays & (1UL << 7)) != 0) weekdays = (weekdays | 1) & 0x7F; // 7 is Sunday too
        if (days == 0 || months == 0 || weekdays == 0 || minutes == 0 || hours == 0)
        {
            problem = "selects no time at all";
            return null;
        }
        return new CronSchedule(text, zone, minutes, (uint)hours, (uint)days, (ushort)months, (byte)weekdays,
            !fields[2].StartsWith('*'), !fields[4].StartsWith('*'));
    }

    private static ulong Field(string text, string name, int min, int max, string[]? names, ref string? problem)
    {
        if (problem is not null) return 0;
        ulong bits = 0;
        foreach (var part in text.Split(','))
        {
            var (range, stepText) = part.Split('/') switch
            {
                [var r] => (r, null),
                [var r, var s] => (r, s),
                _ => ("", null),
            };
            var step = 1;
            if (stepText is not null && (!int.TryParse(stepText, NumberStyles.None, CultureInfo.InvariantCulture, out step) || step < 1 || step > max))
            {
                problem = $"{name}: \"{part}\" has a step that is not 1 to {max}";
                return 0;
            }
            int low, high;
            if (range == "*")
                (low, high) = (min, max == 7 ? 6 : max);
            else if (range.Split('-') is [var a, var b] && Value(a, min, max, names) is { } from && Value(b, min, max, names) is { } to && from <= to)
                (low, high) = (from, to);
            else if (Value(range, min, max, names) is { } single)
                (low, high) = (single, stepText is null ? single : (max == 7 ? 6 : max));
            else
            {
                problem = $"{name}: \"{part}\" is not a value from {min} to {max}{(names is null ? "" : $" or a name ({names[0]}, {names[1]}...)")}, a range or a step";
                return 0;
            }
            for (var value = low; value <= high; value += step) bits |= 1UL << value;
        }
        return bits;
    }

    private static int? Value(string text, int min, int max, string[]? names)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number)) return number >= min && number <= max ? number : null;
        var index = names is null ? -1 : Array.IndexOf(names, text.ToLowerInvariant());
        return index < 0 ? null : index + min;
    }

    private bool DayMatches(DateTime day)
    {
        if ((_months & (1 << day.Month)) == 0) return false;
        var dom = (_days & (1u << day.Day)) != 0;
        var dow = (_weekdays & (1 << (int)day.DayOfWeek)) != 0;
        return _daysRestricted && _weekdaysRestricted ? dom || dow : dom && dow;
    }

    /// <summary>The first time strictly after <paramref name="after"/> the schedule fires; null when none within five years (30 February).</summary>
    public DateTimeOffset? Next(DateTimeOffset after)
    {
        var local = TimeZoneInfo.ConvertTime(after, TimeZone).DateTime;
        var start = new DateTime(local.Year, local.Month, local.Day, local.Hour, local.Minute, 0, DateTimeKind.Unspecified);
        for (var day = start.Date; day <= start.Date.AddYears(5); day = day.AddDays(1))
        {
            if (!DayMatches(day)) continue;
            for (var hour = 0; hour < 24; hour++)
            {
                if ((_hours & (1u << hour)) == 0) continue;
                for (var minute = 0; minute < 60; minute++)
                {
                    if ((_minutes & (1UL << minute)) == 0) continue;
                    var candidate = day.AddHours(hour).AddMinutes(minute);
                    if (candidate < start || TimeZone.IsInvalidTime(candidate)) continue;
                    var offset = TimeZone.IsAmbiguousTime(candidate) ? TimeZone.GetAmbiguousTimeOffsets(candidate).Max() : TimeZone.GetUtcOffset(candidate);
                    var at = new DateTimeOffset(candidate, offset);
                    if (at > after) return at;
                }
            }
        }
        return null;
    }

    /// <summary>Every time the schedule fired in (<paramref name="after"/>, <paramref name="until"/>], oldest first, at most <paramref name="limit"/>.</summary>
    public IReadOnlyList<DateTimeOffset> Between(DateTimeOffset after, DateTimeOffset until, int limit = 1000)
    {
        var times = new List<DateTimeOffset>();
        for (var next = Next(after); next is { } at && at <= until && times.Count < limit; next = Next(at)) times.Add(at);
        return times;
    }

    public override string ToString() => $"{Expression} ({TimeZone.Id})";
}
