using Slipway.Platforms.Images;
using Slipway.Foundation;
using Slipway.Foundation.Files;
using Slipway.Foundation.Networking;
using Slipway.Foundation.Timing;
using Slipway.Configuration;
using Slipway.Edge.Contract;
using Slipway.Platforms.EdgeControl;
using Slipway.Engine;
using Slipway.Foundation.Output;
using Slipway.Source;

namespace Slipway.Platforms.Local;

/// <summary>
/// Runs apps on this machine: containers through the Docker Engine API, Slipway's edge proxy in the load
/// balancer's role. The engine (containers labelled with app and version) and the edge (which targets
/// receive traffic) are the only state, so a re-run after any crash converges from what is really there.
/// A facade over its parts: infrastructure and status here; images, rollout, teardown and one-off containers each in a class of its own.
/// </summary>
/// <param name="defaultListen">
/// Where apps' ports listen when their manifest does not say (<c>SLIPWAY_EDGE_LISTEN</c>; on a server every address); null: loopback.
/// </param>
/// <param name="confirm">Asks the user before a deploy that would leave a volume's data unused; null: never asked (the deploy goes on).</param>
public sealed class LocalPlatform(DockerEngine engine, EdgeClient edge, EdgeContainer edgeContainer, StateDirectory state, AppSecrets secrets, TimeProvider time,
    IReadOnlyList<string>? defaultListen = null, Func<string, bool>? confirm = null, Func<string, string?>? environment = null)
    : IPlatform, IOneOffCommands, IReleasePhase, IMaintenance, IWorkerProcesses, IInputCheck, ICanaryReleases, IAppData, IScheduledJobs, IPreviewEnvironments
{
    private readonly LocalImages _images = new(engine);
    private readonly LocalRollout _rollout = new(engine, edge, edgeContainer.Site, new LocalImages(engine), secrets, time, defaultListen);
    private readonly LocalVolumes _volumes = new(engine);
    private readonly LocalAccessories _accessories = new(engine, new LocalVolumes(engine), secrets, time);
    private readonly LocalTeardown _teardown = new(engine, edge, edgeContainer, state, time);
    private readonly OneOffContainers _oneOff = new(engine, edge, secrets, time);
    private readonly LocalJobs _jobs = new(engine, edgeContainer.Site, environment ?? (_ => null));
    private LocalScheduledBackups ScheduledBackups => new(engine, _jobs, state, environment ?? (_ => null));

    public string Name => LocalModule.PlatformName;

    /// <summary>Backups through the platform's own accessories (it holds no state of its own).</summary>
    private LocalBackups DataBackups => new(engine, _accessories);

    public ReleaseTraits TraitsOf(AppManifest app) => Traits(app, defaultListen);

    /// <summary>Where the app's port listens besides loopback: the manifest's edge.listen, else the platform's default; null: loopback only.</summary>
    public static IReadOnlyList<string>? Listen(AppManifest app, IReadOnlyList<string>? defaultListen) => app.Edge.Listen ?? defaultListen;

    /// <summary>The engine's own build platform, the manifest's replicas, and the edge's settings as part of each release.</summary>
    public static ReleaseTraits Traits(AppManifest app, IReadOnlyList<string>? defaultListen)
    {
        var part = new System.Text.StringBuilder();
        part.Append("edge=").Append(app.Edge.Host).Append(':').Append(app.Edge.Port).Append('\n');
        if (Listen(app, defaultListen) is { } listen) part.Append("listen=").Append(string.Join(',', listen)).Append('\n'); // only when set
        if (app.Edge.MetricsPort is { } metrics) part.Append("metrics=").Append(metrics).Append('\n'); // only when set
        if (app.Edge.Tls is { } tls) // a renewed certificate file is a new one: rolled out like any change (the edge renews its own)
            part.Append("tls=").Append(tls.CertFile is { } file
                    ? File.Exists(file) ? Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(UserFile.ReadBytes(file, "edge.tls")))[..12] : "?"
                    : tls.Acme is { } acme ? $"acme:{acme.Directory}:{acme.Email}" : "local")
                .Append('/').Append(tls.RedirectFrom).Append('\n');
        return ReleaseTraits.Plain(app) with { FingerprintPart = part.ToString() };
    }

    /// <summary>Where the check connects (whatever edge.host resolves to): this machine's loopback, or the server's address.</summary>
    public System.Net.IPAddress? PublicAddress => engine.Endpoint.RemoteHost is { } server
        ? System.Net.IPAddress.TryParse(server.Trim('[', ']'), out var address) ? address : null
        : System.Net.IPAddress.Loopback;

    public string VersionHeader => EdgeHeaders.Version;

    /// <summary>The app's address: its edge.host, else the machine the engine runs on (this one's loopback, or the server).</summary>
    public Uri PublicUrl(AppManifest app) => UrlOf(app, engine.Endpoint.RemoteHost);

    public static Uri UrlOf(AppManifest app, string? server) => UrlOf(app.Edge.Tls is not null, app.Edge.Host, app.Edge.Port, server);

    /// <summary>An app's address on the edge: its host name, else the engine's machine (an IPv6 address in brackets), else loopback.</summary>
    private static Uri UrlOf(bool tls, string? host, int port, string? server) =>
        new($"{(tls ? "https" : "http")}://{host ?? (server is { } s ? (s.Contains(':') ? $"[{s}]" : s) : "127.0.0.1")}:{port}/");

    public void CheckInputs(AppManifest app)
    {
        EdgeTlsFiles.Read(app, time.GetUtcNow());
        _jobs.CheckInputs(app);
        ScheduledBackups.CheckInputs(app);
    }

    /// <summary>A deploy's reads: started by <see cref="ReadAheadAsync"/>, kept by the infrastructure stage while nothing changes them.</summary>
    private (string App, Task<DeployReads> Reads)? _readAhead;
    private DeployReads? _unchanged;

    public Task ReadAheadAsync(AppManifest app, CancellationToken ct)
    {
        var reads = DeployReads.ReadAsync(engine, edge, app, ct);
        _readAhead = (app.App, reads);
        // Its failure is observed here and reported by the infrastructure stage, which awaits the reads themselves.
        return reads.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>The reads started ahead for this app (their failure is this stage's), else made now.</summary>
    private Task<DeployReads> TakeReadsAsync(AppManifest app, CancellationToken ct)
    {
        var ahead = _readAhead is { } started && started.App == app.App ? started.Reads : null;
        _readAhead = null;
        _unchanged = null;
        return ahead ?? DeployReads.ReadAsync(engine, edge, app, ct);
    }

    /// <summary>What the infrastructure stage read, while nothing since has changed the app's containers or its route; taken once.</summary>
    private DeployReads? TakeUnchanged(AppManifest app)
    {
        var reads = _unchanged?.App == app.App ? _unchanged : null;
        _unchanged = null;
        return reads;
    }

    public async Task<string> EnsureInfrastructureAsync(AppManifest app, IStageLog log, CancellationToken ct)
    {
        var reads = await TakeReadsAsync(app, ct);
        var version = reads.Engine;
        await AppOwnership.EnsureAsync(engine, app, reads.AppContainers, ct);
        // Checked before the edge starts, so a taken port changes nothing.
        var running = reads.Edge ?? await WaitForBusyEdgeAsync(ct);
        var routes = (reads.Edge is not null ? reads.Routes : running is null ? [] : await edge.RoutesAsync(ct)).Select(r => r.Route).ToList();
        if (RouteClash.Find(routes, app.App, app.Edge.Port, app.Edge.Host) is { } clash)
            throw new SlipwayException(ErrorCode.PortInUse, $"edge: {RouteClash.Describe(clash)}",
                "choose another edge.port, or give each app sharing the port its own edge.host");
        var here = engine.Endpoint.IsOnThisMachine; // a server's ports are the edge's to refuse
        if (here && running?.Ports.Contains(app.Edge.Port) != true && !Ports.IsFree(app.Edge.Port))
            throw new SlipwayException(ErrorCode.PortInUse, $"edge.port: port {app.Edge.Port} is in use by another program",
                "choose another edge.port in the manifest, or stop the program using it");
        if (app.Edge.MetricsPort is { } metrics)
        {
            // As the edge would refuse it, but before the build: a refused deploy leaves no image behind.
            if (routes.FirstOrDefault(r => r.App != app.App && r.Port == metrics) is { } owner)
                throw new SlipwayException(ErrorCode.PortInUse, $"edge.metricsPort: port {metrics} is the public port of app {owner.App}",
                    "choose another edge.metricsPort");
            if (here && !routes.Any(r => r.MetricsPort == metrics) && !Ports.IsFree(metrics, System.Net.IPAddress.Loopback))
                throw new SlipwayException(ErrorCode.PortInUse, $"edge.metricsPort: port {metrics} is in use by another program",
                    "choose another edge.metricsPort, or stop the program using it");
        }
        if (running is null) await edgeContainer.EnsureRunningAsync(log.Info, ct); // one that answered above runs
        await _volumes.EnsureAllAsync(app, ct);
        await _accessories.EnsureAsync(app, reads.AccessoryContainers, log, ct);
        await ScheduledBackups.SyncAsync(app, time.GetUtcNow(), log.Info, ct);
        if (app.Jobs.Count > 0) await ConvergeJobsAsync(app, log, ct);
        // Volumes, accessories and job templates are not the app's release containers or its route: only the edge's start changed those.
        _unchanged = reads.Edge is not null ? reads : null;
        return $"engine {version.Version} (API {version.ApiInUse}) at {engine.Endpoint.Display}, edge proxy {edgeContainer.Site.ContainerName}";
    }

    /// <summary>
    /// A manifest that no longer names a volume the running replicas mount would leave its data unused: the user says so first.
    /// </summary>
    private async Task ConfirmVolumesDroppedAsync(AppManifest app, CancellationToken ct)
    {
        var mounted = (await engine.ListContainersAsync(ReleaseLabels.ForApp(app.App), ct)).Where(c => c.State == "running")
            .SelectMany(c => c.Labels.GetValueOrDefault(ReleaseContainers.VolumesLabel, "").Split(',', StringSplitOptions.RemoveEmptyEntries))
            .Distinct().Where(name => app.Volumes.All(v => v.Name != name)).Order(StringComparer.Ordinal).ToList();
        if (mounted.Count == 0 || confirm is null) return;
        var sizes = (await _volumes.ListAsync(app, ct)).ToDictionary(v => v.Name, v => v.Bytes);
        var described = string.Join(", ", mounted.Select(name => $"{name} ({(sizes.GetValueOrDefault(name) is { } bytes ? ByteSize.Format(bytes) : "size unknown")})"));
        if (!confirm($"volumes: the running release mounts {described}, which the manifest no longer names: the new release would not see its data (the volume is kept). Go on?"))
            throw new SlipwayException(ErrorCode.ConfirmationRequired, $"up of {app.App} cancelled: volume {string.Join(", ", mounted)} would be dropped",
                "put it back under volumes:, or pass --yes to deploy without it (its data stays in the volume)");
    }

    /// <summary>
    /// An edge that holds its lock but did not answer at once is busy, not gone: wait for it rather than take
    /// its port for another program's, and say so if it never answers.
    /// </summary>
    private async Task<EdgeInfo?> WaitForBusyEdgeAsync(CancellationToken ct)
    {
        if (edgeContainer.Site.LocalFolder is null || !edge.Paths.IsHeld()) return null;
        return await Poll.UntilAsync(async token => await edge.InfoAsync(token) is { } info ? Attempt<EdgeInfo?>.Finished(info)
                : new Attempt<EdgeInfo?>(!edge.Paths.IsHeld(), null),
            TimeSpan.FromMilliseconds(200), BusyEdgePatience, time, _ => new SlipwayException(ErrorCode.EdgeUnavailable,
                $"the edge proxy is running (it holds {edge.Paths.LockFile}) but did not answer on its control socket within {Duration.Format(BusyEdgePatience)}",
                $"see docker logs {edgeContainer.Site.ContainerName}; if it is stuck, restart it (docker restart {edgeContainer.Site.ContainerName}): it restores the routes"), ct);
    }

    private static readonly TimeSpan BusyEdgePatience = TimeSpan.FromSeconds(10);

    public Task ReleaseUnusedInfrastructureAsync(CancellationToken ct) => _teardown.ReleaseUnusedEdgeAsync(ct);

    public async Task<IReadOnlyList<string>> PlanInfrastructureAsync(AppManifest app, CancellationToken ct)
    {
        var version = await engine.EnsureReachableAsync(ct);
        var running = await edge.InfoAsync(ct);
        var port = running?.Ports.Contains(app.Edge.Port) == true ? $"port {app.Edge.Port} already served by the edge"
            : !engine.Endpoint.IsOnThisMachine || Ports.IsFree(app.Edge.Port) ? $"port {app.Edge.Port} would open"
            : $"port {app.Edge.Port} is IN USE by another program: up would fail";
        return
        [
            $"engine {version.Version} answers at {engine.Endpoint.Display}",
            running is null ? $"edge proxy: would start (container {edgeContainer.Site.ContainerName})" : $"edge proxy: running (container {edgeContainer.Site.ContainerName})",
            port,
        ];
    }

    public Task<AppStatus> GetStatusAsync(AppManifest app, CancellationToken ct) => StatusAsync(app, whole: true, ct);

    public Task<AppStatus> GetServingAsync(AppManifest app, CancellationToken ct) =>
        TakeUnchanged(app) is { Edge: not null } reads
            ? Task.FromResult(StatusOf(app, edgeUp: true, reads.Route, reads.AppContainers))
            : StatusAsync(app, whole: false, ct);

    /// <param name="whole">Also the traffic, volumes (their sizes are the engine's slowest answer), accessories and jobs.</param>
    private async Task<AppStatus> StatusAsync(AppManifest app, bool whole, CancellationToken ct)
    {
        var edgeUp = await edge.InfoAsync(ct) is not null;
        var route = edgeUp ? await edge.RouteAsync(app.App, ct) : null;
        var containers = await engine.ListContainersAsync(ReleaseLabels.ForApp(app.App), ct);
        var status = StatusOf(app, edgeUp, route, containers);
        if (!whole || status.Problem is not null) return status; // the edge is down: traffic and the rest would only repeat it
        var traffic = edgeUp
            ? (await edge.MetricsAsync(ct)).Where(t => t.App == app.App && t.LastMinuteRequests > 0)
                .Select(t => new TrafficRate(t.Version, t.LastMinuteRequests, t.LastMinuteErrors)).ToList()
            : [];
        return status with
        {
            Traffic = traffic,
            Volumes = await _volumes.ListAsync(app, ct), // those the manifest no longer names too: kept, with their data
            // Only for an app that declares some: a status stays within a few engine requests (on a server, each is a round trip).
            Accessories = app.Accessories.Count > 0 ? await _accessories.StatusAsync(app, ct) : [],
            Jobs = app.Jobs.Count == 0 && app.Backups.Schedule is null ? [] : await _jobs.StatusAsync(app, time.GetUtcNow(), ct),
        };
    }

    private AppStatus StatusOf(AppManifest app, bool edgeUp, RouteStatus? route, IReadOnlyList<ContainerSummary> containers)
    {
        if (!edgeUp && containers.Count > 0)
            return new AppStatus(app.App, Name, PublicUrl(app), containers[0].Labels.GetValueOrDefault(ReleaseLabels.Version), [], null,
                $"the edge proxy is not running: {containers.Count} replica(s) of {app.App} exist but nothing serves {PublicUrl(app)}");
        var health = route?.Targets.ToDictionary(t => t.Id) ?? [];
        var replicas = containers
            .Where(c => health.ContainsKey(c.Name))
            .Select(c => new ReplicaStatus(c.Name, c.Labels.GetValueOrDefault(ReleaseLabels.Version, "?"), c.State,
                health[c.Name].Health, health[c.Name].Address, c.Labels.GetValueOrDefault(ReleaseLabels.Fingerprint)))
            .OrderBy(r => r.Id, StringComparer.Ordinal).ToList();
        var processes = containers.Where(LocalProcesses.IsProcess)
            .GroupBy(c => c.Labels[ReleaseLabels.Process])
            .ToDictionary(g => g.Key, g => (IReadOnlyList<ReplicaStatus>)g.OrderBy(c => c.Name, StringComparer.Ordinal)
                .Select(c => new ReplicaStatus(c.Name, c.Labels.GetValueOrDefault(ReleaseLabels.Version, "?"), c.State, c.State, null,
                    c.Labels.GetValueOrDefault(ReleaseLabels.Fingerprint))).ToList());
        return new AppStatus(app.App, Name, PublicUrl(app), route?.Route.Version, replicas, route?.Route.DeployedAt)
        {
            Processes = processes, CertificateExpiresAt = route?.Route.Tls?.NotAfter,
            Canary = route?.Route.Canary is { } canary ? new CanaryStatus(canary.Version, canary.Policy.Percent, canary.EndsAt) : null,
            LastCanary = route?.Route.LastCanary is { } last ? CanaryReport.From(app.App, last) : null,
        };
    }

    public Task<bool> HasImageAsync(AppManifest app, string version, CancellationToken ct) => _images.ExistsAsync(app, version, ct);

    public async Task<string> PublishImageAsync(AppManifest app, SourceSnapshot source, IStageLog log, CancellationToken ct) =>
        await _images.BuildAsync(app, source, (await edge.RouteAsync(app.App, ct))?.Route.Version, log, ct);

    public async Task StreamLogsAsync(AppManifest app, LogQuery query, Action<LogLine> onLine, CancellationToken ct)
    {
        var labels = new Dictionary<string, string>(query.Version is null ? ReleaseLabels.ForApp(app.App) : ReleaseLabels.ForRelease(app.App, query.Version));
        if (query.Process is { } process) labels[ReleaseLabels.Process] = process;
        var containers = (await engine.ListContainersAsync(labels, ct)).Where(ReleaseContainers.IsReleaseContainer).ToList();
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

    public async Task<RolloutReport> RollOutAsync(AppManifest app, string version, IStageLog log, Func<CancellationToken, Task> beforeCutover,
        CancellationToken ct)
    {
        _unchanged = null;
        await ConfirmVolumesDroppedAsync(app, ct); // only a rollout can drop one: a deploy with nothing to do asks nothing
        return await SyncJobsAsync(app, await _rollout.RollOutAsync(app, version, log, beforeCutover, ct), log, ct);
    }

    /// <summary>
    /// The jobs' templates of the serving release, made again if a run stopped between the cut-over and them (a deploy with nothing
    /// else to do would otherwise never make them).
    /// </summary>
    private async Task ConvergeJobsAsync(AppManifest app, IStageLog log, CancellationToken ct)
    {
        if ((await edge.RouteAsync(app.App, ct))?.Route.Version is not { } serving) return;
        var templates = (await engine.ListContainersAsync(JobLabels.TemplatesOf(app.App), ct)).Where(t => !LocalJobs.IsScheduledBackup(t)).ToList();
        var current = templates.Count == app.Jobs.Count
                      && app.Jobs.All(j => templates.Any(t => t.Name == JobLabels.TemplateName(app.App, j.Name) && t.Labels.GetValueOrDefault(ReleaseLabels.Version) == serving));
        if (current) return;
        log.Info($"jobs: making their templates of {serving} again");
        await _jobs.SyncAsync(app, serving, ReleaseContainers.Environment(app, serving, secrets), time.GetUtcNow(), log.Info, ct);
    }

    /// <summary>
    /// Once a release serves, its jobs run in it: their templates are made of it (and removed for jobs no longer named). The release
    /// serves whatever happens here: a failure (the engine lost after the cut-over) is a warning, and the next up makes them.
    /// </summary>
    private async Task<RolloutReport> SyncJobsAsync(AppManifest app, RolloutReport report, IStageLog log, CancellationToken ct)
    {
        try
        {
            if (app.Jobs.Count == 0 && app.Preview is null && (await engine.ListContainersAsync(JobLabels.TemplatesOf(app.App), ct)).Count == 0) return report;
            await _jobs.SyncAsync(app, report.Version, ReleaseContainers.Environment(app, report.Version, secrets), time.GetUtcNow(), log.Info, ct);
            foreach (var job in app.Jobs)
                log.Info($"job {job.Name}: {job.Schedule}, next at {job.Schedule.Next(time.GetUtcNow()):u}, in {report.Version}");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.Warn($"{report.Version} serves, but its jobs could not be set up ({e.Message.Split('\n')[0]}): the next up sets them up");
        }
        return report;
    }

    public async Task<int> RemoveLeftoversAsync(AppManifest app, IStageLog log, CancellationToken ct)
    {
        if (TakeUnchanged(app) is not { } reads) return await _rollout.RemoveLeftoversAsync(app, log, ct);
        var removed = await _rollout.RemoveLeftoversAsync(app, reads.Route, reads.AppContainers, log, ct);
        if (removed == 0) _unchanged = reads;
        return removed;
    }

    public Task<IReadOnlyList<string>> AvailableVersionsAsync(AppManifest app, CancellationToken ct) => _images.AvailableVersionsAsync(app, ct);

    public async Task<DestroyReport> DestroyAsync(AppManifest app, IStageLog log, CancellationToken ct)
    {
        await AppOwnership.EnsureAsync(engine, app, ct);
        var jobs = await _jobs.RemoveAsync(app, ct);
        var accessories = await _accessories.RemoveAsync(app, ct); // before the network they are on
        var report = await _teardown.DestroyAsync(app, log, ct);
        await _jobs.StopSchedulerIfIdleAsync(ct);
        return report with
        {
            Removed = [.. jobs, .. accessories, .. report.Removed],
            Kept = (await _volumes.ListAsync(app, ct)).Select(v => $"volume {v.Volume}{(v.Bytes is { } bytes ? $" ({ByteSize.Format(bytes)})" : "")}").ToList(),
        };
    }

    public async Task<IReadOnlyList<PreviewStatus>> PreviewsAsync(string of, CancellationToken ct)
    {
        var containers = await engine.ListContainersAsync(new Dictionary<string, string> { [ReleaseLabels.PreviewOf] = of }, ct);
        var routes = await edge.InfoAsync(ct) is null ? [] : (await edge.RoutesAsync(ct)).ToDictionary(r => r.Route.App, r => r.Route);
        return containers.Where(c => c.Labels.ContainsKey(ReleaseLabels.App)).GroupBy(c => c.Labels[ReleaseLabels.App]).Select(group =>
        {
            var route = routes.GetValueOrDefault(group.Key);
            var expires = group.Select(c => Slipway.Edge.Contract.JobLabels.ParseTime(c.Labels.GetValueOrDefault(ReleaseLabels.PreviewExpires)))
                .OfType<DateTimeOffset>().DefaultIfEmpty().Max();
            Uri? url = route is null ? null : UrlOf(route.Tls is not null, route.Host, route.Port, engine.Endpoint.RemoteHost);
            return new PreviewStatus(group.First().Labels.GetValueOrDefault(ReleaseLabels.PreviewName, group.Key), group.Key,
                route?.Version ?? group.First().Labels.GetValueOrDefault(ReleaseLabels.Version), url, route?.DeployedAt,
                expires == default ? null : expires);
        }).OrderBy(p => p.DeployedAt ?? DateTimeOffset.MaxValue).ToList();
    }

    public Task<IReadOnlyList<JobStatus>> JobsAsync(AppManifest app, CancellationToken ct) => _jobs.StatusAsync(app, time.GetUtcNow(), ct);

    public Task<int> RunJobAsync(AppManifest app, string name, Action<string> onLine, CancellationToken ct) =>
        _jobs.RunNowAsync(app, name, time.GetUtcNow(), onLine, ct);

    public async Task StreamJobLogsAsync(AppManifest app, string name, LogQuery query, Action<LogLine> onLine, CancellationToken ct)
    {
        var since = query.Since is { } window ? time.GetUtcNow() - window : (DateTimeOffset?)null;
        foreach (var run in await _jobs.RunsAsync(app, name, ct))
            await engine.StreamLogsAsync(run.Id, since, query.Tail, follow: false, (at, text) => onLine(new LogLine(at, run.Name, text)), ct);
    }

    public Task<IReadOnlyList<VolumeStatus>> VolumesAsync(AppManifest app, CancellationToken ct) => _volumes.ListAsync(app, ct);

    public async Task<IReadOnlyList<string>> RemoveVolumesAsync(AppManifest app, IStageLog log, CancellationToken ct)
    {
        var removed = new List<string>();
        foreach (var volume in await _volumes.ListAsync(app, ct))
        {
            if (await engine.RemoveVolumeAsync(volume.Volume, ct))
                removed.Add($"volume {volume.Volume}{(volume.Bytes is { } bytes ? $" ({ByteSize.Format(bytes)} of data)" : "")}");
        }
        return removed;
    }

    public Task<IReadOnlyList<AccessoryStatus>> AccessoriesAsync(AppManifest app, CancellationToken ct) => _accessories.StatusAsync(app, ct);

    public Task RestartAccessoryAsync(AppManifest app, string name, IStageLog log, CancellationToken ct) => _accessories.RestartAsync(app, name, log, ct);

    public async Task StreamAccessoryLogsAsync(AppManifest app, string name, LogQuery query, Action<LogLine> onLine, CancellationToken ct)
    {
        var container = await _accessories.FindAsync(app, name, ct);
        var since = query.Since is { } window ? time.GetUtcNow() - window : (DateTimeOffset?)null;
        await engine.StreamLogsAsync(container.Id, since, query.Tail, query.Follow, (at, text) => onLine(new LogLine(at, container.Name, text)), ct);
    }

    public Task<string> BackupAsync(AppManifest app, Slipway.Backups.BackupTarget target, Stream output, CancellationToken ct) => DataBackups.BackupAsync(app, target, output, ct);

    public Task RestoreAsync(AppManifest app, Slipway.Backups.BackupTarget target, string format, Stream input, IStageLog log, CancellationToken ct) =>
        DataBackups.RestoreAsync(app, target, format, input, log, ct);

    public async Task<int> ExecAccessoryAsync(AppManifest app, string name, IReadOnlyList<string> command, Action<string> onLine, CancellationToken ct) =>
        await engine.ExecAsync((await _accessories.FindAsync(app, name, ct)).Id, command, onLine, ct);

    public Task<int> RunAsync(AppManifest app, IReadOnlyList<string> command, Action<string> onLine, CancellationToken ct, Attachment? attach = null) =>
        _oneOff.RunAsync(app, command, onLine, ct, attach);

    public Task<int> ExecAsync(AppManifest app, string? replica, IReadOnlyList<string> command, Action<string> onLine, CancellationToken ct) =>
        _oneOff.ExecAsync(app, replica, command, onLine, ct);

    public Task RunReleaseCommandAsync(AppManifest app, string version, IStageLog log, CancellationToken ct) =>
        _oneOff.RunReleaseCommandAsync(app, version, log, ct);

    public async Task<RolloutReport> RollOutCanaryAsync(AppManifest app, string version, CanaryPlan plan, IStageLog log,
        Func<CancellationToken, Task> beforeCutover, CancellationToken ct)
    {
        _unchanged = null;
        await ConfirmVolumesDroppedAsync(app, ct);
        return await SyncJobsAsync(app, await _rollout.RollOutAsync(app, version, log, beforeCutover, ct, plan), log, ct);
    }

    public async Task<CanaryReport?> EndCanaryAsync(AppManifest app, bool promote, IStageLog log, CancellationToken ct) =>
        await edge.InfoAsync(ct) is not null && await edge.EndCanaryAsync(app.App, promote, ct) is { } result ? CanaryReport.From(app.App, result) : null;


    public async Task SetMaintenanceAsync(AppManifest app, MaintenancePage? page, IStageLog log, CancellationToken ct)
    {
        var mode = page is null ? null : new MaintenanceMode(page.Body, page.IsHtml, time.GetUtcNow());
        if (await edge.InfoAsync(ct) is null || !await edge.SetMaintenanceAsync(app.App, mode, ct))
            throw new SlipwayException(ErrorCode.VersionNotAvailable, $"{app.App} is not served here: there is nothing to put in or out of maintenance",
                "deploy it first with slipway up");
    }

}
