using System.Net;
using Slipway.Edge.Contract;
using Slipway.Tests.Support;

namespace Slipway.Tests.Edge;

/// <summary>
/// The edge when a release's targets move under it, as a swarm's tasks do when a node is lost: a destination that refuses the
/// connection costs no request (it goes to another one), and a route deployed with a discovery name follows the name's addresses.
/// </summary>
[Trait("Tier", "edge")]
public sealed class TargetFollowingTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new("slipway-follow");
    private readonly List<TestBackend> _backends = [];
    private readonly int _port = FreePort.Next();
    private EdgeHost _edge = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _edge = await EdgeHost.StartAsync(Path.Combine(_dir.Path, "edge"));

    private async Task<TestBackend> BackendAsync(string name, params IPAddress[] alsoOn)
    {
        var backend = await TestBackend.StartAsync(name, alsoOn);
        _backends.Add(backend);
        return backend;
    }

    /// <param name="interval">The active check's interval: long enough, and it cannot be what spares a request.</param>
    private DeployArgs Args(IReadOnlyList<EdgeTarget> targets, TimeSpan interval, TargetDiscovery? discovery = null) =>
        new("v1", _port, null, targets, new EdgeHealthSettings("/health", interval, TimeSpan.FromSeconds(1), 1, 2),
            TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(2), Discovery: discovery);

    [Fact]
    public async Task A_request_to_a_destination_that_refuses_the_connection_goes_to_another_one_and_no_request_fails()
    {
        var kept = await BackendAsync("kept");
        var lost = await TestBackend.StartAsync("lost");
        await _edge.Client.DeployAsync("shop", Args([new("kept", kept.Address), new("lost", lost.Address)], TimeSpan.FromMinutes(5)), Ct);
        await lost.DisposeAsync(); // its port now refuses connections; the active check would notice only minutes later

        var statuses = new List<(HttpStatusCode Status, string Body)>();
        for (var i = 0; i < 20; i++)
        {
            using var response = await Http.Client.GetAsync($"http://127.0.0.1:{_port}/", Ct);
            statuses.Add((response.StatusCode, await response.Content.ReadAsStringAsync(Ct)));
        }

        Assert.All(statuses, s => Assert.Equal((HttpStatusCode.OK, "backend kept"), s));
    }

    [Fact]
    public async Task A_route_with_a_discovery_name_takes_its_new_addresses_once_healthy_and_drops_those_no_longer_listed()
    {
        // One server answering on two loopback addresses: "localhost" lists only 127.0.0.1, the deploy named 127.0.0.2.
        var moved = await BackendAsync("moved", IPAddress.Parse("127.0.0.2"));
        var discovery = new TargetDiscovery("localhost", moved.Port, "shop-v1", TimeSpan.FromSeconds(10));
        await _edge.Client.DeployAsync("shop", Args([new("shop-v1.1", $"http://127.0.0.2:{moved.Port}")], TimeSpan.FromMilliseconds(200), discovery), Ct);

        IReadOnlyList<TargetHealth> targets = [];
        await Eventually.WaitUntilAsync(async () =>
        {
            targets = (await _edge.Client.RouteAsync("shop", Ct))!.Targets;
            return targets.Count == 1 && targets[0].Id != "shop-v1.1";
        }, TimeSpan.FromSeconds(20), "the edge follows localhost to 127.0.0.1");

        Assert.Equal(("shop-v1.ip-127-0-0-1", $"http://127.0.0.1:{moved.Port}"), (targets[0].Id, targets[0].Address));
        using var response = await Http.Client.GetAsync($"http://127.0.0.1:{_port}/", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public async ValueTask DisposeAsync()
    {
        await _edge.DisposeAsync();
        foreach (var backend in _backends) await backend.DisposeAsync();
        _dir.Dispose();
    }
}
