using System.Net.Sockets;
using System.Net;
using Slipway.Edge;
using Slipway.Edge.Contract;
using Slipway.Platforms.EdgeControl;
using Slipway.Tests.Support;

namespace Slipway.Tests.Edge;

/// <summary>The edge proxy with real HTTP backends: gating, cut-over, draining, persistence, isolation of the control API.</summary>
[Trait("Tier", "edge")]
public sealed class EdgeProxyTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new("slipway-edge");
    private readonly List<TestBackend> _backends = [];
    private readonly int _port = FreePort.Next();
    private EdgeHost _edge = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly EdgeHealthSettings Health = new("/health", TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), 2, 2);

    public async ValueTask InitializeAsync() => _edge = await EdgeHost.StartAsync(Path.Combine(_dir.Path, "edge"));

    private async Task<TestBackend> BackendAsync(string name)
    {
        var backend = await TestBackend.StartAsync(name);
        _backends.Add(backend);
        return backend;
    }

    private DeployArgs Args(string version, IEnumerable<TestBackend> targets, int? port = null, string? host = null,
        TimeSpan? healthTimeout = null, TimeSpan? drain = null) =>
        new(version, port ?? _port, host, targets.Select(t => new EdgeTarget(t.Name, t.Address)).ToList(), Health,
            healthTimeout ?? TimeSpan.FromSeconds(30), drain ?? TimeSpan.FromSeconds(5));

    private async Task<(string Body, string? Version)> GetAsync(string path = "/", string? host = null, int? port = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port ?? _port}{path}");
        if (host is not null) request.Headers.Host = $"{host}:{port ?? _port}";
        using var response = await Http.Client.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var version = response.Headers.TryGetValues(ProxyConfigBuilder.VersionHeader, out var v) ? v.Single() : null;
        return (await response.Content.ReadAsStringAsync(Ct), version);
    }

    [Fact]
    public async Task A_route_past_its_expiry_is_removed_by_the_edge_itself_and_one_without_stays()
    {
        var preview = await BackendAsync("preview");
        var kept = await BackendAsync("kept");
        await _edge.Client.DeployAsync("shop-pr-1", Args("v1", [preview], host: "pr-1.preview.test") with { ExpiresAt = DateTimeOffset.UtcNow.AddSeconds(2) }, Ct);
        await _edge.Client.DeployAsync("shop", Args("v1", [kept], host: "shop.test"), Ct);
        Assert.Equal("v1", (await GetAsync(host: "pr-1.preview.test")).Version); // served until then

        await Eventually.WaitUntilAsync(async () => await _edge.Client.RouteAsync("shop-pr-1", Ct) is null, TimeSpan.FromSeconds(30), "the expired route goes");
        Assert.NotNull(await _edge.Client.RouteAsync("shop", Ct));
        Assert.Equal("v1", (await GetAsync(host: "shop.test")).Version);
    }

    [Fact]
    public async Task Deploy_routes_to_healthy_targets_and_tags_responses_with_the_version()
    {
        var a = await BackendAsync("a1");
        var b = await BackendAsync("a2");

        var outcome = await _edge.Client.DeployAsync("shop", Args("v1", [a, b]), Ct);

        Assert.Null(outcome.PreviousVersion);
        var bodies = new HashSet<string>();
        for (var i = 0; i < 6; i++)
        {
            var (body, version) = await GetAsync();
            Assert.Equal("v1", version);
            bodies.Add(body);
        }
        Assert.Equal(["backend a1", "backend a2"], bodies.Order());
    }

    [Fact]
    public async Task Each_versions_requests_are_counted_by_status_class_with_their_latency_and_last_minute()
    {
        var a = await BackendAsync("m1");
        await _edge.Client.DeployAsync("shop", Args("v1", [a]), Ct);
        async Task<HttpStatusCode> Status(string path)
        {
            using var response = await Http.Client.GetAsync($"http://127.0.0.1:{_port}{path}", Ct);
            return response.StatusCode;
        }
        for (var i = 0; i < 5; i++) Assert.Equal(HttpStatusCode.OK, await Status("/"));
        Assert.Equal(HttpStatusCode.NotFound, await Status("/status/404"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await Status("/status/503"));
        Assert.Equal(HttpStatusCode.InternalServerError, await Status("/status/500"));
        await _edge.Client.DeployAsync("shop", Args("v2", [await BackendAsync("m2")]), Ct);
        Assert.Equal(HttpStatusCode.OK, await Status("/"));

        // A request is counted once its answer is written, just after the client has it: read the figures once the last one is in.
        var metrics = await _edge.Client.MetricsAsync(Ct);
        for (var i = 0; i < 200 && !metrics.Any(m => m is { Version: "v2", Requests: 1 }); i++)
        {
            await Task.Delay(10, Ct);
            metrics = await _edge.Client.MetricsAsync(Ct);
        }

        var v1 = Assert.Single(metrics, m => m.App == "shop" && m.Version == "v1");
        Assert.Equal([0L, 5, 0, 1, 2], v1.StatusClasses);
        Assert.Equal(8, v1.Requests);
        Assert.Equal(8, v1.Buckets.Sum());
        Assert.Equal((8L, 2L), (v1.LastMinuteRequests, v1.LastMinuteErrors));
        Assert.NotNull(v1.PercentileMs(0.99)); // loopback answers well within the last bound
        Assert.Equal(1, Assert.Single(metrics, m => m.Version == "v2").Requests);
        var prometheus = await _edge.Client.PrometheusAsync(Ct);
        Assert.Contains("slipway_edge_requests_total{app=\"shop\",version=\"v1\",code=\"5xx\"} 2\n", prometheus);
        Assert.Contains("slipway_edge_request_duration_seconds_bucket{app=\"shop\",version=\"v1\",le=\"+Inf\"} 8\n", prometheus);
        Assert.Contains("slipway_edge_request_duration_seconds_count{app=\"shop\",version=\"v2\"} 1\n", prometheus);
    }

    [Fact]
    public async Task A_metrics_port_serves_prometheus_text_on_loopback_and_nothing_of_any_app()
    {
        var metricsPort = FreePort.Next();
        await _edge.Client.DeployAsync("shop", Args("v1", [await BackendAsync("p1")]) with { MetricsPort = metricsPort }, Ct);
        await GetAsync();

        // A request is counted once its answer has gone out, a moment after the client has it: synchronised on the count.
        var text = "";
        await Eventually.WaitUntilAsync(async () =>
        {
            using var scrape = await Http.Client.GetAsync($"http://127.0.0.1:{metricsPort}/metrics", Ct);
            Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
            Assert.StartsWith("text/plain", scrape.Content.Headers.ContentType!.ToString());
            text = await scrape.Content.ReadAsStringAsync(Ct);
            return text.Contains("slipway_edge_requests_total{app=\"shop\",version=\"v1\",code=\"2xx\"} ", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(5), "the request is counted");
        using var other = await Http.Client.GetAsync($"http://127.0.0.1:{metricsPort}/", Ct);

        Assert.Contains("slipway_edge_requests_total{app=\"shop\",version=\"v1\",code=\"2xx\"} 1\n", text);
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode); // never proxied to the app
        Assert.Equal("backend p1", (await GetAsync()).Body);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Https_serves_each_hosts_own_certificate_by_sni_redirects_plain_http_and_survives_a_restart()
    {
        var redirect = FreePort.Next();
        var (shopCertificate, shopKey) = TestCertificates.Create("shop.test");
        var (blogCertificate, blogKey) = TestCertificates.Create("blog.test");
        await _edge.Client.DeployAsync("shop", Args("v1", [await BackendAsync("s1")], host: "shop.test") with { Tls = new EdgeTls(shopCertificate, shopKey, redirect) }, Ct);
        await _edge.Client.DeployAsync("blog", Args("v1", [await BackendAsync("b1")], host: "blog.test") with { Tls = new EdgeTls(blogCertificate, blogKey, null) }, Ct);

        var shop = await TestCertificates.GetAsync(new Uri($"https://shop.test:{_port}/x"), Ct);
        var blog = await TestCertificates.GetAsync(new Uri($"https://blog.test:{_port}/x"), Ct);

        Assert.Equal((HttpStatusCode.OK, "backend s1", "CN=shop.test"), (shop.Status, shop.Body, shop.Certificate!.Subject));
        Assert.Equal((HttpStatusCode.OK, "backend b1", "CN=blog.test"), (blog.Status, blog.Body, blog.Certificate!.Subject));
        using (var plain = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{redirect}/path?q=1"))
        {
            plain.Headers.Host = $"shop.test:{redirect}";
            using var noRedirects = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false });
            using var moved = await noRedirects.SendAsync(plain, Ct);
            Assert.Equal(HttpStatusCode.PermanentRedirect, moved.StatusCode);
            Assert.Equal($"https://shop.test:{_port}/path?q=1", moved.Headers.Location!.ToString());
        }
        var kept = Directory.GetFiles(Path.Combine(_dir.Path, "edge", "tls"));
        Assert.All(kept, f => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f)));

        await _edge.DisposeAsync();
        _edge = await EdgeHost.StartAsync(Path.Combine(_dir.Path, "edge"));

        var again = await TestCertificates.GetAsync(new Uri($"https://shop.test:{_port}/"), Ct);
        Assert.Equal((HttpStatusCode.OK, "CN=shop.test"), (again.Status, again.Certificate!.Subject));
        var route = await _edge.Client.RouteAsync("shop", Ct);
        Assert.InRange(route!.Route.Tls!.NotAfter, DateTimeOffset.UtcNow.AddDays(29), DateTimeOffset.UtcNow.AddDays(31));

        // A new certificate replaces the old, whose files go; so do a removed app's.
        var (renewed, renewedKey) = TestCertificates.Create("shop.test", notAfter: DateTimeOffset.UtcNow.AddDays(90));
        await _edge.Client.DeployAsync("shop", Args("v2", [await BackendAsync("s2")], host: "shop.test") with { Tls = new EdgeTls(renewed, renewedKey, redirect) }, Ct);
        Assert.True((await _edge.Client.RemoveAsync("blog", TimeSpan.FromSeconds(1), Ct)));
        var left = Directory.GetFiles(Path.Combine(_dir.Path, "edge", "tls")).Select(Path.GetFileName).ToList();
        Assert.Equal(2, left.Count);
        Assert.All(left, f => Assert.StartsWith("shop-", f));
        Assert.DoesNotContain(left, f => kept.Select(Path.GetFileName).Contains(f) && f!.StartsWith("shop-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_certificate_the_edge_cannot_serve_leaves_the_route_as_it_was()
    {
        await _edge.Client.DeployAsync("shop", Args("v1", [await BackendAsync("t1")]), Ct);
        var (certificate, _) = TestCertificates.Create("shop.test");
        var (_, otherKey) = TestCertificates.Create("other.test");

        var second = await BackendAsync("t2");
        var error = await Assert.ThrowsAnyAsync<Exception>(() =>
            _edge.Client.DeployAsync("shop", Args("v2", [second]) with { Tls = new EdgeTls(certificate, otherKey, null) }, Ct));

        Assert.Contains("edge.tls: the key is not the certificate's own", error.Message);
        Assert.Equal(("backend t1", "v1"), await GetAsync());
    }

    [Fact]
    public async Task Cut_over_under_load_fails_no_request_and_ends_on_the_new_version()
    {
        var old = await BackendAsync("old");
        await _edge.Client.DeployAsync("shop", Args("v1", [old]), Ct);
        var fresh = await BackendAsync("new");

        using var stopLoad = new CancellationTokenSource();
        var failures = new List<string>();
        var total = 0;
        // A few sequential clients, as the probes share this process: enough to overlap the swap, not to starve it.
        var load = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            while (!stopLoad.IsCancellationRequested)
            {
                try
                {
                    using var response = await Http.Client.GetAsync($"http://127.0.0.1:{_port}/", CancellationToken.None);
                    if (response.StatusCode != HttpStatusCode.OK) lock (failures) failures.Add($"HTTP {(int)response.StatusCode}");
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    lock (failures) failures.Add(e.Message);
                }
                Interlocked.Increment(ref total);
            }
        })).ToList();

        await Eventually.WaitUntilAsync(() => Task.FromResult(Volatile.Read(ref total) >= 50), TimeSpan.FromSeconds(30), "the load is running");
        var outcome = await _edge.Client.DeployAsync("shop", Args("v2", [fresh], healthTimeout: TimeSpan.FromSeconds(30)), Ct);
        await old.DisposeAsync(); // the old replica goes away right after the deploy returns, as the platform stops it
        _backends.Remove(old);
        var afterSwap = Volatile.Read(ref total);
        await Eventually.WaitUntilAsync(() => Task.FromResult(Volatile.Read(ref total) >= afterSwap + 50), TimeSpan.FromSeconds(30),
            "50 more requests went through after the old replica was gone");
        await stopLoad.CancelAsync();
        await Task.WhenAll(load);

        Assert.Equal("v1", outcome.PreviousVersion);
        Assert.Empty(failures);
        Assert.Equal("v2", (await GetAsync()).Version);
    }

    [Fact]
    public async Task An_unhealthy_release_is_rejected_and_the_old_one_keeps_serving()
    {
        var old = await BackendAsync("old");
        await _edge.Client.DeployAsync("shop", Args("v1", [old]), Ct);
        var broken = await BackendAsync("broken");
        broken.HealthStatus = 500;

        var error = await Assert.ThrowsAsync<EdgeRequestException>(() =>
            _edge.Client.DeployAsync("shop", Args("v2", [broken], healthTimeout: TimeSpan.FromSeconds(3)), Ct));

        Assert.Equal(EdgeErrors.TargetFailedToBecomeHealthy, error.Error.Error);
        var failure = Assert.Single(error.Error.Targets!);
        Assert.Equal("broken", failure.Id);
        Assert.Equal(TargetOutcomes.UnhealthyStatus, failure.Outcome);
        Assert.Equal(500, failure.LastStatus);
        Assert.Equal(failure.Probes, failure.Answers);
        Assert.NotNull(failure.FirstAnswerAfter);
        Assert.StartsWith("answered HTTP 500 to", failure.Describe("/health", TimeSpan.FromSeconds(3)));
        Assert.Equal(("backend old", "v1"), await GetAsync());
        Assert.Equal(0, broken.Served);
    }

    [Fact]
    public async Task A_target_that_refuses_connections_is_rejected_as_never_answering()
    {
        var old = await BackendAsync("old");
        await _edge.Client.DeployAsync("shop", Args("v1", [old]), Ct);
        var closedPort = FreePort.Next();

        var error = await Assert.ThrowsAsync<EdgeRequestException>(() => _edge.Client.DeployAsync("shop",
            new DeployArgs("v2", _port, null, [new EdgeTarget("dead", $"http://127.0.0.1:{closedPort}")], Health,
                TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1)), Ct));

        var failure = Assert.Single(error.Error.Targets!);
        Assert.Equal(TargetOutcomes.NeverAnswered, failure.Outcome);
        Assert.Contains("ConnectionRefused", failure.LastError);
        Assert.Equal(0, failure.Answers);
        Assert.Equal("v1", (await GetAsync()).Version);
    }

    [Fact]
    public async Task In_flight_requests_on_the_old_release_finish_during_draining()
    {
        var old = await BackendAsync("old");
        await _edge.Client.DeployAsync("shop", Args("v1", [old]), Ct);
        var fresh = await BackendAsync("new");
        var slow = GetAsync("/slow");
        await old.SlowArrived.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        var deploy = _edge.Client.DeployAsync("shop", Args("v2", [fresh], drain: TimeSpan.FromSeconds(60)), Ct);
        await Eventually.WaitUntilAsync(async () => (await _edge.Client.RouteAsync("shop", Ct))?.Route.Version == "v2",
            TimeSpan.FromSeconds(30), "the edge cut over to v2");

        Assert.False(deploy.IsCompleted, "the deploy returned while a request was still in flight on the old release");
        old.ReleaseSlow();
        var outcome = await deploy;
        Assert.Equal("slow old", (await slow).Body);
        Assert.False(outcome.DrainTimedOut);
        Assert.Equal(1, outcome.DrainedTargets);
    }

    [Fact]
    public async Task Draining_gives_up_after_the_drain_timeout()
    {
        var old = await BackendAsync("old");
        await _edge.Client.DeployAsync("shop", Args("v1", [old]), Ct);
        var fresh = await BackendAsync("new");
        var slow = GetAsync("/slow");
        await old.SlowArrived.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        var outcome = await _edge.Client.DeployAsync("shop", Args("v2", [fresh], drain: TimeSpan.FromMilliseconds(300)), Ct);

        Assert.True(outcome.DrainTimedOut);
        Assert.False(slow.IsCompleted);
        old.ReleaseSlow();
        Assert.Equal("slow old", (await slow).Body); // giving up on draining does not cut the request off
    }

    [Fact]
    public async Task A_restarted_edge_serves_the_routes_it_had()
    {
        var backend = await BackendAsync("a");
        await _edge.Client.DeployAsync("shop", Args("v7", [backend]), Ct);

        await _edge.DisposeAsync();
        _edge = await EdgeHost.StartAsync(Path.Combine(_dir.Path, "edge"));

        Assert.Equal(("backend a", "v7"), await GetAsync());
        var route = await _edge.Client.RouteAsync("shop", Ct);
        Assert.Equal("v7", route!.Route.Version);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"routes\": [")]
    [InlineData("[{\"app\": 7}]")]
    public async Task A_damaged_routes_file_is_set_aside_and_the_last_good_copy_serves(string damage)
    {
        var backend = await BackendAsync("a");
        await _edge.Client.DeployAsync("shop", Args("v7", [backend]), Ct);
        await _edge.DisposeAsync();
        File.WriteAllText(_edge.Paths.StateFile, damage);

        _edge = await EdgeHost.StartAsync(Path.Combine(_dir.Path, "edge"));

        Assert.Equal(("backend a", "v7"), await GetAsync());
        Assert.Single(Directory.EnumerateFiles(_edge.Paths.Directory, "routes.json.damaged-*"));
    }

    [Fact]
    public async Task Apps_share_a_port_by_host_name_and_a_new_port_opens_without_a_restart()
    {
        var shop = await BackendAsync("shop");
        var blog = await BackendAsync("blog");
        var api = await BackendAsync("api");
        var otherPort = FreePort.Next();

        await _edge.Client.DeployAsync("shop", Args("s1", [shop]), Ct);
        await _edge.Client.DeployAsync("blog", Args("b1", [blog], host: "blog.localhost"), Ct);
        await _edge.Client.DeployAsync("api", Args("a1", [api], port: otherPort), Ct);

        Assert.Equal(("backend shop", "s1"), await GetAsync());
        Assert.Equal(("backend blog", "b1"), await GetAsync(host: "blog.localhost"));
        Assert.Equal(("backend api", "a1"), await GetAsync(port: otherPort));
        var info = await _edge.Client.InfoAsync(Ct);
        Assert.Equal(new[] { _port, otherPort }.Order(), info!.Ports.Order());

        var clash = await Assert.ThrowsAsync<EdgeRequestException>(() =>
            _edge.Client.DeployAsync("blog2", Args("x", [blog], host: "blog.localhost"), Ct));
        Assert.Equal(EdgeErrors.HostInUse, clash.Error.Error);

        Assert.True(await _edge.Client.RemoveAsync("api", TimeSpan.FromSeconds(1), Ct));
        await Assert.ThrowsAsync<HttpRequestException>(() => Http.Client.GetAsync($"http://127.0.0.1:{otherPort}/", Ct));
    }

    [Fact]
    public async Task A_port_taken_by_another_program_is_refused()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var taken = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var backend = await BackendAsync("a");

        var error = await Assert.ThrowsAsync<EdgeRequestException>(() => _edge.Client.DeployAsync("shop", Args("v1", [backend], port: taken), Ct));

        Assert.Equal(EdgeErrors.PortInUse, error.Error.Error);
        Assert.Null(await _edge.Client.RouteAsync("shop", Ct));
    }

    [Fact]
    public async Task The_control_api_is_not_reachable_through_a_public_port()
    {
        var backend = await BackendAsync("a");
        await _edge.Client.DeployAsync("shop", Args("v1", [backend]), Ct);

        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{_port}{ControlApi.Prefix}/routes");
        request.Headers.Host = ControlApi.Host;
        using var response = await Http.Client.SendAsync(request, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);

        Assert.DoesNotContain("\"route\"", body);
        Assert.DoesNotContain("shop", body);
        Assert.Single(await _edge.Client.RoutesAsync(Ct));
    }

    public async ValueTask DisposeAsync()
    {
        await _edge.DisposeAsync();
        foreach (var backend in _backends) await backend.DisposeAsync();
        _dir.Dispose();
    }
}
