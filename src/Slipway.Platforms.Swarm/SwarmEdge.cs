using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Slipway.Configuration;
using Slipway.Engine;
using Slipway.Foundation;
using Slipway.Foundation.Timing;
using Slipway.Platforms.EdgeControl;

namespace Slipway.Platforms.Swarm;

/// <summary>One edge of the cluster: the node it runs on and a client that reaches it through the relay.</summary>
public sealed record ClusterEdge(string NodeId, string Address, EdgeClient Client) : IDisposable
{
    public void Dispose() => Client.Dispose();
}

/// <summary>
/// Slipway's edge on a swarm: a global service on the edge nodes (those labelled <c>slipway.edge=true</c>, else the managers),
/// publishing the apps' ports in host mode on each of them, on the overlay network every release joins; and a relay beside the
/// manager Slipway talks to, through which each edge's control gate is reached with the cluster's token. The token is a Swarm
/// secret made here once and never read back: only the edges and the relay see it.
/// </summary>
public sealed class SwarmEdge(DockerEngine engine, string registry, Func<string, string?> environment, TimeProvider time)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    /// <summary>Makes the edge serve <paramref name="ports"/> (besides those it already publishes) on every edge node; returns its edges.</summary>
    public async Task<IReadOnlyList<ClusterEdge>> EnsureAsync(IReadOnlyCollection<int> ports, Action<string> onOutput, CancellationToken ct)
    {
        var labels = new Dictionary<string, string> { [EdgeSite.Label] = SwarmNames.EdgeService };
        await engine.EnsureOverlayNetworkAsync(SwarmNames.EdgeNetwork, labels, ct);
        var token = await EnsureTokenAsync(labels, ct);
        var image = await EnsureImageAsync(onOutput, ct);
        var (constraint, _) = await EdgePlacementAsync(ct);
        var existing = await engine.InspectServiceAsync(SwarmNames.EdgeService, ct);
        var published = existing is null ? [] : PublishedPorts(existing.Spec);
        var wanted = published.Union(ports).Order().ToList();
        var spec = EdgeSpec(image, token, constraint, wanted, labels);
        if (existing is null)
        {
            onOutput($"starting the edge on the cluster ({constraint}), ports {string.Join(", ", wanted)}");
            await engine.CreateServiceAsync(spec, ct);
        }
        else if (!published.SetEquals(wanted) || existing.Image != image
                 || !SameConstraint(existing.Spec, constraint))
        {
            onOutput($"updating the edge on the cluster: ports {string.Join(", ", wanted)} (each edge restarts once)");
            await engine.UpdateServiceAsync(existing.Id, existing.Version, SwarmRequests.ServiceBody(spec), ct);
        }
        await EnsureRelayAsync(image, token, labels, ct);
        return await EdgesAsync(wait: true, ct);
    }

    /// <summary>The edges running now, each reached through the relay; with <paramref name="wait"/>, once every edge node runs one that answers.</summary>
    public async Task<IReadOnlyList<ClusterEdge>> EdgesAsync(bool wait, CancellationToken ct)
    {
        var relay = await RelayContainerAsync(wait, ct);
        if (relay is null) return [];
        var (constraint, ready) = await EdgePlacementAsync(ct);
        var expected = wait ? ready.Count : 0;
        if (wait && expected == 0)
            throw new SlipwayException(ErrorCode.EdgeUnavailable, $"no node the edge runs on ({constraint}) is ready and active",
                "docker node ls on a manager shows them: bring one back, or label another (docker node update --label-add slipway.edge=true NODE)");
        return await Poll.UntilAsync(async token =>
        {
            var tasks = (await engine.ListTasksAsync(SwarmNames.EdgeService, token))
                .Where(t => t is { IsRunning: true, DesiredState: "running" } && t.Addresses.ContainsKey(SwarmNames.EdgeNetwork)).ToList();
            var edges = new List<ClusterEdge>();
            foreach (var task in tasks)
            {
                var client = EdgeClient.ThroughRelay(engine, relay,
                    ["relay", "--connect", $"{task.Addresses[SwarmNames.EdgeNetwork]}:{SwarmNames.ControlGatePort}", "--token-file", SwarmNames.TokenFile]);
                if (await AnswersAsync(client, token)) edges.Add(new ClusterEdge(task.NodeId, task.Addresses[SwarmNames.EdgeNetwork], client));
                else client.Dispose();
            }
            var done = !wait || edges.Count >= expected;
            if (!done) foreach (var edge in edges) edge.Dispose();
            // In one order every time: the first judges canaries and gets certificates, and stays the first while its node serves.
            return new Attempt<IReadOnlyList<ClusterEdge>>(done, edges.OrderBy(e => e.NodeId, StringComparer.Ordinal).ToList());
        }, TimeSpan.FromMilliseconds(500), Patience, time, last => new SlipwayException(ErrorCode.EdgeUnavailable,
            $"the cluster's edge did not answer on all {expected} edge node(s) within {Duration.Format(Patience)}",
            $"see docker service ps {SwarmNames.EdgeService} and docker service logs {SwarmNames.EdgeService} on the manager"), ct);
    }

    private static async Task<bool> AnswersAsync(EdgeClient client, CancellationToken ct)
    {
        try
        {
            return await client.InfoAsync(ct) is not null;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or EngineApiException)
        {
            return false;
        }
    }

    /// <summary>The relay's program: it waits, and ends when the swarm stops it.</summary>
    internal static readonly IReadOnlyList<string> RelayProgram = ["sh", "-c", "trap 'exit 0' TERM INT; sleep infinity & wait"];

    /// <summary>Removes the edge, its relay, token and network: when no app is served on the cluster any more.</summary>
    public async Task RemoveAsync(CancellationToken ct)
    {
        var services = new SwarmServices(engine, time);
        // Together: the swarm takes a few seconds to report each one's tasks ended (3.6 s each here), whatever they do on SIGTERM.
        await Task.WhenAll(services.StopAndRemoveAsync(SwarmNames.EdgeService, ct), services.StopAndRemoveAsync(SwarmNames.RelayService, ct));
        await engine.RemoveSecretAsync(SwarmNames.TokenSecret, ct);
        await RetryWhileInUseAsync(() => engine.RemoveNetworkAsync(SwarmNames.EdgeNetwork, ct), ct);
    }

    /// <summary>
    /// A network is in use until the swarm has removed the last task that joined it, a moment after the service; while a
    /// service that joined it is still being stopped (a destroy stops them all at once), the swarm refuses with 400.
    /// </summary>
    internal async Task RetryWhileInUseAsync(Func<Task> remove, CancellationToken ct) =>
        await Poll.UntilAsync(async _ =>
        {
            try
            {
                await remove();
                return new Attempt<bool>(true, true);
            }
            catch (EngineApiException e) when (e.Status is 400 or 403 or 409 or 500 && e.Message.Contains("in use", StringComparison.OrdinalIgnoreCase))
            {
                return new Attempt<bool>(false, false);
            }
        }, TimeSpan.FromMilliseconds(500), Patience, time, _ => new SlipwayException(ErrorCode.EdgeUnavailable,
            "a network of the app is still in use after its services were removed", "run destroy again"), ct);

    /// <summary>
    /// Where the edge runs: the nodes labelled for it, else the managers. One choice gives both the service's constraint and
    /// the nodes (ready and active) an edge is waited for on.
    /// </summary>
    private async Task<(string Constraint, IReadOnlyList<SwarmNode> Ready)> EdgePlacementAsync(CancellationToken ct)
    {
        var nodes = await engine.ListNodesAsync(ct);
        var labelled = nodes.Any(n => n.Labels.GetValueOrDefault(SwarmNames.EdgeNodeLabel) == "true");
        var chosen = nodes.Where(n => labelled ? n.Labels.GetValueOrDefault(SwarmNames.EdgeNodeLabel) == "true" : n.Role == "manager");
        return (labelled ? $"node.labels.{SwarmNames.EdgeNodeLabel}==true" : "node.role==manager",
            chosen.Where(n => n is { State: "ready", Availability: "active" }).ToList());
    }

    private static bool SameConstraint(JsonObject spec, string constraint) =>
        spec["TaskTemplate"]?["Placement"]?["Constraints"] is JsonArray constraints && constraints.Count == 1
        && constraints[0]?.GetValue<string>() == constraint;

    private static HashSet<int> PublishedPorts(JsonObject spec) =>
        (spec["EndpointSpec"]?["Ports"] as JsonArray ?? []).Select(p => p?["PublishedPort"]?.GetValue<int>() ?? 0).Where(p => p > 0).ToHashSet();

    private static SwarmServiceSpec EdgeSpec(string image, SecretReference token, string constraint, IReadOnlyList<int> ports,
        IReadOnlyDictionary<string, string> labels) => new()
    {
        Name = SwarmNames.EdgeService, Image = image, Labels = labels, Replicas = null,
        Networks = [SwarmNames.EdgeNetwork], Constraints = [constraint],
        Command = ["serve", "--dir", EdgeImage.StateFolder, "--address", "0.0.0.0", "--metrics-address", "0.0.0.0",
            "--control-port", SwarmNames.ControlGatePort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--control-token-file", SwarmNames.TokenFile,
            "--control-peers", $"tasks.{SwarmNames.EdgeService}:{SwarmNames.ControlGatePort.ToString(System.Globalization.CultureInfo.InvariantCulture)}"],
        Secrets = [token], Ports = ports.Select(p => new HostPort(p, p)).ToList(),
        Volumes = [(SwarmNames.EdgeVolume, EdgeImage.StateFolder)],
        OnlyCapabilities = ["NET_BIND_SERVICE"],
        StopGrace = TimeSpan.FromSeconds(30),
    };

    private async Task EnsureRelayAsync(string image, SecretReference token, IReadOnlyDictionary<string, string> labels, CancellationToken ct)
    {
        var self = (await engine.SwarmAsync(ct)).NodeId;
        var spec = new SwarmServiceSpec
        {
            Name = SwarmNames.RelayService, Image = image, Labels = labels, Replicas = 1, Networks = [SwarmNames.EdgeNetwork],
            // Beside this engine, so its exec reaches the relay's container; it only waits, each relay is an exec of its own. It ends
            // on SIGTERM at once: a bare sleep as PID 1 ignores it, and each removal waited out the 10 s stop grace.
            Constraints = [$"node.id=={self}"], Entrypoint = RelayProgram, Secrets = [token], OnlyCapabilities = [],
        };
        var existing = await engine.InspectServiceAsync(SwarmNames.RelayService, ct);
        if (existing is null) await engine.CreateServiceAsync(spec, ct);
        else if (existing.Image != image || !SameConstraint(existing.Spec, $"node.id=={self}"))
            await engine.UpdateServiceAsync(existing.Id, existing.Version, SwarmRequests.ServiceBody(spec), ct);
    }

    /// <summary>The relay's container on this engine's node; null when there is none running (and <paramref name="wait"/> is false).</summary>
    private async Task<string?> RelayContainerAsync(bool wait, CancellationToken ct)
    {
        if (await engine.InspectServiceAsync(SwarmNames.RelayService, ct) is null) return null;
        return await Poll.UntilAsync(async token =>
        {
            var running = (await engine.ListTasksAsync(SwarmNames.RelayService, token))
                .FirstOrDefault(t => t is { IsRunning: true, DesiredState: "running", ContainerId: not null });
            return new Attempt<string?>(running is not null || !wait, running?.ContainerId);
        }, TimeSpan.FromMilliseconds(500), Patience, time, _ => new SlipwayException(ErrorCode.EdgeUnavailable,
            $"the edge's relay ({SwarmNames.RelayService}) did not start on this manager within {Duration.Format(Patience)}",
            $"see docker service ps {SwarmNames.RelayService}"), ct);
    }

    private async Task<SecretReference> EnsureTokenAsync(IReadOnlyDictionary<string, string> labels, CancellationToken ct)
    {
        var existing = (await engine.ListSecretsAsync(labels, ct)).FirstOrDefault(s => s.Name == SwarmNames.TokenSecret);
        var id = existing.Id ?? await engine.CreateSecretAsync(SwarmNames.TokenSecret,
            Encoding.ASCII.GetBytes(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_')), labels, ct);
        return new SecretReference(id, SwarmNames.TokenSecret, SwarmNames.TokenSecret);
    }

    /// <summary>This Slipway's edge image, built on the manager once per version and pushed to the registry; returned pinned by digest.</summary>
    private async Task<string> EnsureImageAsync(Action<string> onOutput, CancellationToken ct)
    {
        var local = await new EdgeImage(engine).EnsureAsync(environment, onOutput, ct);
        var repository = SwarmNames.EdgeRepository(registry);
        var tag = local.Split(':')[^1];
        await engine.TagImageAsync(local, repository, tag, ct);
        var digest = await engine.PushImageAsync(repository, tag, null, _ => { }, ct)
            ?? throw new SlipwayException(ErrorCode.PlatformNotAvailable, $"the registry {registry} gave no digest for the edge's image", "check that swarm.registry is a registry (v2 API) every node reaches");
        return $"{repository}@{digest}";
    }
}
