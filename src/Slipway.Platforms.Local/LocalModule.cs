using Slipway.Foundation;
using Slipway.Foundation.Networking;
using Microsoft.Data.Sqlite;
using Slipway.Configuration;
using Slipway.Edge.Contract;
using Slipway.Platforms.EdgeControl;
using Slipway.Platforms.History;
using Slipway.Engine;

namespace Slipway.Platforms.Local;

/// <summary>
/// The local platform: containers on one engine (this machine's, or a server's over ssh or TLS: the environment's
/// <c>engine:</c>, else the docker CLI's choice) behind Slipway's edge proxy, itself a container there; runs coordinated by a
/// file lock and recorded in a SQLite file, both in the state directory. Its settings are the manifest's <c>edge:</c> and
/// <c>engine:</c>, shared with every platform that uses them, so it has no section of its own.
/// </summary>
public sealed class LocalModule : IPlatformModule
{
    public const string PlatformName = "local";

    public string Name => PlatformName;
    public string? Section => null;
    public object ReadSection(MappingReader? section) => throw new InvalidOperationException("the local platform has no section");

    public PlatformSession Open(AppManifest app, AppSecrets secrets, PlatformContext context)
    {
        var endpoint = EngineSelection.Resolve(app.Engine, context.Environment);
        // Serving loopback on a server helps no one: there an app's port listens on every address unless told otherwise.
        var listen = context.Environment("SLIPWAY_EDGE_LISTEN") is { Length: > 0 } given
            ? ListenAddresses.Parse(given.Split(','), refusal => new SlipwayException(ErrorCode.InvalidSetting, $"SLIPWAY_EDGE_LISTEN: {refusal.Problem}",
                refusal.Hint + ", separated by commas"))
            : endpoint.IsOnThisMachine ? null : ["::"];
        var engine = new DockerEngine(endpoint);
        var (site, edge) = EdgeOf(engine, context);
        return new PlatformSession(new LocalPlatform(engine, edge, new EdgeContainer(engine, edge, site, context.Environment, context.Time), context.State,
                secrets, context.Time, listen, context.Confirm, context.Environment),
            new FileDeployLock(context.State, app.App, app.Environment.Name), new SqliteReleaseLog(context.State), secrets, [engine, edge]);
    }

    /// <summary>The edge of the engine's machine: this state directory's on this machine, the server's own on a server.</summary>
    public static (EdgeSite Site, EdgeClient Client) EdgeOf(DockerEngine engine, PlatformContext context) =>
        engine.Endpoint.IsOnThisMachine
            ? (EdgeSite.OnThisMachine(context.State.Edge), new EdgeClient(new EdgePaths(context.State.Edge)))
            : (EdgeSite.OnServer, EdgeClient.ThroughEngine(engine, EdgeSite.OnServer.ContainerName));

    public async Task<IReadOnlyList<DoctorCheck>> CheckAsync(AppManifest? app, PlatformContext context, CancellationToken ct)
    {
        EngineEndpoint endpoint;
        try
        {
            endpoint = EngineSelection.Resolve(app?.Engine, context.Environment);
        }
        catch (SlipwayException e)
        {
            return [new("edge proxy", CheckStatus.Failed, e.Message, e.Hint)];
        }
        using var engine = new DockerEngine(endpoint);
        var (site, edge) = EdgeOf(engine, context);
        using var _ = edge;
        var info = await edge.InfoAsync(ct);
        var port = app?.Edge.Port;
        if (!endpoint.IsOnThisMachine)
            return [info is null
                ? new("edge proxy", CheckStatus.Ok, $"not running on {endpoint.Display}: up starts it (container {site.ContainerName})")
                : new("edge proxy", CheckStatus.Ok, $"running on {endpoint.Display} (container {site.ContainerName}), ports {string.Join(", ", info.Ports.DefaultIfEmpty())}")];
        if (info is not null)
        {
            var serves = port is not null && info.Ports.Contains(port.Value);
            if (port is null || serves || Ports.IsFree(port.Value))
                return [new("edge proxy", CheckStatus.Ok, $"running (container {site.ContainerName}), ports {string.Join(", ", info.Ports.DefaultIfEmpty())}")];
        }
        else if (File.Exists(edge.Paths.StateFile) && new FileInfo(edge.Paths.StateFile).Length > 2)
        {
            return [new("edge proxy", CheckStatus.Failed, "not running, but it has saved routes: the apps deployed here are not served",
                "run slipway up for any app: it starts the edge proxy, which restores every route")];
        }
        else if (port is null || Ports.IsFree(port.Value))
        {
            return [new("edge proxy", CheckStatus.Ok, "not running: up starts it" + (port is null ? "" : $"; port {port} is free"))];
        }
        return [new("edge proxy", CheckStatus.Failed, $"port {port} is in use by another program", "choose another edge.port, or stop that program")];
    }

    /// <summary>
    /// Every app deployed from this machine: the edge's routes (what serves, how healthy), the release history and the
    /// deploy locks (a run in progress, and whose).
    /// </summary>
    public async Task<PlatformOverview> OverviewAsync(PlatformContext context, CancellationToken ct)
    {
        using var edge = new EdgeClient(new EdgePaths(context.State.Edge));
        var edgeUp = await edge.InfoAsync(ct) is not null;
        var routes = edgeUp ? (await edge.RoutesAsync(ct)).ToDictionary(r => r.Route.App) : [];
        var log = new SqliteReleaseLog(context.State);
        var known = (await log.AppsAsync(ct)).Where(a => a.Platform == PlatformName).Select(a => (a.App, a.Environment));
        var apps = new List<DeploymentOverview>();
        var recorded = known.ToList();
        // A route whose app has no recorded run (its history moved away) still shows, under the platform's own environment.
        foreach (var (app, environment) in recorded.Concat(routes.Keys.Where(a => recorded.All(r => r.App != a)).Select(a => (a, PlatformName)))
                     .Distinct().OrderBy(a => a.Item1, StringComparer.Ordinal).ThenBy(a => a.Item2, StringComparer.Ordinal))
        {
            var releases = (await log.ListAsync(app, environment, 5, ct)).Select(ReleaseOverview.Of).ToList();
            // The edge routes by app name, and a declared environment's app name carries the environment: a route is its own app's.
            var route = routes.GetValueOrDefault(app);
            var (held, holder) = FileDeployLockHold.Inspect(context.State, app, environment);
            apps.Add(new DeploymentOverview(app, environment, PlatformName,
                route is null ? null : $"{(route.Route.Tls is null ? "http" : "https")}://{route.Route.Host ?? "127.0.0.1"}:{route.Route.Port}/",
                route?.Route.Version ?? releases.FirstOrDefault(r => r.Result == "succeeded" && r.Action != "destroy")?.Version,
                route?.Route.DeployedAt,
                route?.Targets.Select(t => new ReplicaOverview(t.Id, t.Health, t.InFlight)).ToList() ?? [],
                route?.Route.Maintenance is not null, held ? holder : null, releases,
                route?.Route.Canary is { } canary ? new CanaryOverview(canary.Version, canary.Policy.Percent) : null));
        }
        return new PlatformOverview(PlatformName, edgeUp ? "edge running" : "edge stopped", apps);
    }

    public SlipwayException? ToUserError(Exception e) => e switch
    {
        // Any refusal by the edge the platform does not handle itself (its disk full, an error of its own): one line, and where its log is.
        EdgeRequestException edge => new SlipwayException(ErrorCode.EdgeUnavailable, $"the edge proxy refused the change: {edge.Message.Split('\n')[0]}",
            "see the edge's log (edge.log in the state directory's edge folder), then run the command again"),
        SqliteException sqlite => SqliteReleaseLog.ToUserError(sqlite),
        _ => null,
    };
}
