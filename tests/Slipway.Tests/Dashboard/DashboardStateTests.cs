using Slipway.Common;
using Slipway.Dashboard;
using Slipway.Edge;
using Slipway.Tests.Support;

namespace Slipway.Tests.Dashboard;

/// <summary>What the dashboard reads from a real edge: an HTTPS app's URL and a canary in progress.</summary>
public sealed class DashboardStateTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new("slipway-dashboard-state");
    private readonly List<TestBackend> _backends = [];
    private EdgeHost _edge = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _edge = await EdgeHost.StartAsync(Path.Combine(_dir.Path, "edge"));

    public async ValueTask DisposeAsync()
    {
        await _edge.DisposeAsync();
        foreach (var backend in _backends) await backend.DisposeAsync();
        _dir.Dispose();
    }

    private async Task<DeployArgs> ArgsAsync(string version, int port, CanaryPolicy? canary = null)
    {
        var backend = await TestBackend.StartAsync(version);
        _backends.Add(backend);
        return new DeployArgs(version, port, "shop.test", [new EdgeTarget(backend.Name, backend.Address)],
            new EdgeHealthSettings("/health", TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), 2, 2), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1),
            Canary: canary, TlsIssuer: new EdgeTlsIssuer(TlsIssuers.Local, ["shop.test"], null));
    }

    [Fact]
    public async Task An_https_app_links_by_https_and_its_canary_shows_with_its_share()
    {
        var port = FreePort.Next();
        await _edge.Client.DeployAsync("shop", await ArgsAsync("v1", port), Ct);
        await _edge.Client.DeployAsync("shop", await ArgsAsync("v2", port, new CanaryPolicy(25, TimeSpan.FromMinutes(10), 0.01)), Ct);

        var snapshot = await new DashboardState(new StateDirectory(_dir.Path), _edge.Client).ReadAsync(Ct);

        var app = Assert.Single(snapshot.Apps);
        Assert.Equal($"https://shop.test:{port}/", app.Url);
        Assert.Equal(("v1", new DashboardCanary("v2", 25)), (app.Version, app.Canary));
        Assert.Equal(2, app.Replicas.Count); // both releases' replicas take requests
    }
}
