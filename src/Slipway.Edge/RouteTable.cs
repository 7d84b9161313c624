using Microsoft.Extensions.Logging;
using System.Collections.Immutable;
using System.Net;
using Slipway.Foundation.Networking;
using Slipway.Foundation.Timing;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;

using Slipway.Edge.Contract;

namespace Slipway.Edge;

/// <summary>
/// The routes the edge serves. Every change is one atomic swap of YARP's configuration (new requests see
/// either the old targets or the new ones, never a mix), opens or closes public ports as needed, and is
/// saved before the call returns.
/// </summary>
internal sealed class RouteTable(InMemoryConfigProvider proxyConfig, ListenerConfiguration listeners,
    IProxyStateLookup proxyState, RouteStore store, MaintenanceGate maintenance, DirectRoutes directRoutes,
    DirectTargets direct, TimeProvider time, ILogger<RouteTable> log)
{
    private readonly SemaphoreSlim _changes = new(1, 1);
    private ImmutableDictionary<string, EdgeRoute> _routes = ImmutableDictionary<string, EdgeRoute>.Empty;

    public IReadOnlyCollection<EdgeRoute> Routes => _routes.Values.ToList();

    public EdgeRoute? Find(string app) => _routes.GetValueOrDefault(app);

    public async Task RestoreAsync(CancellationToken ct)
    {
        var saved = await store.LoadAsync(ct);
        _routes = saved.ToImmutableDictionary(r => r.App);
        Apply(_routes);
        log.LogInformation("restored {Count} route(s)", saved.Count);
    }

    /// <summary>Checks a route could be added or replaced without clashing with another app; null when it can.</summary>
    public EdgeError? Conflict(string app, int port, string? host, int? metricsPort = null, EdgeTls? tls = null, IReadOnlyList<string>? listen = null)
    {
        bool Free(int candidate) => listeners.AddressesOf(listen).All(address => Slipway.Foundation.Networking.Ports.IsFree(candidate, IPAddress.Parse(address)));
        if (_routes.Values.FirstOrDefault(r => r.App != app && r.Port == port && (r.Tls is null) != (tls is null)) is { } other)
            return new EdgeError(EdgeErrors.PortInUse,
                $"port {port} serves {(other.Tls is null ? "plain HTTP" : "HTTPS")} for {other.App}; an app {(tls is null ? "without" : "with")} edge.tls cannot share it");
        if (tls?.RedirectFrom is { } redirect
            && (_routes.Values.Any(r => r.Port == redirect || r.MetricsPort == redirect)
                || (!listeners.Redirects.ContainsKey(redirect) && !Free(redirect))))
            return new EdgeError(EdgeErrors.PortInUse, $"edge.tls.redirectFrom: port {redirect} is in use");
        if (RouteClash.Find(_routes.Values, app, port, host) is { } clash)
            return new EdgeError(EdgeErrors.HostInUse, RouteClash.Describe(clash));
        if (!listeners.Ports.Contains(port) && !Free(port))
            return new EdgeError(EdgeErrors.PortInUse, $"port {port} is in use by another program");
        if (metricsPort is { } metrics)
        {
            if (listeners.Ports.Contains(metrics) || _routes.Values.Any(r => r.App != app && r.Port == metrics))
                return new EdgeError(EdgeErrors.PortInUse, $"metrics port {metrics} is an app's public port on this edge");
            if (!listeners.MetricsPorts.Contains(metrics) && !Slipway.Foundation.Networking.Ports.IsFree(metrics, System.Net.IPAddress.Loopback))
                return new EdgeError(EdgeErrors.PortInUse, $"metrics port {metrics} is in use by another program");
        }
        return null;
    }

    /// <summary>Replaces (or adds) an app's route; returns the states of the destinations that no longer receive new requests.</summary>
    public async Task<(EdgeRoute? Previous, IReadOnlyList<DestinationState> Retired)> SwapAsync(EdgeRoute route, CancellationToken ct)
    {
        var (previous, _, retired) = await ChangeAsync(route.App,
            previous => route with { Maintenance = previous?.Maintenance }, ct); // a deploy never ends (or starts) maintenance
        return (previous, retired);
    }

    /// <summary>
    /// Changes an app's route as <paramref name="change"/> decides from the route it sees (null: leave it as it is), one change at
    /// a time; returns the route before and after, and the states of the destinations that no longer receive new requests.
    /// </summary>
    public async Task<(EdgeRoute? Previous, EdgeRoute? Next, IReadOnlyList<DestinationState> Retired)> ChangeAsync(string app,
        Func<EdgeRoute?, EdgeRoute?> change, CancellationToken ct)
    {
        await _changes.WaitAsync(ct);
        try
        {
            var previous = _routes.GetValueOrDefault(app);
            if (change(previous) is not { } route) return (previous, previous, []);
            var kept = AllTargets(route).Select(t => t.Id).ToHashSet();
            var retired = DestinationsOf(app).Where(d => !kept.Contains(d.DestinationId)).ToList();
            var next = _routes.SetItem(app, route);
            await store.SaveAsync(next.Values, CancellationToken.None);
            _routes = next;
            Apply(next);
            await WaitAppliedAsync(route, ct);
            return (previous, route, retired);
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>Every target a route sends requests to: its release's and its canary's.</summary>
    public static IEnumerable<EdgeTarget> AllTargets(EdgeRoute route) => route.Canary is { } canary ? route.Targets.Concat(canary.Targets) : route.Targets;

    /// <summary>Puts an app in maintenance (or, with null, out of it); returns the route, or null when the app has none.</summary>
    public async Task<EdgeRoute?> SetMaintenanceAsync(string app, MaintenanceMode? mode, CancellationToken ct)
    {
        await _changes.WaitAsync(ct);
        try
        {
            if (!_routes.TryGetValue(app, out var route)) return null;
            var changed = route with { Maintenance = mode };
            var next = _routes.SetItem(app, changed);
            await store.SaveAsync(next.Values, CancellationToken.None);
            _routes = next;
            maintenance.Update(next.Values);
            directRoutes.Update(next.Values);
            return changed;
        }
        finally
        {
            _changes.Release();
        }
    }

    public async Task<(EdgeRoute? Removed, IReadOnlyList<DestinationState> Retired)> RemoveAsync(string app, CancellationToken ct)
    {
        await _changes.WaitAsync(ct);
        try
        {
            if (!_routes.TryGetValue(app, out var removed)) return (null, []);
            var retired = DestinationsOf(app).ToList();
            var next = _routes.Remove(app);
            await store.SaveAsync(next.Values, CancellationToken.None);
            _routes = next;
            Apply(next);
            return (removed, retired);
        }
        finally
        {
            _changes.Release();
        }
    }

    public IReadOnlyList<TargetHealth> Health(EdgeRoute route)
    {
        var states = DestinationsOf(route.App).ToDictionary(d => d.DestinationId);
        return AllTargets(route).Select(t => states.TryGetValue(t.Id, out var state)
            ? new TargetHealth(t.Id, t.Address, state.Health.Active.ToString().ToLowerInvariant(), direct.InFlight(state))
            : new TargetHealth(t.Id, t.Address, "unknown", 0)).ToList();
    }

    private void Apply(ImmutableDictionary<string, EdgeRoute> routes)
    {
        maintenance.Update(routes.Values);
        directRoutes.Update(routes.Values);
        var (yarpRoutes, clusters) = ProxyConfigBuilder.Build(routes.Values);
        // Open new ports before routing to them; close unused ones after.
        var plan = ListenerPlan.Of(routes.Values);
        // A port no route keeps stays open (plain) until the routes no longer lead to it.
        listeners.Set(plan with { Ports = plan.Ports.Union(listeners.Ports.Where(p => !plan.Redirects.ContainsKey(p) && !plan.MetricsPorts.Contains(p))).ToHashSet() });
        proxyConfig.Update(yarpRoutes, clusters);
        listeners.Set(plan);
    }

    private IEnumerable<DestinationState> DestinationsOf(string app) =>
        proxyState.TryGetCluster(app, out var cluster) ? cluster.Destinations.Values : [];

    /// <summary>YARP applies a configuration change asynchronously; return only once requests see the new targets.</summary>
    private async Task WaitAppliedAsync(EdgeRoute route, CancellationToken ct)
    {
        var wanted = AllTargets(route).Select(t => t.Id).ToHashSet();
        await Poll.UntilAsync(token => Task.FromResult(new Attempt<bool>(
                proxyState.TryGetCluster(route.App, out var cluster) && cluster.Destinations.Keys.ToHashSet().SetEquals(wanted)
                && proxyState.TryGetRoute(route.App, out _), false)),
            TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(5), time,
            _ => new InvalidOperationException($"the proxy did not apply the route of {route.App} within 5 s"), ct);
    }
}
