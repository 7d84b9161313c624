using Slipway.Edge;
using Slipway.Edge.Contract;

namespace Slipway.Tests.Edge;

[Trait("Tier", "unit")]
public sealed class ProxyConfigBuilderTests
{
    private static readonly EdgeHealthSettings Health = new("/up", TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1), 2, 3);

    private static EdgeRoute Route(string app, string? host, params string[] targets) =>
        new(app, "v1", 8080, host, targets.Select((t, i) => new EdgeTarget($"{app}-{i}", t)).ToList(), Health, DateTimeOffset.UnixEpoch);

    [Fact]
    public void Each_app_gets_a_route_on_its_port_and_a_cluster_of_its_targets()
    {
        var (routes, clusters) = ProxyConfigBuilder.Build([Route("shop", null, "http://127.0.0.1:1001", "http://127.0.0.1:1002")]);

        var route = Assert.Single(routes);
        Assert.Equal(["*:8080"], route.Match.Hosts);
        Assert.Equal("shop", route.ClusterId);
        var cluster = Assert.Single(clusters);
        Assert.Equal(["http://127.0.0.1:1001", "http://127.0.0.1:1002"], cluster.Destinations!.Values.Select(d => d.Address));
        Assert.Equal("/up", cluster.HealthCheck!.Active!.Path);
        Assert.True(cluster.HealthCheck.Active.Enabled);
        Assert.Equal("3", cluster.Metadata!["ConsecutiveFailuresHealthPolicy.Threshold"]);
    }

    [Fact]
    public void Host_routes_take_precedence_over_catch_all_routes_on_the_same_port()
    {
        var (routes, _) = ProxyConfigBuilder.Build([Route("all", null, "http://a"), Route("blog", "blog.localhost", "http://b")]);

        var blog = routes.Single(r => r.RouteId == "blog");
        var all = routes.Single(r => r.RouteId == "all");
        Assert.Equal(["blog.localhost:8080"], blog.Match.Hosts);
        Assert.True(blog.Order < all.Order);
    }

    [Fact]
    public void Each_destination_carries_its_release_for_the_version_header_and_the_metrics()
    {
        var (routes, clusters) = ProxyConfigBuilder.Build([Route("shop", null, "http://a")]);

        Assert.Null(Assert.Single(routes).Transforms); // named by the destination that answered, not by the route
        Assert.Equal("v1", Assert.Single(Assert.Single(clusters).Destinations!.Values).Metadata![ProxyConfigBuilder.VersionMetadata]);
        Assert.False(clusters[0].Metadata!.ContainsKey(ProxyConfigBuilder.CanaryVersionMetadata));
    }

    [Fact]
    public void A_canary_adds_its_targets_by_version_and_names_its_share_in_the_cluster()
    {
        var canary = new EdgeCanary("v2", [new EdgeTarget("shop-new", "http://127.0.0.1:2001")], new CanaryPolicy(30, TimeSpan.FromMinutes(2), 0.01),
            DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(5));

        var (routes, clusters) = ProxyConfigBuilder.Build([Route("shop", null, "http://127.0.0.1:1001") with { Canary = canary }]);

        Assert.Single(routes);
        var cluster = Assert.Single(clusters);
        Assert.Equal("v2", cluster.Metadata![ProxyConfigBuilder.CanaryVersionMetadata]);
        Assert.Equal("30", cluster.Metadata[ProxyConfigBuilder.CanaryPercentMetadata]);
        Assert.Equal("v1", cluster.Metadata[ProxyConfigBuilder.StableVersionMetadata]);
        var destinations = cluster.Destinations!;
        Assert.Equal("v1", destinations["shop-0"].Metadata![ProxyConfigBuilder.VersionMetadata]);
        Assert.Equal("v2", destinations["shop-new"].Metadata![ProxyConfigBuilder.VersionMetadata]);
    }
}
