using System.Globalization;
using Yarp.ReverseProxy.Configuration;

using Slipway.Edge.Contract;

namespace Slipway.Edge;

/// <summary>Turns the edge's routes into YARP's immutable route and cluster configuration. Pure: unit-tested as data.</summary>
public static class ProxyConfigBuilder
{
    public const string VersionHeader = EdgeHeaders.Version;

    /// <summary>The release a destination belongs to, for the edge's metrics.</summary>
    public const string VersionMetadata = "slipway.version";

    /// <summary>On the cluster of a route with a canary: the canary's version, its share in percent, and the release it shares with.</summary>
    public const string CanaryVersionMetadata = "slipway.canary";
    public const string CanaryPercentMetadata = "slipway.canary.percent";
    public const string StableVersionMetadata = "slipway.stable";

    public static (IReadOnlyList<RouteConfig> Routes, IReadOnlyList<ClusterConfig> Clusters) Build(IEnumerable<EdgeRoute> routes)
    {
        var ordered = routes.OrderBy(r => r.App, StringComparer.Ordinal).ToList();
        return (ordered.Select(ToRoute).ToList(), ordered.Select(ToCluster).ToList());
    }

    private static RouteConfig ToRoute(EdgeRoute route) => new()
    {
        RouteId = route.App,
        ClusterId = route.App,
        // A route for a named host wins over a catch-all route on the same port.
        Order = route.Host is null ? 1 : 0,
        Match = new RouteMatch { Hosts = [route.HostPattern], Path = "/{**catch-all}" },
        // No static version header: each answer is named by the destination that gave it (see EdgeServer), which stays true
        // while a cut-over or a canary changes the cluster a moment before the route.
    };

    private static ClusterConfig ToCluster(EdgeRoute route) => new()
    {
        ClusterId = route.App,
        LoadBalancingPolicy = "RoundRobin",
        Destinations = route.Targets.Select(t => (Target: t, route.Version))
            .Concat(route.Canary?.Targets.Select(t => (Target: t, route.Canary.Version)) ?? [])
            .ToDictionary(d => d.Target.Id, d => new DestinationConfig
            {
                Address = d.Target.Address, Metadata = new Dictionary<string, string> { [VersionMetadata] = d.Version },
            }),
        HealthCheck = new HealthCheckConfig
        {
            Active = new ActiveHealthCheckConfig
            {
                Enabled = true,
                Interval = route.Health.Interval,
                Timeout = route.Health.Timeout,
                Policy = "ConsecutiveFailures",
                Path = route.Health.Path,
            },
            // The direct path marks a destination that refused a connection passively unhealthy until its next probe (the
            // policy here is YARP's own, for the requests YARP forwards).
            Passive = new PassiveHealthCheckConfig
            {
                Enabled = true,
                Policy = "TransportFailureRate",
                ReactivationPeriod = route.Health.Interval,
            },
        },
        // The canary's split lives with the destinations it splits, so a request sees both from the same change.
        Metadata = ClusterMetadata(route),
    };

    private static Dictionary<string, string> ClusterMetadata(EdgeRoute route)
    {
        var metadata = new Dictionary<string, string>
        {
            ["ConsecutiveFailuresHealthPolicy.Threshold"] = route.Health.UnhealthyThreshold.ToString(CultureInfo.InvariantCulture),
        };
        if (route.Canary is { } canary)
        {
            metadata[CanaryVersionMetadata] = canary.Version;
            metadata[CanaryPercentMetadata] = canary.Policy.Percent.ToString(CultureInfo.InvariantCulture);
            metadata[StableVersionMetadata] = route.Version;
        }
        return metadata;
    }
}
