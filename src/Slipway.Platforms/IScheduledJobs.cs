using Slipway.Configuration;

namespace Slipway.Platforms;

/// <summary>A platform that runs the manifest's <c>jobs:</c> on their schedules, without the CLI, in the serving release's image.</summary>
public interface IScheduledJobs
{
    /// <summary>Each job: its schedule, next time and last run.</summary>
    Task<IReadOnlyList<JobStatus>> JobsAsync(AppManifest app, CancellationToken ct);

    /// <summary>Runs a job now, streaming its output; returns its exit code.</summary>
    Task<int> RunJobAsync(AppManifest app, string name, Action<string> onLine, CancellationToken ct);

    /// <summary>The output of a job's kept runs, each line named by its run.</summary>
    Task StreamJobLogsAsync(AppManifest app, string name, LogQuery query, Action<LogLine> onLine, CancellationToken ct);
}

/// <param name="Next">When it runs next; null: not deployed (or never again).</param>
/// <param name="Version">The release its runs use; null: not deployed.</param>
public sealed record JobStatus(string Name, string Schedule, string TimeZone, DateTimeOffset? Next, string? Version, JobRunStatus? Last);

/// <param name="Trigger">schedule, catch-up or manual.</param>
/// <param name="Result">running, succeeded, failed (exit N) or timed out.</param>
public sealed record JobRunStatus(string Run, string Trigger, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, string Result, int? ExitCode)
{
    public TimeSpan? Duration => StartedAt is { } started && FinishedAt is { } finished ? finished - started : null;
    public bool Failed => Result.StartsWith("failed", StringComparison.Ordinal) || Result == "timed out";
}
