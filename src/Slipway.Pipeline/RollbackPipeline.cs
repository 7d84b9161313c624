using Slipway.Configuration;
using Slipway.Platforms.History;
using Slipway.Foundation.Output;
using Slipway.Platforms;

namespace Slipway.Pipeline;

public sealed record RollbackResult(string App, string Version, string? PreviousVersion, Uri Url, string? ServingVersion);

/// <summary>Back to the previous (or a named) release, with the same health-gated cut-over as a deploy and no build.</summary>
public sealed class RollbackPipeline(IPlatform platform, DeployLockTaker lockTaker, ReleaseHistory history, Reporter reporter, TimeProvider time)
{
    /// <summary>
    /// One recorded rollback. Without a version, the target is the newest release that served before (from the
    /// release history, shared by every machine on aws) and is still available.
    /// </summary>
    public Task<RollbackResult> RunAsync(AppManifest app, string? version, bool check, CancellationToken ct) =>
        history.RecordAsync(app.App, app.Environment.Name, platform.Name, "rollback", () => RunRecordedAsync(app, version, check, ct),
            r => ("succeeded", r.Version, r.PreviousVersion), ct);

    private async Task<RollbackResult> RunRecordedAsync(AppManifest app, string? version, bool check, CancellationToken ct)
    {
        await using var held = await lockTaker.AcquireAsync(app.App, ct);
        var recent = RollbackTarget.Served(await history.ListAsync(app.App, app.Environment.Name, 100, ct));
        var stages = new Stages(platform, new HookRunner(time), reporter, time);
        var status = await platform.GetStatusAsync(app, ct);
        var available = await platform.AvailableVersionsAsync(app, ct);
        var target = RollbackTarget.Choose(app.App, version, recent, available, status.Version);

        await stages.InfrastructureAsync(app, ct);
        if (app.Release is { } release)
            reporter.Line($"– release command skipped: {ReleaseCommand.Describe(release)} ran when {target} was first deployed, a rollback runs no release phase");
        var rollout = await stages.DeployAsync(app, target, status.Version, ct);
        var serving = check ? await stages.CheckAsync(app, status.Url, ct) : null;
        return new RollbackResult(app.App, target, rollout.PreviousVersion, status.Url, serving);
    }
}
