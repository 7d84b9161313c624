using Slipway.Common;
using Slipway.Output;

namespace Slipway.Pipeline;

/// <summary>Takes an app's lock for one pipeline run, waiting with a message or failing fast (<c>--no-wait</c>).</summary>
public sealed class AppLocker(StateDirectory state, string environment, bool wait, Reporter reporter)
{
    public Task<AppLock> AcquireAsync(string app, CancellationToken ct) =>
        AppLock.AcquireAsync(state, app, environment, wait,
            holder => reporter.Line($"waiting for another slipway run on {app} to finish ({holder?.ToString() ?? "holder unknown"})..."), ct,
            stale => reporter.Line($"note: the previous run on {app} ({stale}) was interrupted; its lock was released with its process"));
}
