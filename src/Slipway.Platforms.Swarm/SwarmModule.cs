using Slipway.Configuration;
using Slipway.Engine;
using Slipway.Foundation;
using Slipway.Platforms.History;

namespace Slipway.Platforms.Swarm;

/// <summary>
/// The swarm platform: apps on a Docker Swarm reached through one manager's engine (the environment's <c>engine:</c>), images
/// through the cluster's registry (<c>swarm.registry</c>), Slipway's edge on the edge nodes. Runs are coordinated by a file
/// lock and recorded in the state directory of the machine that deploys, as locally.
/// </summary>
public sealed class SwarmModule : IPlatformModule
{
    public const string PlatformName = "swarm";

    public string Name => PlatformName;
    public string? Section => "swarm";
    public object ReadSection(MappingReader? section) => SwarmManifestSection.Read(section);

    public PlatformSession Open(AppManifest app, AppSecrets secrets, PlatformContext context)
    {
        var registry = app.Swarm().Registry ?? throw MissingRegistry();
        var engine = new DockerEngine(EngineSelection.Resolve(app.Engine, context.Environment));
        return new PlatformSession(new SwarmPlatform(engine, registry, secrets, context.Environment, context.Time),
            new FileDeployLock(context.State, app.App, app.Environment.Name), new SqliteReleaseLog(context.State), secrets, [engine]);
    }

    private static SlipwayException MissingRegistry() => new(ErrorCode.InvalidSetting, "swarm.registry: the swarm platform needs a registry every node pulls from",
        "add swarm: { registry: HOST:PORT } to the manifest (a registry:2 on a manager will do)");

    public async Task<IReadOnlyList<DoctorCheck>> CheckAsync(AppManifest? app, PlatformContext context, CancellationToken ct)
    {
        EngineEndpoint endpoint;
        try
        {
            endpoint = EngineSelection.Resolve(app?.Engine, context.Environment);
        }
        catch (SlipwayException e)
        {
            return [new("swarm", CheckStatus.Failed, e.Message, e.Hint)];
        }
        using var engine = new DockerEngine(endpoint);
        var checks = new List<DoctorCheck>();
        SwarmMembership swarm;
        try
        {
            await engine.EnsureReachableAsync(ct);
            swarm = await engine.SwarmAsync(ct);
        }
        catch (SlipwayException e)
        {
            return [new("swarm", CheckStatus.Failed, e.Message, e.Hint)];
        }
        if (!swarm.IsActive || !swarm.IsManager)
            return [new("swarm", app?.Environment.Platform == PlatformName ? CheckStatus.Failed : CheckStatus.Ok,
                $"the engine at {endpoint.Display} is not a swarm manager ({swarm.LocalNodeState})", "docker swarm init makes it one")];
        var nodes = await engine.ListNodesAsync(ct);
        var down = nodes.Where(n => n.State != "ready" || n.Availability != "active").ToList();
        checks.Add(down.Count == 0
            ? new("swarm nodes", CheckStatus.Ok, $"{nodes.Count} node(s) ready and active")
            : new("swarm nodes", CheckStatus.Warning, $"{down.Count} of {nodes.Count} node(s) not ready or not active: "
                + string.Join(", ", down.Select(n => $"{n.Hostname} ({n.Id[..Math.Min(12, n.Id.Length)]}) {n.State}/{n.Availability}")),
                "docker node ls shows them; a down node's tasks are rescheduled elsewhere"));
        var edge = new SwarmEdge(engine, app?.Swarm().Registry ?? "", context.Environment, context.Time);
        try
        {
            checks.AddRange(await new SwarmPortCheck(engine, edge).RunAsync(swarm.NodeId, nodes, ct));
        }
        catch (Exception e) when (e is EngineApiException or HttpRequestException or IOException or SlipwayException)
        {
            checks.Add(new("swarm ports", CheckStatus.Warning, $"not checked: {e.Message.Split('\n')[0]}", SwarmPortCheck.Hint));
        }
        if (app is not null && app.Environment.Platform == PlatformName)
            checks.Add(app.Swarm().Registry is { } registry
                ? new("swarm registry", CheckStatus.Ok, registry)
                : new("swarm registry", CheckStatus.Failed, MissingRegistry().Message, MissingRegistry().Hint));
        return checks;
    }

    public Task<PlatformOverview> OverviewAsync(PlatformContext context, CancellationToken ct) =>
        Task.FromResult(PlatformOverview.None(PlatformName, "see slipway status for a swarm environment"));

    public SlipwayException? ToUserError(Exception e) => null;
}
