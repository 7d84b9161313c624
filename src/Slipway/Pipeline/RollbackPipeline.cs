using Slipway.Common;
using Slipway.Configuration;
using Slipway.Output;
using Slipway.Platforms;

namespace Slipway.Pipeline;

public sealed record RollbackResult(string App, string Version, string? PreviousVersion, Uri Url, string? ServingVersion);

/// <summary>Back to the previous (or a named) release, with the same health-gated cut-over as a deploy and no build.</summary>
public sealed class RollbackPipeline(IPlatform platform, AppLocker locker, Reporter reporter, TimeProvider time)
{
    /// <param name="recent">Versions that served, newest first (from the release history): the default target is the newest of them still available.</param>
    public async Task<RollbackResult> RunAsync(AppManifest app, string? version, IReadOnlyList<string> recent, bool check, CancellationToken ct)
    {
        await using var appLock = await locker.AcquireAsync(app.App, ct);
        var stages = new Stages(platform, reporter, time);
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
