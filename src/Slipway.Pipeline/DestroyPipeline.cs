using Slipway.Configuration;
using Slipway.Platforms.History;
using Slipway.Foundation.Output;
using Slipway.Platforms;

namespace Slipway.Pipeline;

/// <summary>Removes everything an app owns on a platform; safe to run again.</summary>
public sealed class DestroyPipeline(IPlatform platform, DeployLockTaker lockTaker, ReleaseHistory history, Reporter reporter)
{
    /// <summary>One recorded destroy; an unreadable history is a warning here, never a reason to keep what the user wants gone.</summary>
    public Task<DestroyReport> RunAsync(AppManifest app, CancellationToken ct) =>
        history.RecordAsync(app.App, app.Environment.Name, platform.Name, "destroy", () => RunRecordedAsync(app, ct),
            r => (r.Problems.Count == 0 ? "succeeded" : "incomplete", null, null), ct,
            whenUnreadable: problem => reporter.Line($"warning: {problem}"));

    private async Task<DestroyReport> RunRecordedAsync(AppManifest app, CancellationToken ct)
    {
        await using var held = await lockTaker.AcquireAsync(app.App, ct);
        var report = await reporter.StageAsync("destroy", async log =>
        {
            var done = await platform.DestroyAsync(app, log, ct);
            foreach (var item in done.Removed) log.Info($"removed {item}");
            foreach (var problem in done.Problems) log.Warn(problem);
            return StageOutcome.Done(done, done.Removed.Count == 0 ? "nothing was left to remove" : $"removed {done.Removed.Count} object(s)");
        });
        if (report.Problems.Count == 0) await held.ForgetAsync(ct);
        return report;
    }
}
