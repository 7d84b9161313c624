using System.Collections.Concurrent;
using System.Net;
using Slipway.Edge;
using Slipway.Edge.Contract;
using Slipway.Platforms.EdgeControl;
using Slipway.Tests.Support;

namespace Slipway.Tests.Edge;

/// <summary>Canary releases through the real edge and real HTTP backends: the split, its stickiness, and how a canary ends.</summary>
[Trait("Tier", "edge")]
public sealed class CanaryTests : IAsyncLifetime
{
    private readonly int _port = FreePort.Next();
    private EdgeWithBackends _bench = null!;
    private EdgeHost Edge => _bench.Edge;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly EdgeHealthSettings Health = new("/health", TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), 2, 2);

    public async ValueTask InitializeAsync() => _bench = await EdgeWithBackends.StartAsync("slipway-canary");

    public ValueTask DisposeAsync() => _bench.DisposeAsync();

    private Task<TestBackend> BackendAsync(string name) => _bench.BackendAsync(name);

    private DeployArgs Args(string version, IEnumerable<TestBackend> targets, CanaryPolicy? canary = null, int? port = null) =>
        new(version, port ?? _port, null, targets.Select(t => new EdgeTarget(t.Name, t.Address)).ToList(), Health,
            TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5), Canary: canary);

    private static CanaryPolicy Policy(int percent, TimeSpan? duration = null, double maxErrorRate = 0.01) =>
        new(percent, duration ?? TimeSpan.FromMinutes(10), maxErrorRate);

    /// <summary>v1 on two backends, then <paramref name="canary"/> of v2 on one.</summary>
    private async Task<(TestBackend V2, DeployOutcome Started)> StartCanaryAsync(CanaryPolicy canary)
    {
        await Edge.Client.DeployAsync("shop", Args("v1", [await BackendAsync("old1"), await BackendAsync("old2")]), Ct);
        var v2 = await BackendAsync("new1");
        return (v2, await Edge.Client.DeployAsync("shop", Args("v2", [v2], canary), Ct));
    }

    private async Task<(HttpStatusCode Status, string? Version)> GetAsync(HttpClient? client = null)
    {
        using var response = await (client ?? Http.Client).GetAsync($"http://127.0.0.1:{_port}/", Ct);
        return (response.StatusCode, response.Headers.TryGetValues(ProxyConfigBuilder.VersionHeader, out var v) ? v.Single() : null);
    }

    private async Task<EdgeRoute> RouteAsync() => (await Edge.Client.RouteAsync("shop", Ct))!.Route;

    [Fact]
    public async Task Under_load_the_canary_gets_its_share_within_three_points()
    {
        var (_, started) = await StartCanaryAsync(Policy(30));
        Assert.Equal("v2", started.Route.Canary?.Version);

        // Eight clients at once, none keeping cookies: each request is a new client of the split.
        var versions = new ConcurrentBag<string?>();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 125; i++)
            {
                var (status, version) = await GetAsync();
                Assert.Equal(HttpStatusCode.OK, status);
                versions.Add(version);
            }
        })));

        var share = versions.Count(v => v == "v2") / (double)versions.Count;
        Assert.Equal(1000, versions.Count(v => v is "v1" or "v2"));
        Assert.InRange(share, 0.27, 0.33);
    }

    [Fact]
    public async Task A_client_keeping_its_cookie_stays_on_its_side_and_the_sides_split_by_the_share()
    {
        await StartCanaryAsync(Policy(30));

        var sides = new List<string>();
        for (var c = 0; c < 10; c++)
        {
            using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, UseCookies = true, CookieContainer = new CookieContainer() });
            var seen = new HashSet<string?>();
            for (var i = 0; i < 5; i++) seen.Add((await GetAsync(client)).Version);
            sides.Add(Assert.Single(seen)!);
        }

        Assert.Equal(3, sides.Count(v => v == "v2")); // exactly 3 of 10 new clients: the split counts, it does not draw
        Assert.Equal(7, sides.Count(v => v == "v1"));
    }

    [Fact]
    public async Task A_canary_answering_500_to_30_percent_is_aborted_with_no_failed_request_on_the_old_release()
    {
        var (v2, _) = await StartCanaryAsync(Policy(50, maxErrorRate: 0.01));
        v2.ErrorPercent = 30;

        var answers = new ConcurrentBag<(HttpStatusCode Status, string? Version)>();
        using var stop = new CancellationTokenSource();
        var load = Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested) answers.Add(await GetAsync());
        })));
        await Eventually.WaitUntilAsync(async () => (await RouteAsync()).LastCanary is not null, TimeSpan.FromSeconds(30), "the edge ended the canary");
        var afterAbort = answers.Count;
        await Eventually.WaitUntilAsync(() => Task.FromResult(answers.Count >= afterAbort + 100), TimeSpan.FromSeconds(30), "100 more requests");
        await stop.CancelAsync();
        await load;

        var route = await RouteAsync();
        Assert.Equal(CanaryOutcomes.Aborted, route.LastCanary!.Outcome);
        Assert.Contains("5xx rate", route.LastCanary.Reason);
        Assert.InRange(route.LastCanary.Canary.Errors, 1, route.LastCanary.Canary.Requests);
        Assert.Equal(0, route.LastCanary.Stable.Errors);
        Assert.Null(route.Canary);
        Assert.Equal("v1", route.Version);
        Assert.DoesNotContain(answers, a => a.Version == "v1" && a.Status != HttpStatusCode.OK);
        Assert.Contains(answers, a => a.Version == "v2" && a.Status == HttpStatusCode.InternalServerError);
        Assert.Equal(["old1", "old2"], route.Targets.Select(t => t.Id).Order());
        var servedBefore = v2.Served;
        for (var i = 0; i < 10; i++) Assert.Equal((HttpStatusCode.OK, "v1"), await GetAsync());
        Assert.Equal(servedBefore, v2.Served);
    }

    [Fact]
    public async Task A_healthy_canary_is_promoted_when_its_time_is_up_and_the_old_release_drains()
    {
        var (v2, _) = await StartCanaryAsync(Policy(50, TimeSpan.FromSeconds(1)));

        await Eventually.WaitUntilAsync(async () => (await RouteAsync()).Canary is null, TimeSpan.FromSeconds(30), "the canary's time was up");

        var route = await RouteAsync();
        Assert.Equal(CanaryOutcomes.Promoted, route.LastCanary!.Outcome);
        Assert.Equal("v2", route.Version);
        Assert.Equal(["new1"], route.Targets.Select(t => t.Id));
        for (var i = 0; i < 6; i++) Assert.Equal((HttpStatusCode.OK, "v2"), await GetAsync());
        Assert.Equal(["new1"], (await Edge.Client.RouteAsync("shop", Ct))!.Targets.Select(t => t.Id));
        Assert.True(v2.Served >= 6);
    }

    [Fact]
    public async Task A_canary_ended_by_hand_says_how_and_a_second_end_finds_none()
    {
        await StartCanaryAsync(Policy(50));

        var aborted = await Edge.Client.EndCanaryAsync("shop", promote: false, Ct);
        var again = await Edge.Client.EndCanaryAsync("shop", promote: true, Ct);

        Assert.Equal(CanaryOutcomes.Aborted, aborted!.Outcome);
        Assert.Contains("by hand", aborted.Reason);
        Assert.Null(again);
        Assert.Equal("v1", (await RouteAsync()).Version);
        for (var i = 0; i < 4; i++) Assert.Equal((HttpStatusCode.OK, "v1"), await GetAsync());
    }

    [Fact]
    public async Task A_canary_survives_an_edge_restart_and_is_still_judged()
    {
        var (v2, _) = await StartCanaryAsync(Policy(50));

        await _bench.RestartEdgeAsync();

        var versions = new HashSet<string?>();
        for (var i = 0; i < 4; i++) versions.Add((await GetAsync()).Version);
        Assert.Equal(["v1", "v2"], versions.Order());
        // The restarted edge judges it: the canary starts failing, and the edge alone aborts it.
        v2.ErrorPercent = 100;
        for (var i = 0; (await RouteAsync()).LastCanary is null; i++)
        {
            Assert.True(i < 2000, "the restarted edge judged the failing canary within 2,000 requests");
            await GetAsync();
        }
        var route = await RouteAsync();
        Assert.Equal(CanaryOutcomes.Aborted, route.LastCanary!.Outcome);
        Assert.Contains("5xx rate", route.LastCanary.Reason);
        Assert.Equal("v1", route.Version);
    }

    [Fact]
    public async Task A_canary_needs_a_serving_release_of_another_version_on_the_same_port()
    {
        var a = await BackendAsync("a");
        var b = await BackendAsync("b");
        var first = await Assert.ThrowsAsync<EdgeRequestException>(() => Edge.Client.DeployAsync("shop", Args("v1", [a], Policy(10)), Ct));
        await Edge.Client.DeployAsync("shop", Args("v1", [a]), Ct);
        var same = await Assert.ThrowsAsync<EdgeRequestException>(() => Edge.Client.DeployAsync("shop", Args("v1", [b], Policy(10)), Ct));
        var moved = await Assert.ThrowsAsync<EdgeRequestException>(() =>
            Edge.Client.DeployAsync("shop", Args("v2", [b], Policy(10), port: FreePort.Next()), Ct));

        Assert.Equal(EdgeErrors.CanaryRefused, first.Error.Error);
        Assert.Contains("nothing serves", first.Error.Message);
        Assert.Contains("another version", same.Error.Message);
        Assert.Contains("port and host", moved.Error.Message);
        Assert.Null((await RouteAsync()).Canary);
    }
}
