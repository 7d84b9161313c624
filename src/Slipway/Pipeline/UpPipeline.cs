using System.Net;
using Slipway.Common;
using Slipway.Configuration;
using Slipway.Output;
using Slipway.Platforms;
using Slipway.Source;

namespace Slipway.Pipeline;

public sealed record UpOptions(bool Check = true);

/// <summary>What <c>up</c> did, for people and for <c>--json</c>.</summary>
public sealed record UpResult(string App, string Platform, string Version, string? PreviousVersion, bool Changed,
    bool Built, Uri Url, string? ServingVersion);

/// <summary>
/// infrastructure → source → build → deploy → check, each skipped when already done, so a second run
/// with nothing changed returns quickly and changes nothing.
/// </summary>
public sealed class UpPipeline(IPlatform platform, SourceResolver sources, StateDirectory state, Reporter reporter, TimeProvider time)
{
    public async Task<UpResult> RunAsync(AppManifest app, UpOptions options, CancellationToken ct)
    {
        await using var appLock = await AppLock.AcquireAsync(state, app.App,
            () => reporter.Line($"waiting for another slipway run on {app.App} to finish..."), ct);

        await reporter.StageAsync("infrastructure", async log =>
            StageOutcome.Done(true, await platform.EnsureInfrastructureAsync(app, log, ct)));

        var snapshot = await reporter.StageAsync("source", async log =>
        {
            var found = await sources.ResolveAsync(app.App, app.Source, ct);
            if (found.IsDirty)
                log.Warn($"uncommitted changes in {found.ContextDirectory}: deploying them as version {found.Version}");
            return StageOutcome.Done(found, $"version {found.Version} (commit {found.Commit[..Math.Min(12, found.Commit.Length)]})");
        });

        var before = await platform.GetStatusAsync(app, ct);
        var upToDate = before.Serves(app, snapshot.Version);
        var built = false;
        if (upToDate)
        {
            reporter.Line($"– nothing to do: {app.App} {snapshot.Version} already serves on {before.Replicas.Count} healthy replica(s)");
        }
        else
        {
            built = await reporter.StageAsync("build", async log =>
                await platform.HasImageAsync(app, snapshot.Version, ct)
                    ? StageOutcome.Skip(false, $"image for {snapshot.Version} already exists")
                    : StageOutcome.Done(true, $"built {await platform.PublishImageAsync(app, snapshot, log, ct)}"));

            await reporter.StageAsync("deploy", async log =>
            {
                var rollout = await platform.RollOutAsync(app, snapshot.Version, log, ct);
                if (rollout.DrainTimedOut)
                    log.Warn($"some requests to the old release were still running after the drain period ({Duration.Format(app.Drain)})");
                return StageOutcome.Done(rollout,
                    $"{rollout.Version} serving on {rollout.Replicas} replica(s) (was {rollout.PreviousVersion ?? "nothing"})");
            });
        }

        var url = before.Url;
        string? serving = null;
        if (options.Check)
        {
            serving = await reporter.StageAsync("check", async _ =>
            {
                var connectTo = platform.Name == "local" ? IPAddress.Loopback : null;
                var result = await new HttpCheck(time).RunAsync(url, connectTo, app.Check.Tries, app.Check.Interval, ct)
                    ?? throw new SlipwayException(ErrorCode.CheckFailed,
                        $"{url} did not answer HTTP 200 after {app.Check.Tries} tries, {Duration.Format(app.Check.Interval)} apart",
                        "see the app's logs; the release itself passed its health check");
                return StageOutcome.Done(result.ServingVersion,
                    $"{url} answered 200 (version {result.ServingVersion ?? "unknown"}, try {result.Attempts})");
            });
        }
        return new UpResult(app.App, platform.Name, snapshot.Version, before.Version, !upToDate, built, url, serving);
    }
}
