using System.Net;
using Slipway.Configuration;
using Slipway.Edge.Contract;
using Slipway.Engine;
using Slipway.Foundation;
using Slipway.Foundation.Output;
using Slipway.Foundation.Timing;
using Slipway.Platforms.EdgeControl;
using Slipway.Platforms.Images;
using Slipway.Source;

namespace Slipway.Platforms.Swarm;

/// <summary>
/// Apps on a Docker Swarm through one manager's engine: each release a service of its own whose tasks the swarm places,
/// restarts and reschedules across the nodes; Slipway's edge on the edge nodes reaches them by their overlay addresses and
/// moves the traffic (health gate, cut-over, drain), never the swarm's routing mesh. Images go through the cluster's registry,
/// pinned by digest. Runs are coordinated and recorded on this machine, as locally.
/// </summary>
public sealed class SwarmPlatform(DockerEngine engine, string registry, AppSecrets secrets, Func<string, string?> environment, TimeProvider time)
    : IPlatform, IInputCheck, IWorkerProcesses, IReleasePhase, IOneOffCommands, IMaintenance, ICanaryReleases
{
    private readonly SwarmEdge _edge = new(engine, registry, environment, time);
    private readonly SwarmReleases _releases = new(engine, time);
    private readonly SwarmSecrets _secrets = new(engine);
    private readonly SwarmProcesses _processes = new(engine, time);
    private readonly SwarmOneOff _oneOff = new(engine, time);

    public string Name => SwarmModule.PlatformName;

    public ReleaseTraits TraitsOf(AppManifest app) => ReleaseTraits.Plain(app) with
    {
        FingerprintPart = $"edge={app.Edge.Host}:{app.Edge.Port}\nregistry={registry}\n",
    };

    /// <summary>The address of the edge the app's URL names (<see cref="PublicUrlAsync"/>), once a status has looked.</summary>
    private IPAddress? _edgeAddress;

    /// <summary>An edge's address: the manager Slipway talks to, unless nodes are labelled for the edge.</summary>
    public IPAddress? PublicAddress => _edgeAddress ?? (engine.Endpoint.RemoteHost is { } server
        ? IPAddress.TryParse(server.Trim('[', ']'), out var address) ? address : null
        : IPAddress.Loopback);

    public string VersionHeader => EdgeHeaders.Version;

    /// <summary>What this platform does not do yet, refused before anything changes.</summary>
    public void CheckInputs(AppManifest app)
    {
        static SlipwayException Unsupported(string key, string what) => new(ErrorCode.InvalidSetting,
            $"{key}: {what} is not supported on the swarm platform yet", "deploy without it, or to the local or aws platform");
        // Every edge serves one certificate: the files given, or the one the first edge gets (the others copy it), for edge.host.
        // ACME's check comes to the redirect port (80 unless set), which every edge node publishes.
        if (app.Edge.Tls is { Local: true } && app.Edge.Host is null)
            throw new SlipwayException(ErrorCode.InvalidSetting, "edge.tls: local: on swarm the certificate is for edge.host, and none is set",
                "set edge.host to the name the app is reached by on the edge nodes");
        EdgeTlsFiles.Read(app, time.GetUtcNow());
        EdgeTlsFiles.Issuer(app);
        if (app.Secrets.Values.Any(secret => !secret.IsReadBySlipway)) throw Unsupported("secrets.*.fromSsm", "an SSM parameter");
    }

    public async Task<string> EnsureInfrastructureAsync(AppManifest app, IStageLog log, CancellationToken ct)
    {
        var version = await engine.EnsureReachableAsync(ct);
        await EnsureManagerAsync(ct);
        var nodes = await engine.ListNodesAsync(ct);
        var edges = await _edge.EnsureAsync(app.Edge.Tls?.RedirectFrom is { } redirect ? [app.Edge.Port, redirect] : [app.Edge.Port], log.Info, ct);
        try
        {
            var routes = (await edges[0].Client.RoutesAsync(ct)).Select(r => r.Route).ToList();
            if (RouteClash.Find(routes, app.App, app.Edge.Port, app.Edge.Host) is { } clash)
                throw new SlipwayException(ErrorCode.PortInUse, $"edge: {RouteClash.Describe(clash)}",
                    "choose another edge.port, or give each app sharing the port its own edge.host");
        }
        finally
        {
            foreach (var edge in edges) edge.Dispose();
        }
        await engine.EnsureOverlayNetworkAsync(SwarmNames.AppNetwork(app), ReleaseLabels.ForApp(app.App), ct);
        return $"swarm of {nodes.Count(n => n.State == "ready")} ready node(s) through engine {version.Version} at {engine.Endpoint.Display}, "
               + $"edge on {edges.Count} node(s), registry {registry}";
    }

    private async Task EnsureManagerAsync(CancellationToken ct)
    {
        var swarm = await engine.SwarmAsync(ct);
        if (!swarm.IsActive)
            throw new SlipwayException(ErrorCode.PlatformNotAvailable, $"the engine at {engine.Endpoint.Display} is not part of a swarm ({swarm.LocalNodeState})",
                "make it a manager (docker swarm init), or name a manager of your swarm in the environment's engine:");
        if (!swarm.IsManager)
            throw new SlipwayException(ErrorCode.PlatformNotAvailable, $"the engine at {engine.Endpoint.Display} is a worker of its swarm, not a manager",
                "name a manager in the environment's engine: (docker node ls on a manager lists them)");
    }

    public async Task<IReadOnlyList<string>> PlanInfrastructureAsync(AppManifest app, CancellationToken ct)
    {
        var version = await engine.EnsureReachableAsync(ct);
        await EnsureManagerAsync(ct);
        var nodes = await engine.ListNodesAsync(ct);
        var edge = await engine.InspectServiceAsync(SwarmNames.EdgeService, ct);
        return
        [
            $"engine {version.Version} answers at {engine.Endpoint.Display}: a manager of a swarm of {nodes.Count} node(s)",
            edge is null ? $"edge: would start on the edge nodes, port {app.Edge.Port}" : $"edge: running as service {SwarmNames.EdgeService}",
        ];
    }

    public Task ReleaseUnusedInfrastructureAsync(CancellationToken ct) => Task.CompletedTask;

    public async Task<AppStatus> GetStatusAsync(AppManifest app, CancellationToken ct)
    {
        var edges = await _edge.EdgesAsync(wait: false, ct);
        try
        {
            var releases = await _releases.ListAsync(app, ct);
            var nodes = await engine.ListNodesAsync(ct);
            var url = await PublicUrlAsync(app, edges, nodes, ct);
            if (edges.Count == 0)
                return new AppStatus(app.App, Name, url, null, [], null,
                    releases.Count == 0 ? null : $"no edge answers on the swarm: {releases.Count} release(s) of {app.App} exist but nothing serves them");
            var route = await edges[0].Client.RouteAsync(app.App, ct);
            if (route is null) return new AppStatus(app.App, Name, url, null, [], null);
            var service = releases.FirstOrDefault(r => r.Name == SwarmNames.RoutedService(route));
            var fingerprint = service?.Labels.GetValueOrDefault(ReleaseLabels.Fingerprint);
            // Each target's node, by its task's address on the edge network.
            var canaryService = releases.FirstOrDefault(r => r.Name == SwarmNames.CanaryService(route));
            var tasks = new List<SwarmTask>();
            foreach (var shown in new[] { service, canaryService }.OfType<SwarmService>()) tasks.AddRange(await engine.ListTasksAsync(shown.Id, ct));
            var nodeOf = tasks.Where(t => t.IsRunning && t.Addresses.ContainsKey(SwarmNames.EdgeNetwork))
                .GroupBy(t => t.Addresses[SwarmNames.EdgeNetwork]).ToDictionary(g => g.Key, g => g.First().NodeId);
            string? NodeOf(string address) =>
                Uri.TryCreate(address, UriKind.Absolute, out var uri) && nodeOf.GetValueOrDefault(uri.Host) is { } id
                    ? nodes.FirstOrDefault(n => n.Id == id)?.Hostname ?? id[..Math.Min(12, id.Length)] : null;
            var canaryTargets = route.Route.Canary?.Targets.Select(t => t.Id).ToHashSet() ?? [];
            var replicas = route.Targets.Select(t => canaryTargets.Contains(t.Id)
                    ? new ReplicaStatus(t.Id, route.Route.Canary!.Version, "running", t.Health, t.Address, canaryService?.Labels.GetValueOrDefault(ReleaseLabels.Fingerprint), NodeOf(t.Address))
                    : new ReplicaStatus(t.Id, route.Route.Version, "running", t.Health, t.Address, fingerprint, NodeOf(t.Address)))
                .OrderBy(r => r.Id, StringComparer.Ordinal).ToList();
            var processes = new Dictionary<string, IReadOnlyList<ReplicaStatus>>();
            foreach (var process in (await _processes.ListAsync(app, ct)).Where(p => service is not null && p.Labels.GetValueOrDefault(SwarmProcesses.OfReleaseLabel) == service.Name))
                processes[process.Labels[SwarmProcesses.ProcessLabel]] = (await engine.ListTasksAsync(process.Id, ct))
                    .Where(t => t.DesiredState == "running")
                    .Select(t => new ReplicaStatus($"{process.Name}.{t.Slot}", route.Route.Version, t.State, "-", null, fingerprint,
                        nodes.FirstOrDefault(n => n.Id == t.NodeId)?.Hostname)).OrderBy(r => r.Id, StringComparer.Ordinal).ToList();
            var lagging = new List<string>();
            foreach (var other in edges.Skip(1))
                if ((await other.Client.RouteAsync(app.App, ct))?.Route.Version is var served && served != route.Route.Version)
                    lagging.Add($"{nodes.FirstOrDefault(n => n.Id == other.NodeId)?.Hostname ?? other.NodeId} serves {served ?? "nothing"}");
            return new AppStatus(app.App, Name, url, route.Route.Version, replicas, route.Route.DeployedAt,
                lagging.Count == 0 ? null : $"the edges disagree: the first serves {route.Route.Version}, {string.Join(", ", lagging)}: run slipway up")
            {
                Processes = processes,
                Canary = route.Route.Canary is { } canary ? new CanaryStatus(canary.Version, canary.Policy.Percent, canary.EndsAt) : null,
                LastCanary = route.Route.LastCanary is { } last ? CanaryReport.From(app.App, last) : null,
            };
        }
        finally
        {
            foreach (var edge in edges) edge.Dispose();
        }
    }

    /// <summary>
    /// The app's URL: its edge.host, else the manager Slipway talks to when it runs an edge, else the first edge node's own
    /// address (nodes labelled for the edge). The check stage connects to that address too.
    /// </summary>
    private async Task<Uri> PublicUrlAsync(AppManifest app, IReadOnlyList<ClusterEdge> edges, IReadOnlyList<SwarmNode> nodes, CancellationToken ct)
    {
        var manager = (await engine.SwarmAsync(ct)).NodeId;
        var host = engine.Endpoint.RemoteHost ?? "127.0.0.1";
        if (edges.Count > 0 && edges.All(e => e.NodeId != manager))
            host = edges.Select(e => nodes.FirstOrDefault(n => n.Id == e.NodeId)?.Address).OfType<string>().Order(StringComparer.Ordinal).FirstOrDefault() ?? host;
        _edgeAddress = IPAddress.TryParse(host.Trim('[', ']'), out var address) ? address : null;
        return new Uri($"{(app.Edge.Tls is null ? "http" : "https")}://{app.Edge.Host ?? host}:{app.Edge.Port}/");
    }

    public async Task<bool> HasImageAsync(AppManifest app, string version, CancellationToken ct) =>
        await new ImageBuilder(engine).ExistsAsync(app, version, ct)
        || (await _releases.ListAsync(app, ct)).Any(r => r.Labels.GetValueOrDefault(SwarmNames.ReleaseLabel) == version);

    /// <summary>Built on the manager's engine, then pushed to the cluster's registry, from which every node pulls it.</summary>
    public async Task<string> PublishImageAsync(AppManifest app, SourceSnapshot source, IStageLog log, CancellationToken ct)
    {
        var built = await new ImageBuilder(engine).BuildAsync(app, source, log.Info, log.Warn, ct);
        var image = await PushAsync(app, source.Version, ct);
        log.Info($"pushed {image}");
        return built;
    }

    private async Task<string> PushAsync(AppManifest app, string version, CancellationToken ct)
    {
        var repository = SwarmNames.RegistryRepository(app, registry);
        await engine.TagImageAsync(ImageBuilder.ImageReference(app.App, version), repository, version, ct);
        string? digest;
        try
        {
            digest = await engine.PushImageAsync(repository, version, null, _ => { }, ct);
        }
        catch (EngineApiException e)
        {
            throw new SlipwayException(ErrorCode.PlatformNotAvailable, $"swarm.registry: the push to {registry} failed: {e.Message.Split('\n')[0]}",
                "the manager's engine pushes: it must reach the registry (an HTTP one needs insecure-registries in its daemon.json, on every node)");
        }
        return $"{repository}@{digest ?? throw new SlipwayException(ErrorCode.PlatformNotAvailable, $"the registry {registry} gave no digest for {repository}:{version}", "check that swarm.registry is a registry (v2 API)")}";
    }

    public Task<RolloutReport> RollOutAsync(AppManifest app, string version, IStageLog log, Func<CancellationToken, Task> beforeCutover,
        CancellationToken ct) => RollOutAsync(app, version, log, beforeCutover, canary: null, ct);

    /// <summary>
    /// The new release beside the serving one on every edge, with the plan's share of each edge's requests: the first edge judges
    /// it (by its own traffic) and the others follow its decision, so one edge decides for the cluster.
    /// </summary>
    public Task<RolloutReport> RollOutCanaryAsync(AppManifest app, string version, CanaryPlan plan, IStageLog log,
        Func<CancellationToken, Task> beforeCutover, CancellationToken ct) => RollOutAsync(app, version, log, beforeCutover, plan, ct);

    private async Task<RolloutReport> RollOutAsync(AppManifest app, string version, IStageLog log, Func<CancellationToken, Task> beforeCutover,
        CanaryPlan? canary, CancellationToken ct)
    {
        var fingerprint = ReleaseFingerprint.Of(app, version, secrets, TraitsOf(app));
        var serviceName = SwarmNames.ReleaseService(app, version, fingerprint);
        var existing = await engine.InspectServiceAsync(serviceName, ct);
        // A rollback starts the kept release's service again, with the image it ran (pinned by digest); a new one is pushed.
        var image = existing?.Labels.GetValueOrDefault(ReleaseLabels.Fingerprint) == fingerprint
            ? existing!.Image ?? await PushAsync(app, version, ct)
            : await PushAsync(app, version, ct);
        var edges = await _edge.EdgesAsync(wait: false, ct);
        try
        {
            if (edges.Count == 0)
                throw new SlipwayException(ErrorCode.EdgeUnavailable, "no edge answers on the swarm", "run slipway up again: it starts the edge");
            var current = await edges[0].Client.RouteAsync(app.App, ct);
            if (canary is not null && current is null)
            {
                log.Warn($"nothing serves {app.App} yet, so there is no release to share the requests with: {version} takes them all");
                canary = null;
            }
            await engine.EnsureOverlayNetworkAsync(SwarmNames.AppNetwork(app), ReleaseLabels.ForApp(app.App), ct);
            var spec = SwarmReleases.Spec(app, version, image, fingerprint);
            IReadOnlyList<string>? imageEntrypoint = null;
            if (secrets.Values.Count > 0)
            {
                // The wrapper that turns the secrets' files into variables runs the image's own program, read from the built image;
                // a kept release (a rollback) is scaled up as it is, its spec already holding both.
                var kept = existing is not null && existing.Labels.GetValueOrDefault(ReleaseLabels.Fingerprint) == fingerprint;
                var (entrypoint, command) = kept ? ([], []) : await _secrets.ProgramOfAsync(ImageBuilder.ImageReference(app.App, version), ct);
                imageEntrypoint = entrypoint;
                spec = spec with
                {
                    Secrets = await _secrets.EnsureAsync(app, version, fingerprint, secrets.Values, ct),
                    Entrypoint = SwarmSecrets.Entrypoint(secrets.Values.Keys, entrypoint, command),
                };
            }
            IReadOnlyList<SwarmTask> tasks;
            try
            {
                tasks = await _releases.StartAsync(spec, log.Info, ct);
            }
            catch (SwarmTaskFailedException e)
            {
                throw await RejectedAsync(app, spec.Name, current, $"task {e.Task.Id[..Math.Min(12, e.Task.Id.Length)]} of {spec.Name}: {e.Describe(app)}", ct);
            }
            var targets = tasks.Select(t => new EdgeTarget($"{spec.Name}.{t.Slot}", $"http://{t.Addresses[SwarmNames.EdgeNetwork]}:{app.Port}")).ToList();
            DeployOutcome first;
            var judgedPromoted = false;
            try
            {
                var processes = app.Processes.Select(p => SwarmProcesses.Spec(spec, p, imageEntrypoint, secrets.Values.Keys.ToList())).ToList();
                try
                {
                    await _processes.StartAsync(app, processes, log.Info, ct);
                }
                catch (SwarmTaskFailedException e)
                {
                    var process = e.Task.ServiceId is { } id ? (await engine.InspectServiceAsync(id, ct))?.Labels.GetValueOrDefault(SwarmProcesses.ProcessLabel) : null;
                    throw await RejectedAsync(app, spec.Name, current,
                        $"process {process ?? "?"}: task {e.Task.Id[..Math.Min(12, e.Task.Id.Length)]} ended before it had run for its healthy time ({e.Task.State}"
                        + (e.Task.ExitCode is { } code ? $", exit code {code}" : "") + (e.Task.Error is { Length: > 0 } error ? $": {error}" : "") + ")", ct,
                        logsOf: e.Task.ServiceId);
                }
                var policy = canary is null ? null : new CanaryPolicy(canary.Percent, canary.For, canary.MaxErrorRate);
                first = await CutOverAsync(app, version, spec.Name, targets, edges, current, beforeCutover, policy, log, ct);
                if (first.Route.Canary is { } judged)
                {
                    log.Info($"canary: {version} takes {canary!.Percent}% of the requests beside {first.Route.Version} on {edges.Count} edge(s) for "
                             + $"{Duration.Format(canary.For)}, judged by the edge on node {Short(edges[0].NodeId)}");
                    var result = await new CanaryProgress(edges[0].Client, time).WaitAsync(app.App, judged, log, ct);
                    judgedPromoted = result.Outcome == CanaryOutcomes.Promoted;
                    await FollowTheJudgeAsync(app, result, edges, ct);
                    if (result.Outcome != CanaryOutcomes.Promoted) throw await CanaryAbortedAsync(app, spec.Name, result, ct);
                    log.Info($"canary promoted ({result.Reason}): {version} takes every request on every edge; {result.StableVersion}'s tasks drained");
                }
            }
            catch (Exception e) when (e is not SlipwayException { Code: ErrorCode.ReleaseUnhealthy or ErrorCode.CanaryAborted })
            {
                // Whatever stopped it (a hook, an interruption), new tasks no edge routes to never served: they go. A canary
                // stopped midway is aborted on every edge first (the judge's was by its progress), so none sends it requests.
                // Once the judge promoted it, the edges that lag are the next up's to converge, never aborted back.
                if (canary is not null && !judgedPromoted) await EndCanaryOnEveryEdgeAsync(app, edges, promote: false);
                if (!await AnyEdgeRoutesToAsync(app, edges, spec.Name))
                {
                    await RemoveReleaseAsync(app, spec.Name, CancellationToken.None);
                }
                throw;
            }
            if (first.Route.Canary is null) log.Info($"cut over to {version} on {edges.Count} edge(s); old tasks drained");
            if (app.Edge.Tls is { Local: true })
                log.Info($"HTTPS with a certificate of the local CA of the edge on node {Short(edges[0].NodeId)} (until {first.Route.Tls?.NotAfter:yyyy-MM-dd}; "
                         + "it renews it and the other edges copy it): to trust it, take its root on that node with docker exec "
                         + $"$(docker ps -q -f label=com.docker.swarm.service.name={SwarmNames.EdgeService}) cat {EdgeImage.StateFolder}/ca/root.crt");
            try
            {
                await _releases.RetireOthersAsync(app, spec.Name, ct);
                var kept = await _releases.ListAsync(app, ct);
                await _processes.RetireOthersAsync(app, spec.Name, kept.Select(r => r.Name).ToList(), ct);
                await _secrets.RemoveUnusedAsync(app, kept, ct);
            }
            catch (Exception e) when (e is EngineApiException or HttpRequestException)
            {
                log.Warn($"{version} serves, but the previous release could not be scaled down ({e.Message.Split('\n')[0]}): the next up does it");
            }
            return new RolloutReport(version, first.PreviousVersion, tasks.Count, first.DrainTimedOut);
        }
        finally
        {
            foreach (var edge in edges) edge.Dispose();
        }
    }

    /// <summary>
    /// The cut-over on every edge, the first one gating the new tasks (a rejection there leaves every edge on the old release);
    /// returns the first edge's outcome.
    /// </summary>
    /// <param name="canary">Start a canary instead of cutting over: judged by the first edge, whose decision the others follow.</param>
    private async Task<DeployOutcome> CutOverAsync(AppManifest app, string version, string service, IReadOnlyList<EdgeTarget> targets,
        IReadOnlyList<ClusterEdge> edges, RouteStatus? current, Func<CancellationToken, Task> beforeCutover, CanaryPolicy? canary, IStageLog log,
        CancellationToken ct)
    {
        await beforeCutover(ct);
        var health = app.HealthCheck;
        // The swarm replaces a task lost with its node on another node: the edge follows the service's tasks by name.
        var args = new DeployArgs(version, app.Edge.Port, app.Edge.Host, targets,
            new EdgeHealthSettings(health.Path, health.Interval, health.Timeout, health.HealthyThreshold, health.UnhealthyThreshold),
            health.StartPeriod, app.Drain, app.Edge.MetricsPort, EdgeTlsFiles.Read(app, time.GetUtcNow()),
            Discovery: new TargetDiscovery($"tasks.{service}", app.Port, service, health.StartPeriod), Canary: canary, TlsIssuer: EdgeTlsFiles.Issuer(app));
        var followed = Following(args, edges[0]);
        DeployOutcome? first = null;
        var lagging = new List<string>();
        foreach (var edge in edges)
        {
            try
            {
                // Once the first edge has gated the tasks, a follower that fails is tried again: a deploy ends with every edge serving.
                var outcome = first is null ? await DeployFirstAsync(app, args, edges, ct) : await FollowAsync(edge, app.App, followed, ct);
                first ??= outcome;
            }
            catch (EdgeRequestException e) when (first is null && e.Error.Error == EdgeErrors.TargetFailedToBecomeHealthy)
            {
                var failures = e.Error.Targets ?? [];
                throw await RejectedAsync(app, service, current,
                    $"{failures.Count} of {targets.Count} new task(s) did not become healthy within {Duration.Format(health.StartPeriod)}"
                    + string.Concat(failures.Select(f => $"{Environment.NewLine}  task {f.Id}: {f.Describe(health.Path, health.StartPeriod)}")), ct);
            }
            catch (EdgeRequestException e) when (first is null && e.Error.Error is EdgeErrors.PortInUse or EdgeErrors.HostInUse)
            {
                throw new SlipwayException(ErrorCode.PortInUse, $"edge: {e.Error.Message}", "choose another edge.port or edge.host in the manifest");
            }
            catch (EdgeRequestException e) when (first is null && e.Error.Error is EdgeErrors.CertificateNotIssued)
            {
                throw new SlipwayException(ErrorCode.CertificateNotIssued, e.Error.Message,
                    app.Edge.Tls?.Acme is not null
                        ? $"the ACME CA must reach http://{app.Edge.Host}:{app.Edge.Tls.RedirectFrom}/.well-known/acme-challenge/ on an edge node; the previous release keeps serving"
                        : $"see docker service logs {SwarmNames.EdgeService} on the manager; the previous release keeps serving");
            }
            catch (EdgeRequestException e) when (first is null && e.Error.Error is EdgeErrors.CanaryRefused)
            {
                throw new SlipwayException(ErrorCode.InvalidSetting, $"--canary: {e.Error.Message}", "deploy this change without --canary");
            }
            catch (Exception e) when (first is not null && EdgeDidNotTakeIt(e))
            {
                lagging.Add($"node {edge.NodeId[..Math.Min(12, edge.NodeId.Length)]} ({e.Message.Split('\n')[0]})");
            }
        }
        if (lagging.Count > 0)
            // The release serves on the edges that took it; status reports the others, and the next up converges them.
            throw new SlipwayException(ErrorCode.EdgeUnavailable,
                $"{version} serves on {edges.Count - lagging.Count} of {edges.Count} edge(s); the edge on {string.Join(", ", lagging)} did not take it",
                "run slipway up again: it tells every edge (slipway status names those that lag)");
        return first!;
    }

    /// <summary>
    /// The deploy on the first edge. When it may get a certificate by ACME, the CA may check any edge node: the others answer the
    /// check on the redirect port meanwhile (asking the first for the answer), although they serve nothing there yet.
    /// </summary>
    private static async Task<DeployOutcome> DeployFirstAsync(AppManifest app, DeployArgs args, IReadOnlyList<ClusterEdge> edges, CancellationToken ct)
    {
        if (args.TlsIssuer is not { Kind: TlsIssuers.Acme, RedirectFrom: { } port } || edges.Count < 2) return await edges[0].Client.DeployAsync(app.App, args, ct);
        var others = new List<ClusterEdge>();
        foreach (var edge in edges.Skip(1))
        {
            try
            {
                await edge.Client.OpenChallengePortAsync(port, ChallengeWindow, ct);
                others.Add(edge);
            }
            catch (Exception e) when (EdgeDidNotTakeIt(e))
            {
                // The CA may check that node in vain; the first edge's own node still answers, and the deploy says why it failed.
            }
        }
        try
        {
            return await edges[0].Client.DeployAsync(app.App, args, ct);
        }
        finally
        {
            foreach (var edge in others)
            {
                try { await edge.Client.CloseChallengePortAsync(port, CancellationToken.None); }
                catch (Exception e) when (EdgeDidNotTakeIt(e)) { /* it closes by itself */ }
            }
        }
    }

    /// <summary>An edge that refused a request, or that the relay or the engine could not reach.</summary>
    private static bool EdgeDidNotTakeIt(Exception e) => e is EdgeRequestException or HttpRequestException or IOException or EngineApiException;

    /// <summary>Longer than the edge waits for an ACME CA (2 min per step); the port closes by itself then, should up be killed.</summary>
    private static readonly TimeSpan ChallengeWindow = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A deploy as the edges after the first get it: the first judges its canary and gets its certificate (from the local CA
    /// or ACME), and they follow that edge's decision and copy that certificate, through its control gate.
    /// </summary>
    private static DeployArgs Following(DeployArgs args, ClusterEdge first)
    {
        var gate = $"{first.Address}:{SwarmNames.ControlGatePort}";
        return args with { Canary = args.Canary is { } canary ? canary with { Leader = gate } : null, TlsIssuer = args.TlsIssuer is { } issuer ? issuer with { Leader = gate } : null };
    }

    /// <summary>
    /// Ends the canary on the edges after the first as the first (its judge) ended it. They follow it on their own within a
    /// second; this makes it so before <c>up</c> goes on, and an edge that ended it otherwise (its judge out of its reach) is
    /// deployed the judge's outcome.
    /// </summary>
    private async Task FollowTheJudgeAsync(AppManifest app, CanaryResult result, IReadOnlyList<ClusterEdge> edges, CancellationToken ct)
    {
        var promoted = result.Outcome == CanaryOutcomes.Promoted;
        var judged = (await edges[0].Client.RouteAsync(app.App, ct))?.Route;
        foreach (var edge in edges.Skip(1))
        {
            await edge.Client.EndCanaryAsync(app.App, promoted, ct);
            var route = (await edge.Client.RouteAsync(app.App, ct))?.Route;
            if (judged is not null && route is not null && route.Version != judged.Version)
                await FollowAsync(edge, app.App, Following(new DeployArgs(judged.Version, judged.Port, judged.Host, judged.Targets, judged.Health, TimeSpan.FromSeconds(30),
                    app.Drain, judged.MetricsPort, EdgeTlsFiles.Read(app, time.GetUtcNow()), Discovery: judged.Discovery, TlsIssuer: EdgeTlsFiles.Issuer(app)), edges[0]), ct);
        }
    }

    /// <summary>Aborts whatever canary of the app each edge runs (an interrupted <c>up</c>, <c>rollout abort</c>); an edge that cannot be told follows its judge.</summary>
    private static async Task<CanaryResult?> EndCanaryOnEveryEdgeAsync(AppManifest app, IReadOnlyList<ClusterEdge> edges, bool promote)
    {
        CanaryResult? judged = null;
        foreach (var edge in edges)
        {
            try
            {
                var ended = await edge.Client.EndCanaryAsync(app.App, promote, CancellationToken.None);
                judged ??= ended;
            }
            catch (Exception e) when (EdgeDidNotTakeIt(e))
            {
                // that edge ends it when its judge has
            }
        }
        return judged;
    }

    /// <summary>The error an aborted canary ends <c>up</c> with: why, both releases' figures, and the canary's last log lines; its service goes.</summary>
    private async Task<SlipwayException> CanaryAbortedAsync(AppManifest app, string service, CanaryResult result, CancellationToken ct)
    {
        var logged = new List<(DateTimeOffset At, string Line)>();
        await engine.StreamServiceLogsAsync(service, null, 200, follow: false, (at, _, text) => logged.Add((at, text)), ct);
        await RemoveReleaseAsync(app, service, ct);
        await _secrets.RemoveUnusedAsync(app, await _releases.ListAsync(app, ct), ct);
        var text = new System.Text.StringBuilder($"canary {result.Version} aborted: {result.Reason}")
            .Append($"{Environment.NewLine}  {result.Version} (canary): {result.Canary.Describe()}")
            .Append($"{Environment.NewLine}  {result.StableVersion} (serving): {result.Stable.Describe()}")
            .Append($"{Environment.NewLine}  {result.StableVersion} takes every request again on every edge; {result.Version}'s service is removed");
        var excerpt = LogExcerpt.Of(logged.OrderBy(l => l.At).Select(l => l.Line).ToList());
        if (excerpt.FirstError.Count > 0)
        {
            text.Append($"{Environment.NewLine}  first error in a canary task's log:");
            foreach (var line in excerpt.FirstError) text.Append($"{Environment.NewLine}    {line}");
        }
        return new SlipwayException(ErrorCode.CanaryAborted, text.ToString(),
            "fix what made it fail and deploy again; a canary that should pass as it is: raise --max-error-rate");
    }

    public async Task<CanaryReport?> EndCanaryAsync(AppManifest app, bool promote, IStageLog log, CancellationToken ct)
    {
        var edges = await _edge.EdgesAsync(wait: false, ct);
        try
        {
            // The judge first (the edge whose canary follows no other), then the rest as it ended.
            var ordered = new List<ClusterEdge>();
            foreach (var edge in edges)
                if ((await edge.Client.RouteAsync(app.App, ct))?.Route.Canary is { } canary)
                    if (canary.Policy.Leader is null) ordered.Insert(0, edge);
                    else ordered.Add(edge);
            return await EndCanaryOnEveryEdgeAsync(app, ordered, promote) is { } result ? CanaryReport.From(app.App, result) : null;
        }
        finally
        {
            foreach (var edge in edges) edge.Dispose();
        }
    }

    private static string Short(string id) => id[..Math.Min(12, id.Length)];

    /// <summary>A deploy to an edge after the first: tried three times, a second apart, before it counts as not taken.</summary>
    private async Task<DeployOutcome> FollowAsync(ClusterEdge edge, string app, DeployArgs args, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await edge.Client.DeployAsync(app, args, ct);
            }
            catch (Exception e) when (attempt < 3 && EdgeDidNotTakeIt(e))
            {
                await Task.Delay(TimeSpan.FromSeconds(1), time, ct);
            }
        }
    }

    /// <summary>Whether any edge sends the app's requests to the service; one that cannot say counts as yes (its tasks are kept).</summary>
    private static async Task<bool> AnyEdgeRoutesToAsync(AppManifest app, IReadOnlyList<ClusterEdge> edges, string service)
    {
        foreach (var edge in edges)
        {
            try
            {
                var route = await edge.Client.RouteAsync(app.App, CancellationToken.None);
                if (SwarmNames.RoutedService(route) == service || SwarmNames.CanaryService(route) == service) return true;
            }
            catch (Exception e) when (EdgeDidNotTakeIt(e))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The rejection of a release whose tasks failed or never became healthy: its service goes (unless it serves), its last log lines say why.</summary>
    /// <param name="logsOf">The service whose last log lines say why (a process's); null: the release's.</param>
    private async Task<SlipwayException> RejectedAsync(AppManifest app, string service, RouteStatus? current, string reason, CancellationToken ct,
        string? logsOf = null)
    {
        var logged = new List<(DateTimeOffset At, string Line)>();
        await engine.StreamServiceLogsAsync(logsOf ?? service, null, 20, follow: false, (at, task, text) => logged.Add((at, $"{task}: {text}")), ct);
        var lines = logged.OrderBy(l => l.At).Select(l => l.Line).ToList();
        if (SwarmNames.RoutedService(current) != service)
        {
            await RemoveReleaseAsync(app, service, ct);
            await _secrets.RemoveUnusedAsync(app, await _releases.ListAsync(app, ct), ct);
        }
        var text = new System.Text.StringBuilder($"release rejected: {reason}{Environment.NewLine}  the previous release keeps serving");
        text.Append($"{Environment.NewLine}  last log lines:");
        if (lines.Count == 0) text.Append($"{Environment.NewLine}    (its tasks wrote no log lines)");
        foreach (var line in lines.TakeLast(10)) text.Append($"{Environment.NewLine}    {line}");
        return new SlipwayException(ErrorCode.ReleaseUnhealthy, text.ToString(),
            $"check port {app.Port} and {app.HealthCheck.Path}; the logs of every task: slipway logs -e {app.Environment.Name}");
    }

    public async Task<int> RemoveLeftoversAsync(AppManifest app, IStageLog log, CancellationToken ct)
    {
        var edges = await _edge.EdgesAsync(wait: false, ct);
        try
        {
            if (edges.Count == 0) return 0;
            var route = await edges[0].Client.RouteAsync(app.App, ct);
            var routed = SwarmNames.RoutedService(route);
            var removed = 0;
            foreach (var release in await _releases.ListAsync(app, ct))
            {
                // A canary an interrupted up left to its judge takes requests too.
                if (release.Replicas is 0 || release.Name == routed || release.Name == SwarmNames.CanaryService(route)) continue;
                log.Info($"scaling down leftover release {release.Name} (not routed)");
                await _releases.ScaleAsync(release, 0, ct);
                removed++;
            }
            if (routed is not null)
                await _processes.RetireOthersAsync(app, routed, (await _releases.ListAsync(app, ct)).Select(r => r.Name).ToList(), ct);
            return removed;
        }
        finally
        {
            foreach (var edge in edges) edge.Dispose();
        }
    }

    public async Task<IReadOnlyList<string>> AvailableVersionsAsync(AppManifest app, CancellationToken ct) =>
        (await _releases.ListAsync(app, ct)).Select(r => r.Labels[SwarmNames.ReleaseLabel]).Distinct().ToList();

    public async Task StreamLogsAsync(AppManifest app, LogQuery query, Action<LogLine> onLine, CancellationToken ct)
    {
        var services = query.Process is { } process
            ? (await _processes.ListAsync(app, ct)).Where(s => s.Labels[SwarmProcesses.ProcessLabel] == process
                && (query.Version is null || s.Labels.GetValueOrDefault(ReleaseLabels.Version) == query.Version)).ToList()
            : (await _releases.ListAsync(app, ct)).Where(r => query.Version is null || r.Labels[SwarmNames.ReleaseLabel] == query.Version).ToList();
        var since = query.Since is { } window ? time.GetUtcNow() - window : (DateTimeOffset?)null;
        if (query.Follow)
        {
            await Task.WhenAll(services.Select(s => engine.StreamServiceLogsAsync(s.Id, since, query.Tail, follow: true,
                (at, task, text) => onLine(new LogLine(at, task, text)), ct)));
            return;
        }
        var lines = new List<LogLine>();
        foreach (var service in services)
            await engine.StreamServiceLogsAsync(service.Id, since, query.Tail, follow: false, (at, task, text) => lines.Add(new LogLine(at, task, text)), ct);
        foreach (var line in lines.OrderBy(l => l.Time)) onLine(line); // interleaved by time across tasks and nodes
    }

    /// <summary>Maintenance on every edge of the cluster (each answers the app's requests itself), or back in service on every one.</summary>
    public async Task SetMaintenanceAsync(AppManifest app, MaintenancePage? page, IStageLog log, CancellationToken ct)
    {
        var mode = page is null ? null : new MaintenanceMode(page.Body, page.IsHtml, time.GetUtcNow());
        var edges = await _edge.EdgesAsync(wait: false, ct);
        try
        {
            var set = 0;
            foreach (var edge in edges)
                if (await edge.Client.SetMaintenanceAsync(app.App, mode, ct)) set++;
            if (set == 0)
                throw new SlipwayException(ErrorCode.VersionNotAvailable, $"{app.App} is not served on this swarm: there is nothing to put in or out of maintenance",
                    "deploy it first with slipway up");
            if (set < edges.Count) log.Warn($"{edges.Count - set} of {edges.Count} edge(s) do not serve {app.App}: run up again, then this command");
        }
        finally
        {
            foreach (var edge in edges) edge.Dispose();
        }
    }

    /// <summary>The release command in the new version's image (pushed, pinned), as a one-off task the swarm places.</summary>
    public Task RunReleaseCommandAsync(AppManifest app, string version, IStageLog log, CancellationToken ct) =>
        ReleasePhase.RunAsync(app, version, log, time, async (command, onLine, token) =>
        {
            var fingerprint = ReleaseFingerprint.Of(app, version, secrets, TraitsOf(app));
            var spec = await OneOffSpecAsync(app, version, await PushAsync(app, version, token), fingerprint, command, "release", token);
            return await _oneOff.RunAsync(spec, onLine, token);
        }, ct);

    /// <summary>A one-off task of the serving release: its pinned image, environment and secrets, the command given.</summary>
    public async Task<int> RunAsync(AppManifest app, IReadOnlyList<string> command, Action<string> onLine, CancellationToken ct, Attachment? attach = null)
    {
        // Piped input is read whole first (the swarm keeps a task's stdin open for good, so the command gets it from a secret).
        var input = attach is { Terminal: false } ? await SwarmOneOff.ReadInputAsync(attach.Input, ct) : null;
        var serving = await ServingServiceAsync(app, ct);
        var version = serving.Labels[SwarmNames.ReleaseLabel];
        var image = serving.Image ?? await PushAsync(app, version, ct);
        var spec = await OneOffSpecAsync(app, version, image, serving.Labels[ReleaseLabels.Fingerprint], command,
            $"run-{Guid.NewGuid().ToString("N")[..6]}", ct);
        if (attach is { Terminal: true }) return await _oneOff.RunAttachedAsync(spec, (await engine.SwarmAsync(ct)).NodeId, attach, ct);
        if (input is null) return await _oneOff.RunAsync(spec, onLine, ct);
        var (entrypoint, _) = spec.Entrypoint is null ? await _secrets.ProgramOfAsync(ImageBuilder.ImageReference(app.App, version), ct) : ([], []);
        // Labelled with the app, so a run killed before it removes the secret leaves it to the next up or destroy.
        var name = $"{spec.Name}-stdin";
        var id = await engine.CreateSecretAsync(name, input, new Dictionary<string, string>(ReleaseLabels.ForApp(app.App)) { [SwarmOneOff.Label] = spec.Name }, ct);
        try
        {
            return await _oneOff.RunAsync(SwarmOneOff.WithInput(spec, new SecretReference(id, name, SwarmOneOff.InputFile), entrypoint), onLine, ct);
        }
        finally
        {
            try { await engine.RemoveSecretAsync(id, CancellationToken.None); }
            catch (EngineApiException) { /* still named by a service the swarm removes: the next up or destroy removes it */ }
        }
    }

    /// <summary>
    /// Runs a command in a running task of the serving release (or the one named <c>SERVICE.SLOT</c>, as status lists them):
    /// one on the manager Slipway talks to first, through its engine; else through the engine of the task's node.
    /// </summary>
    public async Task<int> ExecAsync(AppManifest app, string? replica, IReadOnlyList<string> command, Action<string> onLine, CancellationToken ct)
    {
        var serving = await ServingServiceAsync(app, ct);
        var manager = (await engine.SwarmAsync(ct)).NodeId;
        var tasks = (await engine.ListTasksAsync(serving.Id, ct)).Where(t => t is { IsRunning: true, ContainerId: not null })
            .OrderBy(t => t.Slot).ToList();
        var named = replica is null ? tasks : tasks.Where(t => $"{serving.Name}.{t.Slot}" == replica || t.Id.StartsWith(replica, StringComparison.Ordinal)).ToList();
        if (named.Count == 0)
            throw new SlipwayException(ErrorCode.InvalidSetting, $"--replica: {app.App} has no running task \"{replica}\"",
                $"its tasks: {string.Join(", ", tasks.Select(t => $"{serving.Name}.{t.Slot}"))} (slipway status lists them)");
        // The task's secrets are files its program exported at start; an exec'd command gets them the same way.
        command = secrets.Values.Count > 0 ? SwarmSecrets.Entrypoint(secrets.Values.Keys, [], command) : command;
        if (named.FirstOrDefault(t => t.NodeId == manager) is { } here) return await engine.ExecAsync(here.ContainerId!, command, onLine, ct);
        // Another node's engine answers only there: a one-off task on that node execs through it (its socket mounted), and
        // its output is shown when it ends.
        var task = named[0];
        var edgeImage = (await engine.InspectServiceAsync(SwarmNames.EdgeService, ct))?.Image
            ?? throw new SlipwayException(ErrorCode.EdgeUnavailable, "exec: the edge is not on this swarm, and a task on another node is reached with its image",
                "run slipway up first");
        var suffix = $"exec-{Guid.NewGuid().ToString("N")[..6]}";
        return await _oneOff.RunAsync(SwarmOneOff.ExecOnNode(serving.Name, app.App, task, edgeImage, app.Swarm().EngineSocket, command, suffix), onLine, ct);
    }

    /// <summary>The release service the edge routes the app to.</summary>
    private async Task<SwarmService> ServingServiceAsync(AppManifest app, CancellationToken ct)
    {
        var edges = await _edge.EdgesAsync(wait: false, ct);
        try
        {
            var routed = edges.Count == 0 ? null : SwarmNames.RoutedService(await edges[0].Client.RouteAsync(app.App, ct));
            return (routed is null ? null : await engine.InspectServiceAsync(routed, ct))
                ?? throw new SlipwayException(ErrorCode.VersionNotAvailable, $"{app.App} is not served on this swarm: there is no release to run the command in",
                    "deploy it first with slipway up");
        }
        finally
        {
            foreach (var edge in edges) edge.Dispose();
        }
    }

    private async Task<SwarmServiceSpec> OneOffSpecAsync(AppManifest app, string version, string image, string fingerprint,
        IReadOnlyList<string> command, string suffix, CancellationToken ct)
    {
        await engine.EnsureOverlayNetworkAsync(SwarmNames.AppNetwork(app), ReleaseLabels.ForApp(app.App), ct);
        var release = SwarmReleases.Spec(app, version, image, fingerprint);
        if (secrets.Values.Count == 0) return SwarmOneOff.Spec(release, command, null, [], suffix);
        var (entrypoint, _) = await _secrets.ProgramOfAsync(ImageBuilder.ImageReference(app.App, version), ct);
        release = release with { Secrets = await _secrets.EnsureAsync(app, version, fingerprint, secrets.Values, ct) };
        return SwarmOneOff.Spec(release, command, entrypoint, secrets.Values.Keys.ToList(), suffix);
    }

    /// <summary>The releases' images in the cluster's registry, by the digests their services pinned (no other app's or environment's).</summary>
    private static async Task RemoveFromRegistryAsync(IEnumerable<string> pinned, List<string> removed, List<string> problems, CancellationToken ct)
    {
        using var registryClient = new RegistryClient();
        foreach (var image in pinned.Order(StringComparer.Ordinal))
        {
            try
            {
                if (await registryClient.DeleteAsync(image, ct)) removed.Add($"image {image} in the registry");
            }
            catch (HttpRequestException e)
            {
                problems.Add($"image {image} is left in the registry: {e.Message} (delete it there, with deletes enabled in its configuration)");
            }
        }
    }

    /// <summary>
    /// The swarm removes a removed service's task containers a moment later: the manager's are waited for, so that a
    /// destroy leaves none behind there and the images can go next. Only the swarm's task containers: a local deploy of
    /// the same app on the manager's engine is not this destroy's.
    /// </summary>
    private async Task WaitForTaskContainersAsync(AppManifest app, List<string> problems, CancellationToken ct)
    {
        try
        {
            await Poll.UntilAsync(async token => (await engine.ListContainersAsync(ReleaseLabels.ForApp(app.App), token))
                        .Count(c => c.Labels.ContainsKey(SwarmTaskLabel)) is var left && left == 0
                    ? Attempt<int>.Finished(0) : Attempt<int>.Pending(left),
                TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(30), time,
                left => new TimeoutException($"{left} container(s) of removed tasks are still on the manager after 30 s (the swarm removes them; see docker ps -a)"), ct);
        }
        catch (TimeoutException e)
        {
            problems.Add(e.Message);
        }
    }

    /// <summary>The label the swarm gives each task's container.</summary>
    private const string SwarmTaskLabel = "com.docker.swarm.task.id";

    /// <summary>A release's service and its process services, stopped together (each task's stop waits on the swarm).</summary>
    private Task RemoveReleaseAsync(AppManifest app, string service, CancellationToken ct) =>
        Task.WhenAll(_processes.RemoveAsync(app, service, ct), _releases.RemoveAsync(service, ct));

    public async Task<DestroyReport> DestroyAsync(AppManifest app, IStageLog log, CancellationToken ct)
    {
        var removed = new List<string>();
        var problems = new List<string>();
        var edges = await _edge.EdgesAsync(wait: false, ct);
        var othersServed = false;
        try
        {
            foreach (var edge in edges)
            {
                if (await edge.Client.RemoveAsync(app.App, app.Drain, ct)) removed.Add($"route on the edge of node {edge.NodeId[..Math.Min(12, edge.NodeId.Length)]}");
                othersServed |= (await edge.Client.RoutesAsync(ct)).Count > 0;
            }
        }
        finally
        {
            foreach (var edge in edges) edge.Dispose();
        }
        // Every service stopped at once: the swarm holds each task 2 s before its SIGTERM (to let gossip drop it from the
        // load balancer), so one after another the waits add up. The edge goes with them when no other app is served.
        var releases = await _releases.ListAsync(app, ct);
        var oneOffs = (await engine.ListServicesAsync(ReleaseLabels.ForApp(app.App), ct)).Where(s => s.Labels.ContainsKey(SwarmOneOff.Label)).ToList();
        var edgeGoes = !othersServed && await engine.InspectServiceAsync(SwarmNames.EdgeService, ct) is not null;
        var services = new SwarmServices(engine, time);
        var processes = _processes.RemoveAsync(app, null, ct);
        await Task.WhenAll([
            processes,
            .. oneOffs.Select(oneOff => services.StopAndRemoveAsync(oneOff.Id, ct)), // left by an interrupted run
            .. releases.Select(release => _releases.RemoveAsync(release.Id, ct)),
            edgeGoes ? _edge.RemoveAsync(ct) : Task.CompletedTask,
        ]);
        removed.AddRange((await processes).Select(process => $"service {process}"));
        removed.AddRange(oneOffs.Select(oneOff => $"service {oneOff.Name}"));
        removed.AddRange(releases.Select(release => $"service {release.Name}"));
        await WaitForTaskContainersAsync(app, problems, ct);
        var pinned = releases.Select(r => r.Image).OfType<string>().Where(image => image.Contains('@')).ToHashSet(StringComparer.Ordinal);
        await RemoveFromRegistryAsync(pinned, removed, problems, ct);
        foreach (var secret in await _secrets.RemoveUnusedAsync(app, [], ct)) removed.Add($"secret {secret}");
        await _edge.RetryWhileInUseAsync(async () =>
        {
            if (await engine.RemoveNetworkAsync(SwarmNames.AppNetwork(app), ct)) removed.Add($"network {SwarmNames.AppNetwork(app)}");
        }, ct);
        foreach (var image in await engine.ListImagesAsync(ReleaseLabels.ForApp(app.App), ct))
        {
            try
            {
                // A task the swarm has shut down keeps its container a moment longer (seen after a manager's restart): wait for it.
                await Poll.UntilAsync(async _ =>
                {
                    try
                    {
                        await engine.RemoveImageAsync(image.Id, ct);
                        return Attempt<bool>.Finished(true);
                    }
                    catch (EngineApiException e) when (e.Status == 409 && e.Message.Contains("being used by running container", StringComparison.Ordinal))
                    {
                        return Attempt<bool>.Pending(false);
                    }
                }, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), time,
                    _ => new EngineApiException(409, "a container of a removed task still uses it after 30 s"), ct);
                removed.Add($"image {image.Tags.FirstOrDefault() ?? image.Id} on the manager");
            }
            catch (EngineApiException e)
            {
                problems.Add($"image {image.Id}: {e.Message.Split('\n')[0]}");
            }
        }
        if (edgeGoes) removed.Add("the edge (no app is served on the swarm any more)");
        return new DestroyReport(removed, problems);
    }
}
