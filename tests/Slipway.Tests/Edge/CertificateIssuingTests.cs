using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Time.Testing;
using Slipway.Edge;
using Slipway.Edge.Contract;
using Slipway.Platforms.EdgeControl;
using Slipway.Tests.Support;

namespace Slipway.Tests.Edge;

/// <summary>Certificates the edge gets itself: from Slipway's local CA, and from a real ACME server (pebble) by HTTP-01; and their renewal.</summary>
[Trait("Tier", "engine")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class CertificateIssuingTests : IAsyncLifetime
{
    private readonly int _port = FreePort.Next();
    // The edge's clock runs (twice as fast as the real one, so its health checks and drains go on) and can jump ahead.
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly CancellationTokenSource _stopClock = new();
    private Task _clock = Task.CompletedTask;
    private EdgeWithBackends _bench = null!;
    private EdgeHost Edge => _bench.Edge;
    private int _started;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly EdgeHealthSettings Health = new("/health", TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), 2, 2);

    public async ValueTask InitializeAsync()
    {
        _clock = Task.Run(async () =>
        {
            while (!_stopClock.IsCancellationRequested)
            {
                _time.Advance(TimeSpan.FromMilliseconds(20));
                await Task.Delay(10, CancellationToken.None);
            }
        });
        _bench = await EdgeWithBackends.StartAsync("slipway-issuing", _time);
    }

    public async ValueTask DisposeAsync()
    {
        await _bench.DisposeAsync();
        await _stopClock.CancelAsync();
        await _clock;
    }

    private async Task<DeployArgs> ArgsAsync(string version, EdgeTlsIssuer issuer)
    {
        var backend = await _bench.BackendAsync($"{version}-{_started++}");
        return new DeployArgs(version, _port, issuer.Names[0], [new EdgeTarget(backend.Name, backend.Address)], Health, TimeSpan.FromSeconds(30),
            TimeSpan.FromSeconds(1), TlsIssuer: issuer);
    }

    private Task<(HttpStatusCode Status, string Body, X509Certificate2? Certificate)> GetAsync(string host, int? port = null) =>
        TestCertificates.GetAsync(new Uri($"https://{host}:{port ?? _port}/"), Ct);

    internal static bool Chains(X509Certificate2 certificate, X509Certificate2 root)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid; // the edge's clock is a fake one
        chain.ChainPolicy.CustomTrustStore.Add(root);
        return chain.Build(certificate);
    }

    /// <summary>Issued by this pebble: the certificate chains to the root it made at its start, not merely a name that says Pebble.</summary>
    internal static async Task AssertIssuedByAsync(Pebble pebble, X509Certificate2 certificate)
    {
        var (root, intermediate) = await pebble.IssuingChainAsync(Ct);
        using (root)
        using (intermediate)
        using (var chain = new X509Chain())
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.CustomTrustStore.Add(root);
            chain.ChainPolicy.ExtraStore.Add(intermediate);
            Assert.True(chain.Build(certificate), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
            Assert.Equal(root.Thumbprint, chain.ChainElements[^1].Certificate.Thumbprint);
        }
    }

    [Fact]
    public async Task The_local_ca_signs_a_certificate_per_host_keeps_its_root_private_and_reuses_the_certificate_on_the_next_deploy()
    {
        var issuer = new EdgeTlsIssuer(TlsIssuers.Local, ["shop.test"], null);

        await Edge.Client.DeployAsync("shop", await ArgsAsync("v1", issuer), Ct);
        var (status, body, first) = await GetAsync("shop.test");
        await Edge.Client.DeployAsync("shop", await ArgsAsync("v2", issuer), Ct);
        var (_, _, second) = await GetAsync("shop.test");

        Assert.Equal((HttpStatusCode.OK, "backend v1-0"), (status, body));
        using var root = X509Certificate2.CreateFromPem(File.ReadAllText(Edge.Paths.CaRootCertificate));
        Assert.True(Chains(first!, root), "the certificate is signed by the local CA's root");
        Assert.Contains("shop.test", first!.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames());
        Assert.Equal(first.Thumbprint, second!.Thumbprint);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(EdgePaths.CaDirectoryOf(Edge.Paths), "root.key")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(EdgePaths.CaDirectoryOf(Edge.Paths)));
        var route = (await Edge.Client.RouteAsync("shop", Ct))!.Route;
        Assert.Equal(TlsIssuers.Local, route.Tls!.Issuer!.Kind);
        Assert.InRange(route.Tls.NotAfter - _time.GetUtcNow(), TimeSpan.FromDays(89), TimeSpan.FromDays(90));
    }

    [Fact]
    public async Task A_certificate_is_renewed_once_two_thirds_of_its_life_have_passed_and_the_old_one_removed()
    {
        await Edge.Client.DeployAsync("shop", await ArgsAsync("v1", new EdgeTlsIssuer(TlsIssuers.Local, ["shop.test"], null)), Ct);
        var before = (await Edge.Client.RouteAsync("shop", Ct))!.Route.Tls!;
        var (_, _, served) = await GetAsync("shop.test");

        _time.Advance(TimeSpan.FromDays(59)); // not yet due: nothing changes
        await Task.Delay(200, Ct);
        Assert.Equal(before.CertificateFile, (await Edge.Client.RouteAsync("shop", Ct))!.Route.Tls!.CertificateFile);
        _time.Advance(TimeSpan.FromDays(2));
        await Eventually.WaitUntilAsync(async () => (await Edge.Client.RouteAsync("shop", Ct))!.Route.Tls!.NotAfter > before.NotAfter,
            TimeSpan.FromSeconds(20), "the edge renewed the certificate");

        var after = (await Edge.Client.RouteAsync("shop", Ct))!.Route.Tls!;
        await Eventually.WaitUntilAsync(async () => (await GetAsync("shop.test")).Certificate!.Thumbprint != served!.Thumbprint,
            TimeSpan.FromSeconds(20), "the listener serves the renewed certificate");
        Assert.InRange(after.NotAfter - before.NotAfter, TimeSpan.FromDays(61), TimeSpan.FromDays(61.1));
        Assert.False(File.Exists(before.CertificateFile));
        Assert.False(File.Exists(before.KeyFile));
        Assert.True(File.Exists(after.KeyFile));
    }

    [Fact]
    public async Task Acme_gets_a_certificate_from_pebble_by_http_01_on_the_redirect_port()
    {
        var httpPort = FreePort.Next();
        await using var pebble = await Pebble.StartAsync(httpPort);
        var issuer = new EdgeTlsIssuer(TlsIssuers.Acme, ["shop.example"], httpPort, pebble.Directory.ToString(), "ops@shop.example", pebble.CaPem);

        DeployOutcome outcome;
        try
        {
            outcome = await Edge.Client.DeployAsync("shop", await ArgsAsync("v1", issuer), Ct);
        }
        catch (EdgeRequestException e)
        {
            throw new Xunit.Sdk.XunitException($"{e.Error.Message}\npebble: {pebble.Log}");
        }
        var (status, _, certificate) = await GetAsync("shop.example");
        var (redirect, _, _) = await TestCertificates.GetAsync(new Uri($"http://shop.example:{httpPort}/page"), Ct);

        Assert.Equal(TlsIssuers.Acme, outcome.Route.Tls!.Issuer!.Kind);
        Assert.Equal(HttpStatusCode.OK, status);
        await AssertIssuedByAsync(pebble, certificate!);
        Assert.Contains("shop.example", certificate!.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames());
        Assert.Equal(HttpStatusCode.PermanentRedirect, redirect);
        Assert.Single(Directory.EnumerateFiles(Path.Combine(Edge.Paths.Directory, "acme"), "account-*.key"));
    }

    [Fact]
    public async Task An_acme_certificate_is_renewed_from_pebble_once_two_thirds_of_its_life_have_passed()
    {
        var httpPort = FreePort.Next();
        await using var pebble = await Pebble.StartAsync(httpPort);
        var issuer = new EdgeTlsIssuer(TlsIssuers.Acme, ["shop.example"], httpPort, pebble.Directory.ToString(), "ops@shop.example", pebble.CaPem);
        await Edge.Client.DeployAsync("shop", await ArgsAsync("v1", issuer), Ct);
        var before = (await Edge.Client.RouteAsync("shop", Ct))!.Route.Tls!;
        var life = before.NotAfter - before.NotBefore!.Value;

        // Pebble signs with the real clock; the edge's runs ahead, so the renewal comes due on the edge's clock alone.
        _time.Advance(life * 0.6); // not yet due: nothing changes
        await Task.Delay(200, Ct);
        Assert.Equal(before.CertificateFile, (await Edge.Client.RouteAsync("shop", Ct))!.Route.Tls!.CertificateFile);
        _time.Advance(life * 0.1);
        await Eventually.WaitUntilAsync(async () => (await Edge.Client.RouteAsync("shop", Ct))!.Route.Tls!.CertificateFile != before.CertificateFile,
            TimeSpan.FromSeconds(30), "the edge renewed the certificate from pebble");

        var after = (await Edge.Client.RouteAsync("shop", Ct))!.Route.Tls!;
        var renewed = X509Certificate2.CreateFromPem(File.ReadAllText(after.CertificateFile)).Thumbprint;
        await Eventually.WaitUntilAsync(async () => (await GetAsync("shop.example")).Certificate!.Thumbprint == renewed,
            TimeSpan.FromSeconds(20), "the listener serves the renewed certificate");
        var (status, _, served) = await GetAsync("shop.example");
        Assert.Equal(HttpStatusCode.OK, status);
        await AssertIssuedByAsync(pebble, served!);
        Assert.False(File.Exists(before.CertificateFile));
    }

    [Fact]
    public async Task An_acme_server_that_cannot_be_trusted_issues_nothing_and_the_route_stays_as_it_was()
    {
        var httpPort = FreePort.Next();
        await using var pebble = await Pebble.StartAsync(httpPort);
        var (untrusted, _) = TestCertificates.Create("someone-else.test");
        await Edge.Client.DeployAsync("shop", await ArgsAsync("v1", new EdgeTlsIssuer(TlsIssuers.Local, ["shop.example"], null)), Ct);
        var serving = (await Edge.Client.RouteAsync("shop", Ct))!.Route;

        var error = await Assert.ThrowsAsync<EdgeRequestException>(async () => await Edge.Client.DeployAsync("shop",
            await ArgsAsync("v2", new EdgeTlsIssuer(TlsIssuers.Acme, ["shop.example"], httpPort, pebble.Directory.ToString(), "ops@shop.example", untrusted)),
            Ct));

        Assert.Equal(EdgeErrors.CertificateNotIssued, error.Error.Error);
        Assert.StartsWith($"edge.tls: {pebble.Directory} did not issue a certificate for shop.example: ", error.Error.Message);
        var route = (await Edge.Client.RouteAsync("shop", Ct))!.Route;
        Assert.Equal((serving.Version, serving.Tls!.CertificateFile), (route.Version, route.Tls!.CertificateFile));
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("shop.example")).Status);
    }
}
