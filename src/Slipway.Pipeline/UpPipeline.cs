using Slipway.Foundation;
using Slipway.Configuration;
using Slipway.Platforms.History;
using Slipway.Foundation.Output;
using Slipway.Platforms;
using Slipway.Source;

namespace Slipway.Pipeline;

/// <param name="Force">Roll the release out again even when it already serves (e.g. to restart every replica).</param>
/// <param name="Canary">Give the new release a share of the requests and let the front door judge it before it takes them all.</param>
/// <param name="AfterInfrastructure">Run once the infrastructure is up and before anything is built (a new preview's data seeded).</param>
public sealed record UpOptions(bool Check = true, bool Force = false, CanaryPlan? Canary = null, Func<CancellationToken, Task>? AfterInfrastructure = null);

/// <summary>What <c>up</c> did, for people and for <c>--json</c>.</summary>
public sealed record UpResult(string App, string Platform, string Version, string? PreviousVersion, bool Changed,
    bool Built, Uri Url, string? ServingVersion);

/// <summary>
/// source → infrastructure → build → deploy → check, each skipped when already done, so a second run with
/// nothing changed returns quickly and changes nothing. The source is resolved first so that a bad ref or
/// repository is reported before anything is started.
/// </summary>
public sealed class UpPipeline(IPlatform platform, AppSecrets secrets, SourceResolver sources, DeployLockTaker lockTaker, ReleaseHistory history, Reporter reporter, TimeProvider time)
{
    /// <summary>The inputs a build and a rollout need, checked before anything is locked, recorded or changed.</summary>
    public void CheckInputs(AppManifest app)
    {
        app.Build.EnsureDockerfileExists();
        if (platform is not IAppData)
        {
            if (app.Volumes.Count > 0 || app.Accessories.Count > 0)
                throw new SlipwayException(ErrorCode.PlatformNotAvailable,
                    $"{(app.Volumes.Count > 0 ? "volumes" : "accessories")}: the {platform.Name} platform cannot keep an app's data yet",
                    "deploy this environment on the local platform, or run the data service outside Slipway (on aws: RDS, ElastiCache or EFS) and pass its address in env:");
            if (app.Env.FirstOrDefault(e => EnvTemplate.References(e.Value).Count > 0) is { Key: { } composed })
                throw new SlipwayException(ErrorCode.PlatformNotAvailable, $"env.{composed}: the {platform.Name} platform cannot compose secrets into env (${{...}}) yet",
                    "make the whole value a secret of its own, or let the app compose it from the secrets it gets");
        }
        if (app.Jobs.Count > 0 && platform is not IScheduledJobs)
            throw new SlipwayException(ErrorCode.PlatformNotAvailable, $"jobs: the {platform.Name} platform cannot run scheduled jobs yet",
                "run them from a scheduler of your own with slipway run, or deploy this environment on the local platform");
        if (platform is IInputCheck inputs) inputs.CheckInputs(app);
        _ = secrets.Values; // read once here: a missing secret is bad input, and the rollout uses these very values
        if (app.Release is not null && platform is not IReleasePhase)
            throw new SlipwayException(ErrorCode.PlatformNotAvailable, $"release: the {platform.Name} platform cannot run a release command yet",
                "run it by hand before up (e.g. aws ecs run-task with the service's task definition), or remove release: for this environment");
        foreach (var accessory in app.Accessories) _ = secrets.ValuesOf(accessory);
        if (app.Processes.Count > 0 && platform is not IWorkerProcesses)
            throw new SlipwayException(ErrorCode.PlatformNotAvailable, $"processes: the {platform.Name} platform cannot run worker processes yet",
                "run them as a service of their own for now, or remove processes: for this environment");
    }

    /// <summary>Checks the inputs, then runs the deploy as one recorded run: succeeded, "no change", or failed with its error.</summary>
    public Task<UpResult> RunAsync(AppManifest app, UpOptions options, CancellationToken ct)
    {
        CheckInputs(app); // bad input is not a deploy: nothing is locked or recorded
        if (options.Canary is not null && platform is not ICanaryReleases)
            throw new SlipwayException(ErrorCode.PlatformNotAvailable, $"--canary: the {platform.Name} platform cannot share requests between two releases yet",
                "deploy without --canary: the rollout is still gated on the health check (on the local and swarm platforms the edge judges canaries)");
        return history.RecordAsync(app.App, app.Environment.Name, platform.Name, "deploy", () => RunRecordedAsync(app, options, ct),
            r => (r.Changed ? "succeeded" : "no change", r.Version, r.PreviousVersion), ct);
    }

    private async Task<UpResult> RunRecordedAsync(AppManifest app, UpOptions options, CancellationToken ct)
    {
        await using var held = await lockTaker.AcquireAsync(app.App, ct);
        try
        {
            return await RunLockedAsync(app, options, ct);
        }
        catch (Exception)
        {
            // A failed first up must not leave an edge proxy running for nothing.
            try { await platform.ReleaseUnusedInfrastructureAsync(CancellationToken.None); }
            catch (Exception) { /* the original failure is the one to report */ }
            throw;
        }
    }

    private async Task<UpResult> RunLockedAsync(AppManifest app, UpOptions options, CancellationToken ct)
    {
        var hooks = new HookRunner(time);
        var stages = new Stages(platform, hooks, reporter, time);
        // The platform's first reads change nothing: they run while git answers (a no-op up waits on both).
        var readAhead = platform.ReadAheadAsync(app, ct);
        SourceSnapshot snapshot;
        try
        {
            snapshot = await reporter.StageAsync("source", async log =>
            {
                var found = await sources.ResolveAsync(app.App, app.Source, ct);
                if (found.IsDirty)
                    log.Warn($"uncommitted changes in {found.ContextDirectory}: deploying them as version {found.Version}");
                return StageOutcome.Done(found, $"version {found.Version} (commit {found.Commit[..Math.Min(12, found.Commit.Length)]})");
            });
        }
        catch (Exception)
        {
            await readAhead; // nothing is left running past the lock
            throw;
        }

        await stages.InfrastructureAsync(app, ct);
        if (options.AfterInfrastructure is { } after) await after(ct);

        var before = await platform.GetServingAsync(app, ct);
        var upToDate = !options.Force && before.Serves(app, snapshot.Version, secrets, platform.TraitsOf(app));
        var built = false;
        if (upToDate)
        {
            reporter.Line($"– nothing to do: {app.App} {snapshot.Version} already serves on {before.Replicas.Count} healthy replica(s)");
        }
        else
        {
            built = await reporter.StageAsync("build", async log =>
            {
                await hooks.RunAsync(app, "preBuild", app.Hooks.PreBuild, snapshot.Version, before.Version, log, ct);
                return await platform.HasImageAsync(app, snapshot.Version, ct)
                    ? StageOutcome.Skip(false, $"image for {snapshot.Version} already exists")
                    : StageOutcome.Done(true, $"built {await platform.PublishImageAsync(app, snapshot, log, ct)}");
            });
            if (app.Release is { } release && platform is IReleasePhase phase)
                await reporter.StageAsync("release", async log =>
                {
                    await phase.RunReleaseCommandAsync(app, snapshot.Version, log, ct);
                    return StageOutcome.Done(true, $"{ReleaseCommand.Describe(release)} succeeded in {snapshot.Version}'s image");
                });
            await stages.DeployAsync(app, snapshot.Version, before.Version, ct, options.Canary);
        }

        var serving = options.Check ? await stages.CheckAsync(app, before.Url, ct) : null;
        return new UpResult(app.App, platform.Name, snapshot.Version, before.Version, !upToDate, built, before.Url, serving);
    }
}
