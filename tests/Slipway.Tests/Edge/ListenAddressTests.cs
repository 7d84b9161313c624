using Slipway.Edge.Contract;
using Slipway.Tests.Support;

namespace Slipway.Tests.Edge;

/// <summary>
/// A public front door: an app's port listens where its route says (IPv4, IPv6, every address), reached from another host
/// (a network namespace the test creates); an app that says nothing, the metrics port and the control socket stay local.
/// </summary>
[Trait("Tier", "engine")]
public sealed class ListenAddressTests : IAsyncLifetime
{
    private EdgeWithBackends _bench = null!;
    private ClientNamespace _client = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _bench = await EdgeWithBackends.StartAsync("slipway-listen");
        _client = await ClientNamespace.CreateAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _client.DisposeAsync();
        await _bench.DisposeAsync();
    }

    private async Task<int> DeployAsync(string app, IReadOnlyList<string>? listen, int? metricsPort = null)
    {
        var port = FreePort.Next();
        var backend = await _bench.BackendAsync(app);
        await _bench.Edge.Client.DeployAsync(app, new DeployArgs("v1", port, null, [new EdgeTarget(backend.Name, backend.Address)],
            new EdgeHealthSettings("/health", TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), 2, 2), TimeSpan.FromSeconds(30),
            TimeSpan.FromSeconds(1), MetricsPort: metricsPort, Listen: listen), Ct);
        return port;
    }

    private static async Task<int> LocalStatusAsync(int port) => (int)(await Http.Client.GetAsync($"http://127.0.0.1:{port}/", Ct)).StatusCode;

    [Fact]
    public async Task An_app_listening_on_every_ipv4_address_is_reached_from_another_host_and_its_metrics_port_is_not()
    {
        var metrics = FreePort.Next();
        var port = await DeployAsync("public", ["0.0.0.0"], metrics);

        Assert.Equal(200, await _client.StatusAsync($"http://{PublicHost}:{port}/", Ct));
        Assert.Equal(200, await LocalStatusAsync(port));
        Assert.Null(await _client.StatusAsync($"http://{PublicHost}:{metrics}/metrics", Ct)); // metrics stay on loopback
    }

    private string PublicHost => _client.HostAddress;

    [Fact]
    public async Task An_app_that_names_no_address_stays_on_loopback()
    {
        var port = await DeployAsync("private", null);

        Assert.Null(await _client.StatusAsync($"http://{_client.HostAddress}:{port}/", Ct));
        Assert.Equal(200, await LocalStatusAsync(port));
    }

    [Fact]
    public async Task An_app_on_one_address_is_reached_there_and_on_loopback_still()
    {
        var port = await DeployAsync("one", [_client.HostAddress]);

        Assert.Equal(200, await _client.StatusAsync($"http://{_client.HostAddress}:{port}/", Ct));
        Assert.Equal(200, await LocalStatusAsync(port)); // this machine always reaches its apps (and up's check does)
    }

    [Fact]
    public async Task An_app_on_every_address_is_reached_over_ipv6_and_ipv4()
    {
        var port = await DeployAsync("dual", ["::"]);

        Assert.Equal(200, await _client.StatusAsync($"http://[{_client.HostAddress6}]:{port}/", Ct));
        Assert.Equal(200, await _client.StatusAsync($"http://{_client.HostAddress}:{port}/", Ct));
        Assert.Equal(200, await LocalStatusAsync(port));
    }

    [Fact]
    public async Task The_addresses_survive_an_edge_restart()
    {
        var port = await DeployAsync("kept", ["0.0.0.0"]);

        await _bench.RestartEdgeAsync();

        Assert.Equal(200, await _client.StatusAsync($"http://{_client.HostAddress}:{port}/", Ct));
    }
}
