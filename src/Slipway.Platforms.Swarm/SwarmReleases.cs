using System.Globalization;
using Slipway.Configuration;
using Slipway.Engine;
using Slipway.Foundation;
using Slipway.Foundation.Timing;

namespace Slipway.Platforms.Swarm;

/// <summary>
/// An app's releases as Swarm services, one per version: started on the app's network and the edge's, their tasks placed,
/// restarted and rescheduled by the swarm; scaled to 0 once they stop serving and kept (the newest three) for a rollback.
/// </summary>
public sealed class SwarmReleases(DockerEngine engine, TimeProvider time)
{
    private readonly SwarmServices _services = new(engine, time);
    public const int Kept = 3;

    /// <summary>The task's container HEALTHCHECK: the manifest's path, probed with whichever of curl, wget or python3 the image has (none: healthy).</summary>
    public static ContainerHealthCheck HealthCheck(AppManifest app)
    {
        var url = $"http://127.0.0.1:{app.Port.ToString(CultureInfo.InvariantCulture)}{app.HealthCheck.Path}";
        var seconds = Math.Max(1, (int)Math.Ceiling(app.HealthCheck.Timeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        var probe = $"if command -v curl >/dev/null; then exec curl -fsS -o /dev/null -m {seconds} '{url}'; "
                    + $"elif command -v wget >/dev/null; then exec wget -q -O /dev/null -T {seconds} '{url}'; "
                    + $"elif command -v python3 >/dev/null; then exec python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout={seconds})' '{url}'; "
                    + "else exit 0; fi";
        return new ContainerHealthCheck(["sh", "-c", probe], Max(app.HealthCheck.Interval, TimeSpan.FromSeconds(1)), app.HealthCheck.Timeout,
            app.HealthCheck.UnhealthyThreshold, app.HealthCheck.StartPeriod);
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>The spec of a release's service: its image by digest, its environment, limits and health check, on the two networks.</summary>
    /// <summary>
    /// A service that runs something else in a release's image (a worker, a one-off): its name and labels, the app's network
    /// but not the edge's, and <paramref name="command"/> instead of the image's CMD. With secrets, the wrapper exports them and
    /// runs the image's ENTRYPOINT with the command.
    /// </summary>
    public static SwarmServiceSpec Derived(SwarmServiceSpec release, string name, IReadOnlyDictionary<string, string> labels, IReadOnlyList<string> command,
        IReadOnlyList<string>? imageEntrypoint, IReadOnlyCollection<string> secrets)
    {
        var merged = new Dictionary<string, string>(release.Labels.Where(l => l.Key != SwarmNames.ReleaseLabel));
        foreach (var (key, value) in labels) merged[key] = value;
        return release with
        {
            Name = name,
            Labels = merged,
            Networks = [.. release.Networks.Where(n => n != SwarmNames.EdgeNetwork)],
            Command = secrets.Count > 0 ? null : command,
            Entrypoint = secrets.Count > 0 ? SwarmSecrets.Entrypoint(secrets, imageEntrypoint ?? [], command) : release.Entrypoint,
        };
    }

    public static SwarmServiceSpec Spec(AppManifest app, string version, string image, string fingerprint) => new()
    {
        Name = SwarmNames.ReleaseService(app, version, fingerprint),
        Image = image,
        Labels = new Dictionary<string, string>(ReleaseLabels.ForRelease(app, version))
        {
            [ReleaseLabels.Fingerprint] = fingerprint, [SwarmNames.ReleaseLabel] = version,
        },
        Environment = new Dictionary<string, string>(app.Env) { ["SLIPWAY_APP"] = app.App, ["SLIPWAY_VERSION"] = version },
        Replicas = app.Replicas,
        Networks = [SwarmNames.AppNetwork(app), SwarmNames.EdgeNetwork],
        HealthCheck = HealthCheck(app),
        MemoryBytes = app.Resources.MemoryBytes,
        PidsLimit = app.Resources.Pids,
        User = app.User,
    };

    /// <summary>The app's release services, newest first.</summary>
    public async Task<IReadOnlyList<SwarmService>> ListAsync(AppManifest app, CancellationToken ct) =>
        (await engine.ListServicesAsync(ReleaseLabels.ForApp(app.App), ct))
            .Where(s => s.Labels.ContainsKey(SwarmNames.ReleaseLabel)).OrderByDescending(s => s.CreatedAt).ToList();

    /// <summary>
    /// Starts the release's tasks: its service made anew (or, for the same fingerprint, scaled back up: a rollback), then
    /// waited for until every task runs. A task that fails or is rejected fails the start with the swarm's reason.
    /// </summary>
    public async Task<IReadOnlyList<SwarmTask>> StartAsync(SwarmServiceSpec spec, Action<string> onOutput, CancellationToken ct)
    {
        var existing = await engine.InspectServiceAsync(spec.Name, ct);
        if (existing is not null && existing.Labels.GetValueOrDefault(ReleaseLabels.Fingerprint) == spec.Labels[ReleaseLabels.Fingerprint])
        {
            if (existing.Replicas != spec.Replicas) await ScaleAsync(existing, spec.Replicas ?? 1, ct);
        }
        else
        {
            if (existing is not null) await RemoveAsync(existing.Id, ct); // the same version with other settings
            await engine.CreateServiceAsync(spec, ct);
        }
        onOutput($"service {spec.Name}: {spec.Replicas} task(s) on the swarm");
        var since = time.GetUtcNow();
        // The swarm holds a task in "starting" until its health check passes: as long as the start period, and a pull, allow.
        var patience = spec.HealthCheck is { StartPeriod: var start } ? start + TimeSpan.FromMinutes(1) : TimeSpan.FromMinutes(1);
        IReadOnlyList<SwarmTask> seen = [];
        return await Poll.UntilAsync(async token =>
        {
            seen = await engine.ListTasksAsync(spec.Name, token);
            // A task of this start that ended: failed, refused, or stopped by the swarm for failing its health check ("complete").
            if (seen.FirstOrDefault(t => t.State is "failed" or "rejected" or "complete" && t.UpdatedAt >= since.AddSeconds(-1)) is { } failed)
                throw new SwarmTaskFailedException(failed);
            var running = seen.Where(t => t is { IsRunning: true, DesiredState: "running" }).ToList();
            return new Attempt<IReadOnlyList<SwarmTask>>(running.Count >= (spec.Replicas ?? 1), running);
        }, TimeSpan.FromMilliseconds(500), patience, time, last => new SlipwayException(ErrorCode.ReleaseUnhealthy,
            $"release rejected: {last.Count} of {spec.Replicas} task(s) of {spec.Name} running after {Duration.Format(patience)} ("
            + string.Join(", ", seen.GroupBy(t => t.State + (t.Error is { Length: > 0 } e ? $": {e}" : "")).Select(g => $"{g.Count()} {g.Key}")) + ")",
            $"see docker service ps {spec.Name} on the manager: a node may lack the resources, or cannot pull from the registry"), ct);
    }

    public Task ScaleAsync(SwarmService service, int replicas, CancellationToken ct) => _services.ScaleAsync(service, replicas, ct);

    public Task RemoveAsync(string service, CancellationToken ct) => _services.StopAndRemoveAsync(service, ct);

    /// <summary>After a cut-over: every release but the serving one's service scaled to 0, and beyond the newest <see cref="Kept"/> removed.</summary>
    public async Task RetireOthersAsync(AppManifest app, string servingService, CancellationToken ct)
    {
        var releases = await ListAsync(app, ct);
        foreach (var (release, index) in releases.Where(r => r.Name != servingService).Select((r, i) => (r, i)))
        {
            if (index + 1 >= Kept) await RemoveAsync(release.Id, ct);
            else if (release.Replicas != 0) await ScaleAsync(release, 0, ct);
        }
    }
}

/// <summary>A task of a new release failed, was refused, or was stopped for its health check before it ran.</summary>
public sealed class SwarmTaskFailedException(SwarmTask task) : Exception($"task {task.Id} {task.State}: {task.Error}")
{
    public SwarmTask Task { get; } = task;

    /// <summary>Why, in the user's words: the swarm's error, else what the stop means.</summary>
    public string Describe(AppManifest app) => Task switch
    {
        { State: "rejected", Error: var error } => $"the swarm could not start it: {error}",
        { State: "failed", Error: { Length: > 0 } error } => $"it failed: {error}{(Task.ExitCode is { } code and not 0 ? $" (exit code {code})" : "")}",
        _ => $"it stopped before its health check passed (GET {app.HealthCheck.Path} on port {app.Port}), exit code {Task.ExitCode ?? 0}",
    };
}
