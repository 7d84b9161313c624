using Slipway.Edge.Contract;

namespace Slipway.Edge;

public enum JobAction { Wait, Run, Skip }

/// <param name="Due">The time the run is for (a run or a skip); null when waiting.</param>
/// <param name="Trigger"><c>schedule</c>, or <c>catch-up</c> for a run missed while nothing could start it.</param>
/// <param name="ConsideredUpTo">Every due time up to this one has been decided.</param>
public sealed record JobDecision(JobAction Action, DateTimeOffset? Due, string? Trigger, DateTimeOffset ConsideredUpTo, string? Why = null);

/// <summary>
/// Whether a job runs now, as pure logic over its schedule and times: a time that came within <see cref="Grace"/> runs on schedule;
/// one missed longer ago (the machine was off) runs once if the job's startingDeadline still allows it, the latest of several
/// only, and is skipped otherwise; a run while the last still goes on follows the job's concurrency.
/// </summary>
public static class JobPlanner
{
    /// <summary>How late a scheduled run may start and still count as on time (the scheduler wakes at each due time, give or take).</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromMinutes(2);

    public static JobDecision Decide(JobDefinition job, DateTimeOffset consideredUpTo, DateTimeOffset now, bool running)
    {
        var from = consideredUpTo > job.Since ? consideredUpTo : job.Since;
        if (job.Schedule.Next(from) is not { } first || first > now) return new JobDecision(JobAction.Wait, null, null, from);
        var lookback = job.StartingDeadline is { } deadline && deadline > Grace ? deadline : Grace;
        var windowStart = now - lookback > from ? now - lookback : from;
        var latest = job.Schedule.Between(windowStart, now, limit: 20_000).LastOrDefault();
        if (latest == default)
            return new JobDecision(JobAction.Skip, first, null, now, $"missed at {JobLabels.Format(first)} while nothing could start it, "
                + (job.StartingDeadline is null ? "and it has no startingDeadline" : "longer ago than its startingDeadline"));
        var trigger = now - latest <= Grace ? "schedule" : "catch-up";
        if (trigger == "catch-up" && job.StartingDeadline is { } allowed && now - latest > allowed)
            return new JobDecision(JobAction.Skip, latest, null, now, "missed longer ago than its startingDeadline");
        if (running && job.Concurrency == JobConcurrencies.Forbid)
            return new JobDecision(JobAction.Skip, latest, null, now, "its last run still goes on (concurrency: forbid)");
        return new JobDecision(JobAction.Run, latest, trigger, now);
    }

    /// <summary>When a decision could next change: the job's next due time after what was considered.</summary>
    public static DateTimeOffset? NextWake(JobDefinition job, DateTimeOffset consideredUpTo) =>
        job.Schedule.Next(consideredUpTo > job.Since ? consideredUpTo : job.Since);
}
