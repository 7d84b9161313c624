using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Slipway.Edge;
using Slipway.Edge.Contract;
using Slipway.Platforms.EdgeControl;
using Slipway.Tests.Support;

namespace Slipway.Tests.Edge;

/// <summary>
/// A cluster's edges serve one certificate: two real edges in this process with control gates and the cluster's token. The
/// leader gets it from a real ACME server (pebble), whose HTTP-01 check reaches the other edge, which asks its peers for the
/// answer; the other edge then copies the leader's certificate through its gate rather than ask a CA itself.
/// </summary>
[Trait("Tier", "engine")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class CertificateFollowerTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly byte[] Token = Encoding.ASCII.GetBytes(new string('t', 43));
    private static readonly EdgeHealthSettings Health = new("/health", TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), 2, 2);

    private readonly TempDirectory _dir = new("slipway-tls-follow");
    private readonly int _leaderGate = FreePort.Next();
    private readonly int _leaderPort = FreePort.Next();
    private readonly int _leaderRedirect = FreePort.Next();
    private readonly int _followerPort = FreePort.Next();
    private readonly int _followerRedirect = FreePort.Next();
    private EdgeHost _leader = null!;
    private EdgeHost _follower = null!;
    private TestBackend _backend = null!;

    public async ValueTask InitializeAsync()
    {
        _leader = await EdgeHost.StartAsync(Path.Combine(_dir.Path, "leader"), controlGate: new ControlGateOptions(_leaderGate, Token));
        // Its peers: every edge's gate under one name, as tasks.slipway-edge lists them on a swarm (here the leader's alone).
        _follower = await EdgeHost.StartAsync(Path.Combine(_dir.Path, "follower"),
            controlGate: new ControlGateOptions(FreePort.Next(), Token, Peers: $"localhost:{_leaderGate}"));
        _backend = await TestBackend.StartAsync("v1");
    }

    public async ValueTask DisposeAsync()
    {
        await _leader.DisposeAsync();
        await _follower.DisposeAsync();
        await _backend.DisposeAsync();
        _dir.Dispose();
    }

    private DeployArgs Args(int port, EdgeTlsIssuer issuer) =>
        new("v1", port, issuer.Names[0], [new EdgeTarget(_backend.Name, _backend.Address)], Health, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1),
            TlsIssuer: issuer);

    [Fact]
    public async Task The_CAs_check_of_the_leader_is_answered_by_the_other_edge_which_then_serves_the_leaders_certificate()
    {
        // Pebble checks the follower's port only: the leader's own answer is on another port, where the CA never looks.
        await using var pebble = await Pebble.StartAsync(_followerRedirect);
        var issuer = new EdgeTlsIssuer(TlsIssuers.Acme, ["shop.example"], _leaderRedirect, pebble.Directory.ToString(), "ops@shop.example", pebble.CaPem);

        await _follower.Client.OpenChallengePortAsync(_followerRedirect, TimeSpan.FromMinutes(5), Ct);
        try
        {
            await _leader.Client.DeployAsync("shop", Args(_leaderPort, issuer), Ct);
        }
        catch (EdgeRequestException e)
        {
            throw new Xunit.Sdk.XunitException($"{e.Error.Message}\npebble: {pebble.Log}");
        }
        await _follower.Client.CloseChallengePortAsync(_followerRedirect, Ct);
        var copied = await _follower.Client.DeployAsync("shop",
            Args(_followerPort, issuer with { RedirectFrom = _followerRedirect, Leader = $"127.0.0.1:{_leaderGate}" }), Ct);

        var (_, _, fromLeader) = await TestCertificates.GetAsync(new Uri($"https://shop.example:{_leaderPort}/"), Ct);
        var (status, body, fromFollower) = await TestCertificates.GetAsync(new Uri($"https://shop.example:{_followerPort}/"), Ct);
        Assert.Equal((HttpStatusCode.OK, "backend v1"), (status, body));
        Assert.Equal(fromLeader!.Thumbprint, fromFollower!.Thumbprint);
        await CertificateIssuingTests.AssertIssuedByAsync(pebble, fromFollower);
        Assert.Equal($"127.0.0.1:{_leaderGate}", copied.Route.Tls!.Issuer!.Leader);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_dir.Path, "follower"), "account-*.key", SearchOption.AllDirectories)); // it never asked the CA
    }

    [Fact]
    public async Task A_check_no_edge_is_proving_gets_404_and_the_follower_has_nothing_to_copy_before_its_leader_has()
    {
        await _follower.Client.OpenChallengePortAsync(_followerRedirect, TimeSpan.FromMinutes(5), Ct);
        using var unknown = await Http.Client.GetAsync($"http://127.0.0.1:{_followerRedirect}/.well-known/acme-challenge/{new string('a', 43)}", Ct);
        using var other = await Http.Client.GetAsync($"http://127.0.0.1:{_followerRedirect}/index.html", Ct);
        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (unknown.StatusCode, other.StatusCode));
        await _follower.Client.CloseChallengePortAsync(_followerRedirect, Ct);
        await Eventually.WaitUntilAsync(async () =>
        {
            using var probe = new System.Net.Sockets.TcpClient();
            try { await probe.ConnectAsync(IPAddress.Loopback, _followerRedirect, Ct); return false; }
            catch (System.Net.Sockets.SocketException) { return true; }
        }, TimeSpan.FromSeconds(10), "the challenge port closed");

        var issuer = new EdgeTlsIssuer(TlsIssuers.Local, ["shop.test"], null, Leader: $"127.0.0.1:{_leaderGate}");
        var error = await Assert.ThrowsAsync<EdgeRequestException>(() => _follower.Client.DeployAsync("shop", Args(_followerPort, issuer), Ct));
        Assert.Equal(EdgeErrors.CertificateNotIssued, error.Error.Error);
        Assert.Contains($"the edge that gets the certificate (127.0.0.1:{_leaderGate}) has none for shop: no route for app shop", error.Error.Message);
        Assert.Null(await _follower.Client.RouteAsync("shop", Ct));

        // Once the leader has it (from its local CA), the follower serves a copy chained to the leader's root.
        await _leader.Client.DeployAsync("shop", Args(_leaderPort, issuer with { Leader = null }), Ct);
        await _follower.Client.DeployAsync("shop", Args(_followerPort, issuer), Ct);
        var (_, _, served) = await TestCertificates.GetAsync(new Uri($"https://shop.test:{_followerPort}/"), Ct);
        using var root = X509Certificate2.CreateFromPem(File.ReadAllText(_leader.Paths.CaRootCertificate));
        Assert.True(CertificateIssuingTests.Chains(served!, root), "the copy chains to the leader's local CA");
        Assert.False(File.Exists(_follower.Paths.CaRootCertificate)); // no CA of its own
    }
}
