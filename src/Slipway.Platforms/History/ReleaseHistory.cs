using Slipway.Foundation;
using Slipway.Foundation.Redaction;
using Slipway.Foundation.Timing;

namespace Slipway.Platforms.History;

/// <summary>A run as it finished, for whoever is told of it; <paramref name="Error"/> is already redacted.</summary>
public sealed record CompletedRun(string App, string Environment, string Platform, string Action, string Result, string? Version,
    string? PreviousVersion, TimeSpan Duration, string? Error, ErrorCode? Code);

/// <summary>
/// The audit trail of every deploy, rollback and destroy, failed ones included. A run is recorded as started
/// first and completed after, so a killed run shows as "interrupted" rather than vanishing.
/// </summary>
/// <param name="completed">Told of each finished run (after it is recorded), e.g. to notify a webhook; must not throw.</param>
public sealed class ReleaseHistory(IReleaseLog log, TimeProvider time, Redactor? redactor = null, Func<CompletedRun, Task>? completed = null)
{
    private readonly Redactor _redactor = redactor ?? new Redactor();

    /// <summary>Records a run as started (result "interrupted" until it completes); returns its id.</summary>
    public Task<long> StartAsync(string app, string environment, string platform, string action, CancellationToken ct) =>
        log.StartAsync(new RunStart(app, environment, platform, action, time.GetUtcNow(), System.Environment.UserName,
            System.Environment.MachineName), ct);

    /// <summary>Newest first.</summary>
    public Task<IReadOnlyList<ReleaseRecord>> ListAsync(string app, string environment, int limit, CancellationToken ct) =>
        log.ListAsync(app, environment, limit, ct);

    /// <summary>Runs <paramref name="work"/> as one recorded run: succeeded with its versions, or failed with the error's first line.</summary>
    /// <param name="whenUnreadable">
    /// For work that must not depend on the history (destroy): told why the history cannot be written, and the
    /// work runs unrecorded. Without it, an unreadable history stops the run before anything changes.
    /// </param>
    public async Task<T> RecordAsync<T>(string app, string environment, string platform, string action,
        Func<Task<T>> work, Func<T, (string Result, string? Version, string? Previous)> describe, CancellationToken ct,
        Action<string>? whenUnreadable = null)
    {
        long? id;
        try
        {
            id = await StartAsync(app, environment, platform, action, ct);
        }
        catch (Exception e) when (whenUnreadable is not null && e is not OperationCanceledException)
        {
            whenUnreadable($"the release history {log.Location} cannot be written ({e.Message.Split('\n')[0]}): this {action} is not recorded");
            id = null;
        }
        var started = time.GetTimestamp();
        CompletedRun Run(string result, string? version, string? previous, string? error, ErrorCode? code) =>
            new(app, environment, platform, action, result, version, previous, time.GetElapsedTime(started), error, code);
        try
        {
            var value = await work();
            var (result, version, previous) = describe(value);
            if (id is { } row) await log.CompleteAsync(row, new RunEnd(result, version, previous, null, time.GetUtcNow()), CancellationToken.None);
            if (completed is not null) await completed(Run(result, version, previous, null, null));
            return value;
        }
        catch (Exception e)
        {
            var (result, error) = (e is OperationCanceledException ? "cancelled" : "failed", _redactor.Redact(e.Message.Split('\n')[0].Trim()));
            // Recorded even when the run was cancelled: its own token is spent, and the record must still be written.
            if (id is { } row) await log.CompleteAsync(row, new RunEnd(result, null, null, error, time.GetUtcNow()), CancellationToken.None);
            if (completed is not null) await completed(Run(result, null, null, error, (e as SlipwayException)?.Code));
            throw;
        }
    }
}
