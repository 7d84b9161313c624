using System.Globalization;
using Slipway.Foundation.Timing;

namespace Slipway.Edge.Contract;

/// <summary>
/// Scheduled jobs as the engine holds them, shared by the CLI (which writes them at each deploy) and the scheduler (which runs
/// them): a job is a created, never started <b>template</b> container of the serving release (its image, env, secrets, network,
/// volumes) labelled with its schedule; each run is a clone of it labelled with the time it was due. The engine is the only state.
/// </summary>
public static class JobLabels
{
    public const string App = "slipway.job.app";
    public const string Job = "slipway.job";
    public const string Template = "slipway.job.template";
    public const string Run = "slipway.job.run";
    public const string Schedule = "slipway.job.schedule";
    public const string TimeZone = "slipway.job.tz";
    public const string TimeoutSeconds = "slipway.job.timeout";
    public const string Concurrency = "slipway.job.concurrency";
    public const string DeadlineSeconds = "slipway.job.deadline";
    /// <summary>Which scheduler runs it (one per edge: two state directories on one engine never run a job twice).</summary>
    public const string Site = "slipway.job.site";
    /// <summary>When the job was first deployed (kept across deploys): no run is due before it.</summary>
    public const string Since = "slipway.job.since";
    /// <summary>On a run: the time it was due (ISO 8601, UTC); a run by hand: when it was asked for.</summary>
    public const string Due = "slipway.job.due";
    /// <summary>On a run: when it was started (its timeout counts from here).</summary>
    public const string Started = "slipway.job.started";
    /// <summary>
    /// On a template: a file of its own (absolute path) copied into each run before it starts. A run is made of the template's
    /// configuration, not its files, so an app's job never sees what the scheduler keeps there; a job Slipway runs itself (the
    /// scheduled backup) gets its plan this way.
    /// </summary>
    public const string CarriedFile = "slipway.job.carries";
    /// <summary>On a run: schedule, catch-up (a run missed while the machine was off) or manual.</summary>
    public const string Trigger = "slipway.job.trigger";

    /// <summary>The container name of an app's job template.</summary>
    public static string TemplateName(string app, string job) => $"{app}.job.{job}";

    /// <summary>A run's container name: the template's, with the due time and a few random characters.</summary>
    public static string RunName(string app, string job, DateTimeOffset due) =>
        $"{TemplateName(app, job)}.{due.UtcDateTime:yyyyMMdd'T'HHmmss}-{Guid.NewGuid().ToString("N")[..4]}";

    /// <summary>What a scheduler reads its site's name from.</summary>
    public const string SiteVariable = "SLIPWAY_SCHEDULER_SITE";

    public static IReadOnlyDictionary<string, string> TemplatesOfSite(string site) =>
        new Dictionary<string, string> { [Site] = site, [Template] = "1" };

    public static IReadOnlyDictionary<string, string> TemplatesOf(string app) =>
        new Dictionary<string, string> { [App] = app, [Template] = "1" };

    public static IReadOnlyDictionary<string, string> RunsOf(string app, string job) =>
        new Dictionary<string, string> { [App] = app, [Job] = job, [Run] = "1" };

    /// <summary>A run's labels: its template's, marked as a run with the time it was due and why it started.</summary>
    public static IReadOnlyDictionary<string, string> ForRun(IReadOnlyDictionary<string, string> template, DateTimeOffset due, string trigger,
        DateTimeOffset started)
    {
        var labels = new Dictionary<string, string>(template) { [Run] = "1", [Due] = Format(due), [Trigger] = trigger, [Started] = Format(started) };
        labels.Remove(Template);
        return labels;
    }

    public static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset? ParseTime(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;
}

/// <summary>What to do when a job's time comes while a run of it still goes on.</summary>
public static class JobConcurrencies
{
    public const string Forbid = "forbid";
    public const string Allow = "allow";
    public const string Replace = "replace";
}

/// <summary>One job as its template's labels describe it.</summary>
public sealed record JobDefinition(string App, string Name, CronSchedule Schedule, TimeSpan Timeout, string Concurrency, TimeSpan? StartingDeadline,
    DateTimeOffset Since)
{
    /// <summary>The job a template's labels describe; null when they do not (a template from another version of Slipway).</summary>
    public static JobDefinition? FromLabels(IReadOnlyDictionary<string, string> labels)
    {
        if (!labels.TryGetValue(JobLabels.App, out var app) || !labels.TryGetValue(JobLabels.Job, out var name)
            || !labels.TryGetValue(JobLabels.Schedule, out var expression) || !TimeZoneInfo.TryFindSystemTimeZoneById(labels.GetValueOrDefault(JobLabels.TimeZone, "UTC"), out var zone)
            || CronSchedule.TryParse(expression, zone, out _) is not { } schedule
            || !int.TryParse(labels.GetValueOrDefault(JobLabels.TimeoutSeconds), out var timeout)
            || JobLabels.ParseTime(labels.GetValueOrDefault(JobLabels.Since)) is not { } since)
            return null;
        TimeSpan? deadline = int.TryParse(labels.GetValueOrDefault(JobLabels.DeadlineSeconds), out var seconds) ? TimeSpan.FromSeconds(seconds) : null;
        return new JobDefinition(app, name, schedule, TimeSpan.FromSeconds(timeout), labels.GetValueOrDefault(JobLabels.Concurrency, JobConcurrencies.Forbid),
            deadline, since);
    }

    public IReadOnlyDictionary<string, string> ToLabels() => new Dictionary<string, string>
    {
        [JobLabels.App] = App, [JobLabels.Job] = Name, [JobLabels.Template] = "1", [JobLabels.Schedule] = Schedule.Expression,
        [JobLabels.TimeZone] = Schedule.TimeZone.Id, [JobLabels.TimeoutSeconds] = ((int)Timeout.TotalSeconds).ToString(CultureInfo.InvariantCulture),
        [JobLabels.Concurrency] = Concurrency, [JobLabels.Since] = JobLabels.Format(Since),
        [JobLabels.DeadlineSeconds] = StartingDeadline is { } deadline ? ((int)deadline.TotalSeconds).ToString(CultureInfo.InvariantCulture) : "",
    };
}
