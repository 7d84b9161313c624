using System.Globalization;
using Yarp.ReverseProxy.Configuration;

namespace Slipway.Edge;

/// <summary>Turns the edge's routes into YARP's immutable route and cluster configuration. Pure: unit-tested as data.</summary>
public static class ProxyConfigBuilder
{
    public const string VersionHeader = "X-Slipway-Version";

    /// <summary>The release a destination belongs to, for the edge's metrics.</summary>
    public const string VersionMetadata = "slipway.version";

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
        Transforms =
        [
            new Dictionary<string, string>
            {
                ["ResponseHeader"] = VersionHeader, ["Set"] = route.Version, ["When"] = "Always",
            },
        ],
    };

    private static ClusterConfig ToCluster(EdgeRoute route) => new()
    {
        ClusterId = route.App,
        LoadBalancingPolicy = "RoundRobin",
        Destinations = route.Targets.ToDictionary(t => t.Id, t => new DestinationConfig
        {
            Address = t.Address, Metadata = new Dictionary<string, string> { [VersionMetadata] = route.Version },
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
        },
        Metadata = new Dictionary<string, string>
        {
            ["ConsecutiveFailuresHealthPolicy.Threshold"] = route.Health.UnhealthyThreshold.ToString(CultureInfo.InvariantCulture),
        },
    };
}
