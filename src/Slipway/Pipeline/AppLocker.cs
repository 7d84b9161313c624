using Slipway.Common;
using Slipway.Output;

namespace Slipway.Pipeline;

/// <summary>Takes an app's lock for one pipeline run, waiting with a message or failing fast (<c>--no-wait</c>).</summary>
public sealed class AppLocker(IDeployLock appLock, bool wait, Reporter reporter)
{
    public Task<IDeployLease> AcquireAsync(string app, CancellationToken ct) =>
        appLock.AcquireAsync(wait,
            holder => reporter.Line($"waiting for another slipway run on {app} to finish ({holder?.ToString() ?? "holder unknown"})..."),
            stale => reporter.Line($"note: the previous run on {app} ({stale}) was interrupted; its lock was released"), ct);
}
