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

/// <summary>A platform whose overview costs calls (a cloud's) is read as often as it says, however often the page asks.</summary>
[Trait("Tier", "unit")]
public sealed class DashboardRefreshTests
{
    private sealed class CountingModule(TimeSpan every) : IPlatformModule
    {
        public int Reads;
        public string Name => "counted";
        public string? Section => null;
        public object ReadSection(Slipway.Configuration.MappingReader? section) => throw new NotSupportedException();
        public TimeSpan OverviewEvery => every;
        public PlatformSession Open(Slipway.Configuration.AppManifest app, Slipway.Configuration.AppSecrets secrets, PlatformContext context) =>
            throw new NotSupportedException();
        public Task<IReadOnlyList<DoctorCheck>> CheckAsync(Slipway.Configuration.AppManifest? app, PlatformContext context, CancellationToken ct) =>
            throw new NotSupportedException();
        public Task<PlatformOverview> OverviewAsync(PlatformContext context, CancellationToken ct)
        {
            Reads++;
            return Task.FromResult(PlatformOverview.None(Name, $"read {Reads}"));
        }
        public Slipway.Foundation.SlipwayException? ToUserError(Exception e) => null;
    }

    [Fact]
    public async Task A_platform_is_read_again_only_once_its_interval_has_passed()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var module = new CountingModule(TimeSpan.FromSeconds(15));
        var state = new DashboardState(new PlatformCatalog([module]), new PlatformContext(new StateDirectory("/nonexistent"), _ => false, time, _ => null));

        await state.ReadAsync(TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromSeconds(14));
        var cached = await state.ReadAsync(TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromSeconds(2));
        var fresh = await state.ReadAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["counted: read 1"], cached.Platforms);
        Assert.Equal(["counted: read 2"], fresh.Platforms);
        Assert.Equal(2, module.Reads);
    }
}

