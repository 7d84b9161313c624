using Slipway.Configuration;
using Slipway.Engine;
using Slipway.Foundation;
using Slipway.Foundation.Timing;

namespace Slipway.Platforms.Swarm;

/// <summary>
/// The app's processes beside the web one (workers) on a swarm: a service per process and release
/// (<c>RELEASE-SERVICE-PROCESS</c>) on the app's network only, started before the cut-over and judged healthy once its tasks
/// keep running for the process's <c>healthy</c> time; a task that ends first rejects the release. Retired, scaled to 0 and
/// kept, and removed, with their release.
/// </summary>
public sealed class SwarmProcesses(DockerEngine engine, TimeProvider time)
{
    private readonly SwarmServices _services = new(engine, time);

    /// <summary>Marks a process's service, with the process's name; the release's service it belongs to is beside it.</summary>
    public const string ProcessLabel = "slipway.swarm.process";
    public const string OfReleaseLabel = "slipway.swarm.of";

    public static string ServiceName(string releaseService, string process) => $"{releaseService}-{process}";

    /// <summary>A process's service spec, from its release's: the process's command, replicas and check, and no edge.</summary>
    public static SwarmServiceSpec Spec(SwarmServiceSpec release, ProcessSpec process, IReadOnlyList<string>? imageEntrypoint,
        IReadOnlyCollection<string> secrets) => SwarmReleases.Derived(release, ServiceName(release.Name, process.Name),
        new Dictionary<string, string> { [ProcessLabel] = process.Name, [OfReleaseLabel] = release.Name, [ReleaseLabels.Process] = process.Name },
        process.Command, imageEntrypoint, secrets) with
    {
        Replicas = process.Replicas,
        // A process's check runs in its container as its HEALTHCHECK: the swarm holds a task in "starting" until it passes.
        HealthCheck = process.Check is { Count: > 0 } check
            ? new ContainerHealthCheck(check, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), 3, process.Healthy)
            : null,
    };

    /// <summary>Every process service of the app (any release), newest first.</summary>
    public async Task<IReadOnlyList<SwarmService>> ListAsync(AppManifest app, CancellationToken ct) =>
        (await engine.ListServicesAsync(ReleaseLabels.ForApp(app.App), ct))
            .Where(s => s.Labels.ContainsKey(ProcessLabel)).OrderByDescending(s => s.CreatedAt).ToList();

    /// <summary>
    /// Starts each process of the release (a kept one, for a rollback, scaled back up) and waits until every task has run for
    /// its process's healthy time; throws <see cref="SwarmTaskFailedException"/> for the first that ended before.
    /// </summary>
    public async Task StartAsync(AppManifest app, IReadOnlyList<SwarmServiceSpec> specs, Action<string> onOutput, CancellationToken ct)
    {
        if (specs.Count == 0) return;
        var since = time.GetUtcNow();
        foreach (var spec in specs)
        {
            var existing = await engine.InspectServiceAsync(spec.Name, ct);
            if (existing is not null && existing.Labels.GetValueOrDefault(ReleaseLabels.Fingerprint) == spec.Labels[ReleaseLabels.Fingerprint])
                await _services.ScaleAsync(existing, spec.Replicas ?? 1, ct);
            else
            {
                if (existing is not null) await _services.StopAndRemoveAsync(existing.Id, ct);
                await engine.CreateServiceAsync(spec, ct);
            }
            onOutput($"process {spec.Labels[ProcessLabel]}: service {spec.Name}, {spec.Replicas} task(s)");
        }
        var healthy = app.Processes.Max(p => p.Healthy);
        var patience = healthy + TimeSpan.FromMinutes(1);
        var runningSince = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        await Poll.UntilAsync(async token =>
        {
            var done = true;
            foreach (var spec in specs)
            {
                var process = app.Processes.First(p => p.Name == spec.Labels[ProcessLabel]);
                var tasks = await engine.ListTasksAsync(spec.Name, token);
                if (tasks.FirstOrDefault(t => t.State is "failed" or "rejected" or "complete" && t.UpdatedAt >= since.AddSeconds(-1)) is { } ended)
                    throw new SwarmTaskFailedException(ended);
                var running = tasks.Where(t => t is { IsRunning: true, DesiredState: "running" }).ToList();
                if (running.Count < (spec.Replicas ?? 1)) done = false;
                else if (!runningSince.TryGetValue(spec.Name, out var from)) (runningSince[spec.Name], done) = (time.GetUtcNow(), false);
                else if (time.GetUtcNow() - from < process.Healthy) done = false;
            }
            return new Attempt<bool>(done, done);
        }, TimeSpan.FromMilliseconds(500), patience, time, _ => new SlipwayException(ErrorCode.ReleaseUnhealthy,
            $"release rejected: the processes' tasks were not all running for their healthy time within {Duration.Format(patience)}",
            "see docker service ps on the manager for the process services"), ct);
    }

    /// <summary>The process services of every release but <paramref name="servingRelease"/>: scaled to 0, or removed with their release.</summary>
    public async Task RetireOthersAsync(AppManifest app, string servingRelease, IReadOnlyCollection<string> keptReleases, CancellationToken ct)
    {
        foreach (var service in await ListAsync(app, ct))
        {
            var release = service.Labels.GetValueOrDefault(OfReleaseLabel);
            if (release == servingRelease) continue;
            if (release is null || !keptReleases.Contains(release)) await _services.StopAndRemoveAsync(service.Id, ct);
            else if (service.Replicas != 0) await _services.ScaleAsync(service, 0, ct);
        }
    }

    /// <summary>Removes the process services of one release (a rejected one), or of all (<paramref name="release"/> null: destroy).</summary>
    public async Task<IReadOnlyList<string>> RemoveAsync(AppManifest app, string? release, CancellationToken ct)
    {
        var removing = (await ListAsync(app, ct)).Where(s => release is null || s.Labels.GetValueOrDefault(OfReleaseLabel) == release).ToList();
        await Task.WhenAll(removing.Select(service => _services.StopAndRemoveAsync(service.Id, ct))); // together: each stop waits on the swarm
        return removing.Select(service => service.Name).ToList();
    }
}
