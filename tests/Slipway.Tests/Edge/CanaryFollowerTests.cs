using System.Net;
using System.Text;
using Slipway.Edge;
using Slipway.Edge.Contract;
using Slipway.Tests.Support;

namespace Slipway.Tests.Edge;

/// <summary>
/// A cluster's edges share one canary's fate: two real edges in this process, each with a control gate and the cluster's
/// token; the follower splits its own requests and ends its canary as the leader, reached through the leader's gate, ended its own.
/// </summary>
[Trait("Tier", "edge")]
public sealed class CanaryFollowerTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly byte[] Token = Encoding.ASCII.GetBytes(new string('t', 43));
    private static readonly EdgeHealthSettings Health = new("/health", TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), 2, 2);

    private readonly TempDirectory _dir = new("slipway-follow");
    private readonly List<TestBackend> _backends = [];
    private readonly int _leaderGate = FreePort.Next();
    private readonly int _leaderPort = FreePort.Next();
    private readonly int _followerPort = FreePort.Next();
    private EdgeHost _leader = null!;
    private EdgeHost _follower = null!;

    public async ValueTask InitializeAsync()
    {
        _leader = await EdgeHost.StartAsync(Path.Combine(_dir.Path, "leader"), controlGate: new ControlGateOptions(_leaderGate, Token));
        _follower = await EdgeHost.StartAsync(Path.Combine(_dir.Path, "follower"), controlGate: new ControlGateOptions(FreePort.Next(), Token));
    }

    public async ValueTask DisposeAsync()
    {
        await _leader.DisposeAsync();
        await _follower.DisposeAsync();
        foreach (var backend in _backends) await backend.DisposeAsync();
        _dir.Dispose();
    }

    private async Task<TestBackend> BackendAsync(string name)
    {
        var backend = await TestBackend.StartAsync(name);
        _backends.Add(backend);
        return backend;
    }

    private static DeployArgs Args(string version, int port, IEnumerable<TestBackend> targets, CanaryPolicy? canary = null) =>
        new(version, port, null, targets.Select(t => new EdgeTarget(t.Name, t.Address)).ToList(), Health,
            TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5), Canary: canary);

    /// <summary>v1 on both edges, then v2 as a canary on both: judged by the leader, followed by the other.</summary>
    private async Task<TestBackend> StartCanariesAsync(string? leader = null)
    {
        var v1 = await BackendAsync("old1");
        var v2 = await BackendAsync("new1");
        var policy = new CanaryPolicy(50, TimeSpan.FromMinutes(10), 0.01);
        await _leader.Client.DeployAsync("shop", Args("v1", _leaderPort, [v1]), Ct);
        await _follower.Client.DeployAsync("shop", Args("v1", _followerPort, [v1]), Ct);
        await _leader.Client.DeployAsync("shop", Args("v2", _leaderPort, [v2], policy), Ct);
        await _follower.Client.DeployAsync("shop", Args("v2", _followerPort, [v2], policy with { Leader = leader ?? $"127.0.0.1:{_leaderGate}" }), Ct);
        return v2;
    }

    private async Task<EdgeRoute> FollowerRouteAsync() => (await _follower.Client.RouteAsync("shop", Ct))!.Route;

    private static async Task<string?> VersionAtAsync(int port)
    {
        using var response = await Http.Client.GetAsync($"http://127.0.0.1:{port}/", Ct);
        return response.Headers.TryGetValues(ProxyConfigBuilder.VersionHeader, out var v) ? v.Single() : null;
    }

    [Fact]
    public async Task The_follower_is_promoted_when_its_leader_promotes_and_serves_only_the_new_release()
    {
        await StartCanariesAsync();
        Assert.Equal("v2", (await FollowerRouteAsync()).Canary?.Version);

        await _leader.Client.EndCanaryAsync("shop", promote: true, Ct);

        await Eventually.WaitUntilAsync(async () => (await FollowerRouteAsync()).Canary is null, TimeSpan.FromSeconds(30), "the follower ended its canary");
        var route = await FollowerRouteAsync();
        Assert.Equal(CanaryOutcomes.Promoted, route.LastCanary!.Outcome);
        Assert.Contains($"promoted by the edge that judges it (127.0.0.1:{_leaderGate}): promoted by hand", route.LastCanary.Reason);
        Assert.Equal("v2", route.Version);
        for (var i = 0; i < 6; i++) Assert.Equal("v2", await VersionAtAsync(_followerPort));
    }

    [Fact]
    public async Task The_follower_aborts_when_its_leader_judges_the_canary_failing_though_its_own_share_never_failed()
    {
        var v2 = await StartCanariesAsync();
        v2.ErrorPercent = 100;

        // Only the leader's port gets requests: its figures abort the canary, and the follower has none of its own to judge.
        for (var i = 0; (await _leader.Client.RouteAsync("shop", Ct))!.Route.LastCanary is null; i++)
        {
            Assert.True(i < 2000, "the leader judged the failing canary within 2,000 requests");
            await VersionAtAsync(_leaderPort);
        }
        await Eventually.WaitUntilAsync(async () => (await FollowerRouteAsync()).Canary is null, TimeSpan.FromSeconds(30), "the follower ended its canary");

        var route = await FollowerRouteAsync();
        Assert.Equal(CanaryOutcomes.Aborted, route.LastCanary!.Outcome);
        Assert.Contains("aborted by the edge that judges it", route.LastCanary.Reason);
        Assert.Contains("5xx rate", route.LastCanary.Reason);
        Assert.Equal(0, route.LastCanary.Canary.Requests);
        Assert.Equal("v1", route.Version);
    }

    [Fact]
    public async Task A_follower_whose_leader_does_not_answer_keeps_splitting_the_requests_until_its_own_patience_ends()
    {
        // A gate nobody listens on: the follower cannot learn anything, and judging 10 minutes early would be a guess.
        await StartCanariesAsync(leader: $"127.0.0.1:{FreePort.Next()}");
        var seen = new HashSet<string?>();
        for (var i = 0; i < 40 && seen.Count < 2; i++) seen.Add(await VersionAtAsync(_followerPort));

        Assert.Equal(["v1", "v2"], seen.Order());
        Assert.Equal("v2", (await FollowerRouteAsync()).Canary?.Version);
    }

    [Fact]
    public async Task A_leader_that_is_not_host_and_port_is_refused()
    {
        var v1 = await BackendAsync("old1");
        await _follower.Client.DeployAsync("shop", Args("v1", _followerPort, [v1]), Ct);

        var refused = await Assert.ThrowsAsync<Slipway.Platforms.EdgeControl.EdgeRequestException>(() => _follower.Client.DeployAsync("shop",
            Args("v2", _followerPort, [v1], new CanaryPolicy(50, TimeSpan.FromMinutes(1), 0.01, Leader: "http://10.0.0.1/x")), Ct));

        Assert.Equal(EdgeErrors.CanaryRefused, refused.Error.Error);
    }
}
