using System.Collections.Concurrent;
using System.Diagnostics;
using Slipway.Build;
using Slipway.Common;
using Slipway.Configuration;
using Slipway.Edge;
using Slipway.Engine;
using Slipway.Output;
using Slipway.Source;

namespace Slipway.Platforms.Local;

/// <summary>
/// Runs apps on this machine: containers through the Docker Engine API, Slipway's edge proxy in the load
/// balancer's role. The engine (containers labelled with app and version) and the edge (which targets
/// receive traffic) are the only state, so a re-run after any crash converges from what is really there.
/// </summary>
public sealed class LocalPlatform(DockerEngine engine, EdgeClient edge, StateDirectory state, TimeProvider time) : IPlatform, IOneOffCommands, IReleasePhase, IMaintenance
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);
    private const int ImagesKept = 3; // the serving release, the previous one for rollback, one more

    public PlatformKind Kind => PlatformKind.Local;

    public System.Net.IPAddress? PublicAddress => System.Net.IPAddress.Loopback;

    /// <summary>Each app's replicas share a network of their own: another app's replicas cannot reach them directly.</summary>
    public static string NetworkName(AppManifest app) => $"slipway-{app.App}";

    public static Uri PublicUrl(AppManifest app) => new($"http://{app.Edge.Host ?? "127.0.0.1"}:{app.Edge.Port}/");

    public async Task<string> EnsureInfrastructureAsync(AppManifest app, IStageLog log, CancellationToken ct)
    {
        var version = await engine.EnsureReachableAsync(ct);
        await EnsureOwnedAsync(app, ct);
        // Checked before the edge starts, so a taken port changes nothing.
        var running = await edge.InfoAsync(ct) ?? await WaitForBusyEdgeAsync(ct);
        if (running is not null
            && RouteClash.Find((await edge.RoutesAsync(ct)).Select(r => r.Route), app.App, app.Edge.Port, app.Edge.Host) is { } clash)
            throw new SlipwayException(ErrorCode.PortInUse, $"edge: {RouteClash.Describe(clash)}",
                "choose another edge.port, or give each app sharing the port its own edge.host");
        if (running?.Ports.Contains(app.Edge.Port) != true && !Ports.IsFree(app.Edge.Port))
            throw new SlipwayException(ErrorCode.PortInUse, $"edge.port: port {app.Edge.Port} is in use by another program",
                "choose another edge.port in the manifest, or stop the program using it");
        // Also when it runs: an edge whose supervisor was killed gets a new one.
        var info = await new EdgeLauncher(edge, time).EnsureRunningAsync(ct);
        return $"engine {version.Version} (API {version.ApiVersion}), edge proxy pid {info.ProcessId}";
    }

    /// <summary>
    /// Refuses to touch a deployment another manifest entry made under the same name (objects from before owner
    /// labels existed count as this app's).
    /// </summary>
    private async Task EnsureOwnedAsync(AppManifest app, CancellationToken ct)
    {
        var owners = (await engine.ListContainersAsync(Labels.ForApp(app.App), ct)).Select(c => c.Labels)
            .Concat((await engine.ListImagesAsync(Labels.ForApp(app.App), ct)).Select(i => i.Labels))
            .Select(l => l.GetValueOrDefault(Labels.Owner)).OfType<string>().Where(o => o != app.Owner).Distinct().ToList();
        if (owners.Count > 0)
            throw new SlipwayException(ErrorCode.InvalidSetting,
                $"app: {app.App} is already deployed here by {Describe(owners[0])}, a different entry that derives the same name",
                "rename one of them (app: in the manifest, or the environment's name)");

        static string Describe(string owner) => owner.Split('@') is [var name, var environment]
            ? $"app {name} in environment {environment}" : $"app {owner}";
    }

    /// <summary>
    /// An edge that holds its lock but did not answer at once is busy, not gone: wait for it rather than take
    /// its port for another program's, and say so if it never answers.
    /// </summary>
    private async Task<EdgeInfo?> WaitForBusyEdgeAsync(CancellationToken ct)
    {
        if (!edge.Paths.IsHeld()) return null;
        return await Poll.UntilAsync(async token => await edge.InfoAsync(token) is { } info ? Attempt<EdgeInfo?>.Finished(info)
                : new Attempt<EdgeInfo?>(!edge.Paths.IsHeld(), null),
            TimeSpan.FromMilliseconds(200), BusyEdgePatience, time, _ => new SlipwayException(ErrorCode.EdgeUnavailable,
                $"the edge proxy is running (it holds {edge.Paths.LockFile}) but did not answer on its control socket within {Duration.Format(BusyEdgePatience)}",
                $"see {edge.Paths.LogFile}; if it is stuck, stop its 'slipway edge serve' process and run the command again: a new one restores the routes"), ct);
    }

    private static readonly TimeSpan BusyEdgePatience = TimeSpan.FromSeconds(10);

    public async Task ReleaseUnusedInfrastructureAsync(CancellationToken ct)
    {
        if (await edge.InfoAsync(ct) is null || (await edge.RoutesAsync(ct)).Count > 0) return;
        await edge.ShutdownAsync(ct);
        await WaitForEdgeExitAsync(ct);
    }

    public async Task<IReadOnlyList<string>> PlanInfrastructureAsync(AppManifest app, CancellationToken ct)
    {
        var version = await engine.EnsureReachableAsync(ct);
        var running = await edge.InfoAsync(ct);
        var port = running?.Ports.Contains(app.Edge.Port) == true ? $"port {app.Edge.Port} already served by the edge"
            : Ports.IsFree(app.Edge.Port) ? $"port {app.Edge.Port} would open" : $"port {app.Edge.Port} is IN USE by another program: up would fail";
        return
        [
            $"engine {version.Version} answers at {engine.Endpoint.Display}",
            running is null ? "edge proxy: would start" : $"edge proxy: running (pid {running.ProcessId})",
            port,
        ];
    }

    public async Task<AppStatus> GetStatusAsync(AppManifest app, CancellationToken ct)
    {
        var edgeUp = await edge.InfoAsync(ct) is not null;
        var route = edgeUp ? await edge.RouteAsync(app.App, ct) : null;
        var containers = await engine.ListContainersAsync(Labels.ForApp(app.App), ct);
        if (!edgeUp && containers.Count > 0)
            return new AppStatus(app.App, Kind.Name(), PublicUrl(app), containers[0].Labels.GetValueOrDefault(Labels.Version), [], null,
                $"the edge proxy is not running: {containers.Count} replica(s) of {app.App} exist but nothing serves {PublicUrl(app)}");
        var health = route?.Targets.ToDictionary(t => t.Id) ?? [];
        var replicas = containers
            .Where(c => health.ContainsKey(c.Name))
            .Select(c => new ReplicaStatus(c.Name, c.Labels.GetValueOrDefault(Labels.Version, "?"), c.State,
                health[c.Name].Health, health[c.Name].Address, c.Labels.GetValueOrDefault(Labels.Fingerprint)))
            .OrderBy(r => r.Id, StringComparer.Ordinal).ToList();
        return new AppStatus(app.App, Kind.Name(), PublicUrl(app), route?.Route.Version, replicas, route?.Route.DeployedAt);
    }

    public Task<bool> HasImageAsync(AppManifest app, string version, CancellationToken ct) =>
        new ImageBuilder(engine).ExistsAsync(app, version, ct);

    /// <summary>
    /// Builds the image, then prunes at once (not only after a rollout), so that runs interrupted after their
    /// build do not pile images up: the new one, the serving one and one more are kept.
    /// </summary>
    public async Task<string> PublishImageAsync(AppManifest app, SourceSnapshot source, IStageLog log, CancellationToken ct)
    {
        var built = await new ImageBuilder(engine).BuildAsync(app, source, log.Info, log.Warn, ct);
        await PruneImagesAsync(app, source.Version, (await edge.RouteAsync(app.App, ct))?.Route.Version, ct);
        return built;
    }

    public async Task<RolloutReport> RollOutAsync(AppManifest app, string version, IStageLog log, Func<CancellationToken, Task> beforeCutover,
        CancellationToken ct)
    {
        var environment = ContainerEnvironment(app, version);
        var current = await edge.RouteAsync(app.App, ct);
        await RemoveUnroutedAsync(app, current, log, ct);

        if ((app.User ?? await engine.ImageUserAsync(ImageBuilder.ImageReference(app.App, version), ct)) is "" or "root" or "0" or "0:0")
            log.Warn("the replicas run as root: add a USER line to the Dockerfile, or set user: in the manifest (e.g. \"65534:65534\"), so that a compromised app is not root in its container");
        await engine.EnsureNetworkAsync(NetworkName(app), Labels.ForApp(app.App), ct);
        var clock = Stopwatch.StartNew();
        var rolloutStarted = time.GetUtcNow() - TimeSpan.FromSeconds(1); // the engine's events have whole-second precision here
        var created = new ConcurrentBag<string>();
        try
        {
            var labels = new Dictionary<string, string>(Labels.ForRelease(app, version))
            {
                [Labels.Fingerprint] = ReleaseFingerprint.Of(app, version),
            };
            var started = await Task.WhenAll(Enumerable.Range(1, app.Replicas).Select(async index =>
            {
                var name = $"{app.App}-{version}-{index}-{Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..4]}";
                var (id, port) = await StartOnFreePortAsync(ContainerOf(app, version, name, labels, environment), created, ct);
                log.Info($"replica {name} started on 127.0.0.1:{port}");
                return (Id: id, Target: new EdgeTarget(name, $"http://127.0.0.1:{port}"));
            }));

            await beforeCutover(ct);
            var outcome = await DeployThroughEdgeAsync(app, version, started, rolloutStarted, ct);
            log.Info($"cut over to {version} {Duration.Format(clock.Elapsed)} after the first replica was created; old replicas drained");
            await StopAsync(current?.Targets.Select(t => t.Id) ?? [], log, ct);
            await PruneImagesAsync(app, version, current?.Route.Version, ct);
            return new RolloutReport(version, outcome.PreviousVersion, started.Length, outcome.DrainTimedOut);
        }
        catch
        {
            // Whatever went wrong (rejected, crashed, cancelled), replicas that never took traffic go away.
            await DiscardAsync(app, created, CancellationToken.None);
            throw;
        }
    }

    public async Task<int> RemoveLeftoversAsync(AppManifest app, IStageLog log, CancellationToken ct) =>
        await RemoveUnroutedAsync(app, await edge.RouteAsync(app.App, ct), log, ct);

    public async Task<IReadOnlyList<string>> AvailableVersionsAsync(AppManifest app, CancellationToken ct) =>
        (await engine.ListImagesAsync(Labels.ForApp(app.App), ct))
            .OrderByDescending(i => i.Created)
            .Select(i => i.Labels.GetValueOrDefault(Labels.Version))
            .OfType<string>().Distinct().ToList();

    public async Task StreamLogsAsync(AppManifest app, LogQuery query, Action<LogLine> onLine, CancellationToken ct)
    {
        var labels = query.Version is null ? Labels.ForApp(app.App) : Labels.ForRelease(app.App, query.Version);
        var containers = await engine.ListContainersAsync(labels, ct);
        var since = query.Since is { } window ? time.GetUtcNow() - window : (DateTimeOffset?)null;
        if (query.Follow)
        {
            // Each replica streams on its own; lines are printed as they come, named by replica.
            await Task.WhenAll(containers.Select(c => engine.StreamLogsAsync(c.Id, since, query.Tail, follow: true,
                (at, text) => onLine(new LogLine(at, c.Name, text)), ct)));
            return;
        }
        var lines = new List<LogLine>();
        foreach (var container in containers)
            await engine.StreamLogsAsync(container.Id, since, query.Tail, follow: false, (at, text) => lines.Add(new LogLine(at, container.Name, text)), ct);
        foreach (var line in lines.OrderBy(l => l.Time)) onLine(line); // interleaved by time across replicas
    }

    public async Task<DestroyReport> DestroyAsync(AppManifest app, IStageLog log, CancellationToken ct)
    {
        await EnsureOwnedAsync(app, ct);
        var removed = new List<string>();
        var problems = new List<string>();
        if (await edge.InfoAsync(ct) is not null)
        {
            if (await edge.RemoveAsync(app.App, app.Drain, ct)) removed.Add("route");
            if ((await edge.RoutesAsync(ct)).Count == 0)
            {
                await edge.ShutdownAsync(ct);
                await WaitForEdgeExitAsync(ct);
                removed.Add("edge proxy (no app left)");
            }
        }
        // The app's replicas, and any one-off container a killed `slipway run` left.
        var containers = (await engine.ListContainersAsync(Labels.ForApp(app.App), ct))
            .Concat(await engine.ListContainersAsync(new Dictionary<string, string> { [RunLabel] = app.App }, ct));
        foreach (var container in containers)
        {
            await engine.RemoveContainerAsync(container.Id, ct);
            removed.Add($"container {container.Name}");
        }
        foreach (var image in await engine.ListImagesAsync(Labels.ForApp(app.App), ct))
        {
            try
            {
                await engine.RemoveImageAsync(image.Id, ct);
                removed.Add($"image {string.Join(", ", image.Tags.DefaultIfEmpty(image.Id[..19]))}");
            }
            catch (EngineApiException e)
            {
                problems.Add($"image {image.Id[..19]}: {e.Message}");
            }
        }
        if (await engine.RemoveNetworkAsync(NetworkName(app), ct)) removed.Add($"network {NetworkName(app)}");
        if (Directory.Exists(state.Sources))
        {
            foreach (var cache in Directory.EnumerateDirectories(state.Sources, app.App + "-*"))
            {
                Directory.Delete(cache, recursive: true);
                removed.Add("source cache");
            }
        }
        return new DestroyReport(removed, problems);
    }

    /// <summary>Waits for a shut-down edge to let go of its directory, then removes it (routes file, log).</summary>
    private async Task WaitForEdgeExitAsync(CancellationToken ct)
    {
        try
        {
            await Poll.UntilAsync(_ =>
            {
                try
                {
                    using (new FileStream(edge.Paths.LockFile, FileMode.Open, FileAccess.ReadWrite, FileShare.None)) { }
                    Directory.Delete(edge.Paths.Directory, recursive: true);
                }
                catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { }
                catch (IOException) { return Task.FromResult(Attempt<bool>.Pending(false)); }
                return Task.FromResult(Attempt<bool>.Finished(true));
            }, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), time, _ => new TimeoutException("the edge kept its directory"), ct);
        }
        catch (TimeoutException)
        {
            // Still held by an edge that did not exit: its directory stays; the next up reuses it.
        }
    }

    private async Task<DeployOutcome> DeployThroughEdgeAsync(AppManifest app, string version,
        IReadOnlyList<(string Id, EdgeTarget Target)> started, DateTimeOffset since, CancellationToken ct)
    {
        var health = app.HealthCheck;
        var args = new DeployArgs(version, app.Edge.Port, app.Edge.Host, started.Select(s => s.Target).ToList(),
            new EdgeHealthSettings(health.Path, health.Interval, health.Timeout, health.HealthyThreshold, health.UnhealthyThreshold),
            health.StartPeriod, app.Drain);

        // The edge gates on HTTP health; meanwhile watch the containers, so a crash fails fast instead of at the timeout.
        using var watch = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var deploy = edge.DeployAsync(app.App, args, watch.Token);
        var crashed = WatchForExitAsync(started.Select(s => s.Id).ToList(), since, watch.Token);
        var first = await Task.WhenAny(deploy, crashed);
        if (first == crashed && await crashed is var (dead, exitCode))
        {
            await watch.CancelAsync();
            try { await deploy; } catch (Exception) { /* the edge was told to abandon the release */ }
            // A swap completes once begun; if it did, the new release serves and the crash is the normal kind a
            // restart policy handles. Otherwise reject the release.
            var route = await edge.RouteAsync(app.App, CancellationToken.None);
            if (route?.Route.Version != version || route.Targets.All(t => started.All(s => s.Target.Id != t.Id)))
                throw await RejectedAsync(dead.Id,
                    $"replica {dead.Name} exited with code {exitCode}{(dead.OomKilled ? " (out of memory)" : "")} before becoming healthy",
                    RejectionHints.Crashed(app, dead.OomKilled), ct);
        }
        await watch.CancelAsync();
        try
        {
            return await deploy;
        }
        catch (EdgeRequestException e) when (e.Error.Error == EdgeErrors.TargetFailedToBecomeHealthy)
        {
            var failures = e.Error.Targets ?? [];
            var firstFailure = failures.FirstOrDefault();
            var replica = started.FirstOrDefault(s => s.Target.Id == firstFailure?.Id);
            var lines = failures.Select(f => $"replica {f.Id}: {f.Describe(app.HealthCheck.Path, app.HealthCheck.StartPeriod)}");
            throw await RejectedAsync(replica.Id ?? started[0].Id,
                $"{failures.Count} of {started.Count} new replica(s) did not become healthy within {Duration.Format(app.HealthCheck.StartPeriod)}"
                + string.Concat(lines.Select(l => Environment.NewLine + "  " + l)),
                RejectionHints.For(app, firstFailure?.Outcome), ct);
        }
        catch (EdgeRequestException e) when (e.Error.Error is EdgeErrors.PortInUse or EdgeErrors.HostInUse)
        {
            throw new SlipwayException(ErrorCode.PortInUse, $"edge: {e.Error.Message}",
                "choose another edge.port or edge.host in the manifest");
        }
    }

    /// <summary>The first replica to die since the rollout began, with the code it exited with.</summary>
    private async Task<(ContainerDetails Details, int ExitCode)?> WatchForExitAsync(IReadOnlyList<string> ids, DateTimeOffset since,
        CancellationToken ct)
    {
        try
        {
            var (exited, code) = await engine.WaitForFirstDeathAsync(ids, since, ct);
            var details = await engine.InspectContainerAsync(exited, ct);
            return details is null ? null : (details, code);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private async Task<SlipwayException> RejectedAsync(string containerId, string reason, string hint, CancellationToken ct)
    {
        // Stop it first: a crashing replica keeps being restarted, and its log keeps moving.
        await engine.StopContainerAsync(containerId, TimeSpan.Zero, ct);
        var excerpt = LogExcerpt.Of(await engine.LogTailAsync(containerId, 1000, ct));
        var text = new System.Text.StringBuilder($"release rejected: {reason}{Environment.NewLine}  the previous release keeps serving");
        if (excerpt.FirstError.Count > 0)
        {
            text.Append($"{Environment.NewLine}  first error in its log:");
            foreach (var line in excerpt.FirstError) text.Append($"{Environment.NewLine}    {line}");
        }
        text.Append($"{Environment.NewLine}  last log lines:");
        if (excerpt.Tail.Count == 0) text.Append($"{Environment.NewLine}    (the replica wrote no log lines)");
        foreach (var line in excerpt.Tail) text.Append($"{Environment.NewLine}    {line}");
        return new SlipwayException(ErrorCode.ReleaseUnhealthy, text.ToString(), hint);
    }

    /// <summary>Containers of the app that the edge does not route to are leftovers of a failed or killed run.</summary>
    private async Task<int> RemoveUnroutedAsync(AppManifest app, RouteStatus? current, IStageLog log, CancellationToken ct)
    {
        var routed = current?.Targets.Select(t => t.Id).ToHashSet() ?? [];
        var removed = 0;
        foreach (var container in await engine.ListContainersAsync(Labels.ForApp(app.App), ct))
        {
            if (routed.Contains(container.Name)) continue;
            log.Info($"removing leftover replica {container.Name} (not routed)");
            await engine.RemoveContainerAsync(container.Id, ct);
            removed++;
        }
        return removed;
    }

    private async Task StopAsync(IEnumerable<string> names, IStageLog log, CancellationToken ct)
    {
        await Task.WhenAll(names.Select(async name =>
        {
            await engine.StopContainerAsync(name, StopGrace, ct);
            await engine.RemoveContainerAsync(name, ct);
            log.Info($"replica {name} drained and removed");
        }));
    }

    private async Task DiscardAsync(AppManifest app, IEnumerable<string> ids, CancellationToken ct)
    {
        var route = await edge.RouteAsync(app.App, ct);
        var routed = route?.Targets.Select(t => t.Id).ToHashSet() ?? [];
        foreach (var id in ids)
        {
            var details = await engine.InspectContainerAsync(id, ct);
            if (details is not null && !routed.Contains(details.Name))
                await engine.RemoveContainerAsync(id, ct);
        }
    }

    private async Task PruneImagesAsync(AppManifest app, string version, string? previous, CancellationToken ct)
    {
        var images = await engine.ListImagesAsync(Labels.ForApp(app.App), ct);
        var keep = new HashSet<string> { version };
        if (previous is not null) keep.Add(previous);
        var prunable = images
            .Where(i => i.Labels.TryGetValue(Labels.Version, out var v) && !keep.Contains(v)) // not a build's intermediate image
            .OrderByDescending(i => i.Created).ToList();
        foreach (var image in prunable.Skip(Math.Max(0, ImagesKept - keep.Count)))
        {
            try { await engine.RemoveImageAsync(image.Id, ct); }
            catch (EngineApiException) { /* in use by something else: keep it */ }
        }
    }

    /// <summary>
    /// Creates and starts a replica on a host port chosen here rather than by the engine, so the port survives
    /// an engine restart and the edge's route stays valid. A port taken in between is retried with another.
    /// </summary>
    private async Task<(string Id, int Port)> StartOnFreePortAsync(ContainerSpec spec, ConcurrentBag<string> created, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = Ports.FreeLoopbackPort();
            var id = await engine.CreateContainerAsync(spec with { HostPort = port }, ct);
            created.Add(id);
            try
            {
                await engine.StartContainerAsync(id, ct);
                return (id, port);
            }
            catch (EngineApiException e) when (DockerEngine.IsPortConflict(e) && attempt < 5)
            {
                await engine.RemoveContainerAsync(id, ct);
            }
        }
    }

    /// <summary>Labels a one-off container by its app under a key of its own, so no rollout, status or cleanup takes it for a replica.</summary>
    public const string RunLabel = "slipway.run";

    public async Task<int> RunAsync(AppManifest app, IReadOnlyList<string> command, Action<string> onLine, CancellationToken ct)
    {
        // The routed release; with the edge down, the release its replicas run.
        var version = (await edge.InfoAsync(ct) is null ? null : (await edge.RouteAsync(app.App, ct))?.Route.Version)
            ?? (await engine.ListContainersAsync(Labels.ForApp(app.App), ct)).Where(c => c.State == "running")
                .Select(c => c.Labels.GetValueOrDefault(Labels.Version)).FirstOrDefault(v => v is not null)
            ?? throw new SlipwayException(ErrorCode.VersionNotAvailable, $"{app.App} is not deployed here: there is no release to run the command in",
                "deploy it first with slipway up");
        return await RunOneOffAsync(app, version, command, onLine, ct);
    }

    public async Task SetMaintenanceAsync(AppManifest app, MaintenancePage? page, CancellationToken ct)
    {
        var mode = page is null ? null : new MaintenanceMode(page.Body, page.IsHtml, time.GetUtcNow());
        if (await edge.InfoAsync(ct) is null || !await edge.SetMaintenanceAsync(app.App, mode, ct))
            throw new SlipwayException(ErrorCode.VersionNotAvailable, $"{app.App} is not served here: there is nothing to put in or out of maintenance",
                "deploy it first with slipway up");
    }

    public async Task<int> ExecAsync(AppManifest app, string? replica, IReadOnlyList<string> command, Action<string> onLine, CancellationToken ct)
    {
        var running = (await engine.ListContainersAsync(Labels.ForApp(app.App), ct)).Where(c => c.State == "running")
            .OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
        if (running.Count == 0)
            throw new SlipwayException(ErrorCode.VersionNotAvailable, $"no replica of {app.App} is running here", "deploy it first with slipway up");
        var target = replica is null ? running[0]
            : running.FirstOrDefault(c => c.Name == replica || c.Id.StartsWith(replica, StringComparison.Ordinal))
              ?? throw new SlipwayException(ErrorCode.InvalidSetting, $"--replica: {app.App} has no running replica \"{replica}\"",
                  $"its replicas: {string.Join(", ", running.Select(c => c.Name))} (slipway status lists them)");
        return await engine.ExecAsync(target.Id, command, onLine, ct);
    }

    public async Task RunReleaseCommandAsync(AppManifest app, string version, IStageLog log, CancellationToken ct)
    {
        var release = app.Release!;
        var tail = new Queue<string>();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(release.Timeout);
        int exit;
        try
        {
            exit = await RunOneOffAsync(app, version, release.Command, line =>
            {
                log.Info(line);
                tail.Enqueue(line);
                if (tail.Count > 10) tail.Dequeue();
            }, limit.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new SlipwayException(ErrorCode.HookFailed, $"the release command of {version} did not finish within {Duration.Format(release.Timeout)}; it was stopped",
                "make it faster or raise release.timeout; nothing was rolled out, the serving release is unchanged");
        }
        if (exit != 0)
            throw new SlipwayException(ErrorCode.HookFailed,
                $"the release command of {version} exited with {exit}; nothing was rolled out" +
                string.Concat(tail.Select(l => $"{Environment.NewLine}    {l}")),
                "fix the command (or what it needs) and run up again; the serving release is unchanged");
    }

    /// <summary>A container of <paramref name="version"/>'s image running <paramref name="command"/>, removed once it exits; returns its exit code.</summary>
    private async Task<int> RunOneOffAsync(AppManifest app, string version, IReadOnlyList<string> command, Action<string> onLine, CancellationToken ct)
    {
        await engine.EnsureNetworkAsync(NetworkName(app), Labels.ForApp(app.App), ct); // a first deploy's release phase comes before its replicas
        var spec = ContainerOf(app, version, $"{app.App}-run-{Guid.NewGuid().ToString("N")[..8]}",
            new Dictionary<string, string> { [RunLabel] = app.App, [Labels.Version] = version, [Labels.Owner] = app.Owner },
            ContainerEnvironment(app, version)) with { PublishPort = false, Command = command, RestartPolicy = "no" };
        var id = await engine.CreateContainerAsync(spec, ct);
        try
        {
            await engine.StartContainerAsync(id, ct);
            var exit = engine.WaitForExitAsync(id, ct);
            await engine.StreamLogsAsync(id, since: null, tail: null, follow: true, (_, line) => onLine(line), ct);
            return await exit;
        }
        finally
        {
            // Interrupted or not, the one-off container goes (remove stops it first).
            await engine.RemoveContainerAsync(id, CancellationToken.None);
        }
    }

    /// <summary>A container of the app's release as every one runs: its image, environment, limits, network and user.</summary>
    private static ContainerSpec ContainerOf(AppManifest app, string version, string name, IReadOnlyDictionary<string, string> labels,
        IReadOnlyDictionary<string, string> environment) => new()
    {
        Name = name, Image = ImageBuilder.ImageReference(app.App, version), ContainerPort = app.Port,
        Labels = labels, Environment = environment,
        MemoryBytes = app.Resources.MemoryBytes, PidsLimit = app.Resources.Pids, Network = NetworkName(app), User = app.User,
    };

    private static IReadOnlyDictionary<string, string> ContainerEnvironment(AppManifest app, string version)
    {
        var env = new Dictionary<string, string>(app.Env)
        {
            ["SLIPWAY_APP"] = app.App,
            ["SLIPWAY_VERSION"] = version,
        };
        foreach (var (name, value) in SecretResolver.Resolve(app, Environment.GetEnvironmentVariable))
            env[name] = value;
        return env;
    }

}
