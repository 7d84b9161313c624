using Slipway.Configuration;
using Slipway.Platforms.History;
using Slipway.Foundation.Output;
using Slipway.Platforms;

namespace Slipway.Pipeline;

/// <summary>Removes everything an app owns on a platform; safe to run again.</summary>
public sealed class DestroyPipeline(IPlatform platform, DeployLockTaker lockTaker, ReleaseHistory history, Reporter reporter)
{
    /// <summary>One recorded destroy; an unreadable history is a warning here, never a reason to keep what the user wants gone.</summary>
    /// <param name="removeVolumes">Remove the app's volumes and their data too; otherwise they are kept, and said so.</param>
    public Task<DestroyReport> RunAsync(AppManifest app, CancellationToken ct, bool removeVolumes = false) =>
        history.RecordAsync(app.App, app.Environment.Name, platform.Name, "destroy", () => RunRecordedAsync(app, removeVolumes, ct),
            r => (r.Problems.Count == 0 ? "succeeded" : "incomplete", null, null), ct,
            whenUnreadable: problem => reporter.Line($"warning: {problem}"));

    private async Task<DestroyReport> RunRecordedAsync(AppManifest app, bool removeVolumes, CancellationToken ct)
    {
        await using var held = await lockTaker.AcquireAsync(app.App, ct);
        var report = await reporter.StageAsync("destroy", async log =>
        {
            var done = await platform.DestroyAsync(app, log, ct);
            if (removeVolumes && platform is IAppData data && done.Problems.Count == 0)
                done = done with { Removed = [.. done.Removed, .. await data.RemoveVolumesAsync(app, log, ct)], Kept = [] };
            foreach (var item in done.Removed) log.Info($"removed {item}");
            foreach (var item in done.Kept) log.Info($"kept {item}: slipway destroy --volumes removes it");
            foreach (var problem in done.Problems) log.Warn(problem);
            return StageOutcome.Done(done, done.Removed.Count == 0 ? "nothing was left to remove" : $"removed {done.Removed.Count} object(s)");
        });
        if (report.Problems.Count == 0) await held.ForgetAsync(ct);
        return report;
    }
}
