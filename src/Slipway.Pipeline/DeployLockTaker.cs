using Slipway.Platforms;
using Slipway.Foundation.Output;

namespace Slipway.Pipeline;

/// <summary>Takes an app's lock for one pipeline run, waiting with a message or failing fast (<c>--no-wait</c>).</summary>
public sealed class DeployLockTaker(IDeployLock deployLock, bool wait, Reporter reporter)
{
    /// <summary>Takes the lock; while it is held, each stage the run starts is written beside it for whoever looks.</summary>
    public async Task<IDeployLockHold> AcquireAsync(string app, CancellationToken ct)
    {
        var hold = await deployLock.AcquireAsync(wait,
            holder => reporter.Line($"waiting for another slipway run on {app} to finish ({holder?.ToString() ?? "holder unknown"})..."),
            stale => reporter.Line($"note: the previous run on {app} ({stale}) was interrupted; its lock was released"), ct);
        return new StagedLease(hold, reporter.OnStage(hold.ReportStage));
    }

    private sealed class StagedLease(IDeployLockHold hold, IDisposable stages) : IDeployLockHold
    {
        public Task ForgetAsync(CancellationToken ct) => hold.ForgetAsync(ct);
        public void ReportStage(string stage) => hold.ReportStage(stage);

        public async ValueTask DisposeAsync()
        {
            stages.Dispose();
            await hold.DisposeAsync();
        }
    }
}
