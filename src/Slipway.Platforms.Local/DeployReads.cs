using Slipway.Configuration;
using Slipway.Edge.Contract;
using Slipway.Engine;
using Slipway.Platforms.EdgeControl;

namespace Slipway.Platforms.Local;

/// <summary>
/// What a deploy reads before it changes anything, under the app's lock: the engine, the app's containers, its accessories' and the
/// edge's routes. Read at once (on a server each is a round trip) and shared by the infrastructure's checks, the leftover sweep and
/// the decision whether anything is to be done, for as long as nothing was changed in between.
/// </summary>
internal sealed record DeployReads(string App, EngineVersion Engine, IReadOnlyList<ContainerSummary> AppContainers,
    IReadOnlyList<ContainerSummary> AccessoryContainers, EdgeInfo? Edge, IReadOnlyList<RouteStatus> Routes)
{
    public RouteStatus? Route => Routes.FirstOrDefault(r => r.Route.App == App);

    /// <summary>
    /// The engine first (its refusal or absence is the error to show); then the rest, concurrently on this machine's engine. A
    /// server's is asked one thing at a time: there a request beside another opens an ssh channel of its own, which costs the
    /// server a process and a ping, where the next request on the open one costs a round trip.
    /// </summary>
    public static async Task<DeployReads> ReadAsync(DockerEngine engine, EdgeClient edge, AppManifest app, CancellationToken ct)
    {
        var version = await engine.EnsureReachableAsync(ct);
        if (!engine.Endpoint.IsOnThisMachine)
        {
            var listed = await engine.ListContainersAsync(ReleaseLabels.ForApp(app.App), ct);
            var theirs = await engine.ListContainersAsync(LocalAccessories.ForApp(app.App), ct);
            var running = await edge.InfoAsync(ct);
            return new DeployReads(app.App, version, listed, theirs, running, running is null ? [] : await edge.RoutesAsync(ct));
        }
        var containers = engine.ListContainersAsync(ReleaseLabels.ForApp(app.App), ct);
        var accessories = engine.ListContainersAsync(LocalAccessories.ForApp(app.App), ct);
        var (info, routes) = await EdgeAsync(edge, ct);
        return new DeployReads(app.App, version, await containers, await accessories, info, routes);
    }

    /// <summary>
    /// The edge's info and routes asked at once (on a server each is a round trip through the engine); the routes are given up
    /// when no edge answers, and asked again in the rare case they failed while the info came.
    /// </summary>
    private static async Task<(EdgeInfo? Info, IReadOnlyList<RouteStatus> Routes)> EdgeAsync(EdgeClient edge, CancellationToken ct)
    {
        using var noEdge = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var routes = RoutesOrNullAsync(edge, noEdge.Token);
        var info = await edge.InfoAsync(ct);
        if (info is null)
        {
            await noEdge.CancelAsync();
            await routes;
            return (null, []);
        }
        return (info, await routes ?? await edge.RoutesAsync(ct));

        static async Task<IReadOnlyList<RouteStatus>?> RoutesOrNullAsync(EdgeClient edge, CancellationToken ct)
        {
            try
            {
                return await edge.RoutesAsync(ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || ct.IsCancellationRequested)
            {
                return null;
            }
        }
    }
}
