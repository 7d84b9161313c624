using Slipway.Cli;
using Slipway.Platforms;
using Slipway.Foundation.Files;
using Slipway.Cli.Dashboard;
using Slipway.Edge;
using Slipway.Edge.Contract;
using Slipway.Tests.Support;

namespace Slipway.Tests.Cli.Dashboard;

/// <summary>What the dashboard reads from a real edge: an HTTPS app's URL and a canary in progress.</summary>
[Trait("Tier", "edge")]
public sealed class DashboardStateTests : IAsyncLifetime
{
    private EdgeWithBackends _bench = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _bench = await EdgeWithBackends.StartAsync("slipway-dashboard-state");

    public ValueTask DisposeAsync() => _bench.DisposeAsync();

    private async Task<DeployArgs> ArgsAsync(string version, int port, CanaryPolicy? canary = null)
    {
        var backend = await _bench.BackendAsync(version);
        return new DeployArgs(version, port, "shop.test", [new EdgeTarget(backend.Name, backend.Address)],
            new EdgeHealthSettings("/health", TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), 2, 2), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1),
            Canary: canary, TlsIssuer: new EdgeTlsIssuer(TlsIssuers.Local, ["shop.test"], null));
    }

    [Fact]
    public async Task An_https_app_links_by_https_and_its_canary_shows_with_its_share()
    {
        var port = FreePort.Next();
        await _bench.Edge.Client.DeployAsync("shop", await ArgsAsync("v1", port), Ct);
        await _bench.Edge.Client.DeployAsync("shop", await ArgsAsync("v2", port, new CanaryPolicy(25, TimeSpan.FromMinutes(10), 0.01)), Ct);

        var snapshot = await new DashboardState(BuiltInPlatforms.Catalog,
            new PlatformContext(new StateDirectory(_bench.Directory), _ => false, TimeProvider.System, _ => null)).ReadAsync(Ct);

        var app = Assert.Single(snapshot.Apps);
        Assert.Equal($"https://shop.test:{port}/", app.Url);
        Assert.Equal(("v1", new CanaryOverview("v2", 25)), (app.Version, app.Canary));
        Assert.Equal(2, app.Replicas.Count); // both releases' replicas take requests
    }
}
