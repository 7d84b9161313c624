using System.Text;
using Slipway.Edge;
using Slipway.Edge.Contract;

namespace Slipway.Tests.Edge;

/// <summary>The direct path's index of routes: by port and host name, as YARP's route order decides.</summary>
[Trait("Tier", "unit")]
public sealed class DirectRoutesTests
{
    private static readonly EdgeHealthSettings Health = new("/", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), 1, 1);

    private static EdgeRoute Route(string app, int port, string? host = null, MaintenanceMode? maintenance = null, EdgeRouteTls? tls = null) =>
        new(app, "v1", port, host, [new EdgeTarget("t", "http://127.0.0.1:1")], Health, DateTimeOffset.UnixEpoch, maintenance, Tls: tls);

    private static string? Find(DirectRoutes routes, int port, string host) => routes.Find(port, Encoding.ASCII.GetBytes(host))?.App;

    [Fact]
    public void A_named_host_wins_over_the_ports_catch_all_in_any_case()
    {
        var routes = new DirectRoutes();
        routes.Update([Route("shop", 8080, "Shop.Example"), Route("any", 8080), Route("blog", 8081, "blog.example")]);

        Assert.Equal("shop", Find(routes, 8080, "SHOP.example"));
        Assert.Equal("any", Find(routes, 8080, "other.example"));
        Assert.Equal("blog", Find(routes, 8081, "blog.example"));
        Assert.Null(Find(routes, 8081, "shop.example"));
        Assert.Null(Find(routes, 9999, "shop.example"));
    }

    [Fact]
    public void An_app_in_maintenance_is_found_but_sent_the_full_path_and_its_name_does_not_fall_to_the_catch_all()
    {
        var routes = new DirectRoutes();
        routes.Update([Route("shop", 8080, "shop.example", new MaintenanceMode("down", false, DateTimeOffset.UnixEpoch)), Route("any", 8080)]);

        var entry = routes.Find(8080, "shop.example"u8);
        Assert.Equal(("shop", false), (entry?.App, entry?.Direct));
        Assert.True(routes.Find(8080, "x"u8)?.Direct);
    }

    [Fact]
    public void A_port_serving_https_is_the_direct_paths_too_since_its_tls_ends_before_it()
    {
        var routes = new DirectRoutes();
        routes.Update([Route("shop", 8443, tls: new EdgeRouteTls("c.pem", "k.pem", DateTimeOffset.MaxValue, null)), Route("any", 8080)]);

        Assert.True(routes.ServesPort(8443));
        Assert.True(routes.ServesPort(8080));
        Assert.Equal("shop", routes.Find(8443, "shop.example"u8)?.App);
    }

    [Fact]
    public void Round_robin_visits_every_destination_in_turn()
    {
        var entry = new DirectRoutes.Entry("shop", true);
        Assert.Equal([1, 2, 0, 1, 2, 0], Enumerable.Range(0, 6).Select(_ => entry.NextIndex(3)));
    }
}
