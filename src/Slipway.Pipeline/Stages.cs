using Slipway.Foundation;
using Slipway.Foundation.Timing;
using Slipway.Configuration;
using Slipway.Foundation.Output;
using Slipway.Platforms;

namespace Slipway.Pipeline;

/// <summary>The stages shared by the pipelines (up, rollback), each one reported line per stage.</summary>
public sealed class Stages(IPlatform platform, HookRunner hooks, Reporter reporter, TimeProvider time)
{
    public Task InfrastructureAsync(AppManifest app, CancellationToken ct) =>
        reporter.StageAsync("infrastructure", async log =>
        {
            var summary = await platform.EnsureInfrastructureAsync(app, log, ct);
            var leftovers = await platform.RemoveLeftoversAsync(app, log, ct);
            if (leftovers > 0) summary += $"; removed {leftovers} leftover replica(s) of an interrupted run";
            return StageOutcome.Done(true, summary);
        });

    /// <param name="canary">Share the requests with the serving release and judge this one first (a platform that is <see cref="ICanaryReleases"/>).</param>
    public Task<RolloutReport> DeployAsync(AppManifest app, string version, string? previous, CancellationToken ct, CanaryPlan? canary = null) =>
        reporter.StageAsync("deploy", async log =>
        {
            Task BeforeCutover(CancellationToken token) => hooks.RunAsync(app, "preCutover", app.Hooks.PreCutover, version, previous, log, token);
            var rollout = canary is not null && platform is ICanaryReleases canaries
                ? await canaries.RollOutCanaryAsync(app, version, canary, log, BeforeCutover, ct)
                : await platform.RollOutAsync(app, version, log, BeforeCutover, ct);
            await hooks.RunAsync(app, "postDeploy", app.Hooks.PostDeploy, version, rollout.PreviousVersion, log, ct);
            if (rollout.DrainTimedOut)
                log.Warn($"some requests to the old release were still running after the drain period ({Duration.Format(app.Drain)})");
            return StageOutcome.Done(rollout,
                $"{rollout.Version} serving on {rollout.Replicas} replica(s) (was {rollout.PreviousVersion ?? "nothing"})");
        });

    /// <summary>GET the public URL until it answers 200; returns the version that answered.</summary>
    public Task<string?> CheckAsync(AppManifest app, Uri url, CancellationToken ct) =>
        reporter.StageAsync("check", async _ =>
        {
            var result = await new HttpCheck(time, platform.VersionHeader).RunAsync(url, platform.PublicAddress, app.Check.Tries, app.Check.Interval, ct)
                ?? throw new SlipwayException(ErrorCode.CheckFailed,
                    $"{url} did not answer HTTP 200 after {app.Check.Tries} tries, {Duration.Format(app.Check.Interval)} apart",
                    "see the app's logs; the release itself passed its health check");
            return StageOutcome.Done(result.ServingVersion,
                $"{url} answered 200 (version {result.ServingVersion ?? "unknown"}, try {result.Attempts})");
        });
}

/// <summary>How a release command is shown: the string given, or the words of the list.</summary>
public static class ReleaseCommand
{
    public static string Describe(ReleaseSpec release) =>
        release.Command is ["sh", "-c", var text] ? text : string.Join(' ', release.Command);
}
