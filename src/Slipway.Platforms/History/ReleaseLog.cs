namespace Slipway.Platforms.History;

/// <summary>One deploy, rollback or destroy, as <c>slipway releases</c> shows it.</summary>
public sealed record ReleaseRecord(long Id, string App, string Environment, string Platform, string Action, string? Version,
    string? PreviousVersion, DateTimeOffset StartedAt, TimeSpan? Duration, string Result, string? Error, string User, string Host);

/// <summary>A run as it starts: recorded as "interrupted" until it completes, so a killed run never vanishes.</summary>
public sealed record RunStart(string App, string Environment, string Platform, string Action, DateTimeOffset StartedAt, string User, string Host);

/// <summary>How a run ended; <paramref name="Error"/> is already redacted.</summary>
public sealed record RunEnd(string Result, string? Version, string? PreviousVersion, string? Error, DateTimeOffset FinishedAt);

/// <summary>
/// Where runs are recorded: a SQLite file in the state directory for local environments, a table every machine
/// shares for cloud ones, so <c>releases</c> and <c>rollback</c> see every machine's deploys.
/// </summary>
public interface IReleaseLog
{
    /// <summary>Where the records are, for messages (a file path, a table name).</summary>
    string Location { get; }

    /// <summary>Records a run as started; returns its id.</summary>
    Task<long> StartAsync(RunStart run, CancellationToken ct);

    Task CompleteAsync(long id, RunEnd end, CancellationToken ct);

    /// <summary>The runs of an app, newest first.</summary>
    Task<IReadOnlyList<ReleaseRecord>> ListAsync(string app, string environment, int limit, CancellationToken ct);
}
