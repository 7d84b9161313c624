using Slipway.Tests.EndToEnd;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Local;

/// <summary><c>edge.tls</c> through the real CLI, engine and edge: HTTPS with the manifest's certificate or Slipway's local CA, its expiry in status.</summary>
[Trait("Tier", "engine")]
[Collection(EndToEndCollection.Name)]
public sealed class TlsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Up_serves_https_with_the_manifests_certificate_and_status_tells_when_it_expires()
    {
        await using var app = new LocalApp("tls");
        var notAfter = DateTimeOffset.UtcNow.AddDays(20); // the expiry, fixed once: the assertion holds across midnight
        app.UseTls("tls.test", TestCertificates.Create("tls.test", notAfter: notAfter));

        var up = await app.RunAsync("up");

        up.Succeeded();
        Assert.Contains($"https://tls.test:{app.Port}/", up.All);
        var answer = await TestCertificates.GetAsync(new Uri($"https://tls.test:{app.Port}/"), Ct);
        Assert.Equal((System.Net.HttpStatusCode.OK, "CN=tls.test"), (answer.Status, answer.Certificate!.Subject));
        var status = await app.RunAsync("status");
        Assert.Contains($"tls:      certificate expires {notAfter.UtcDateTime:yyyy-MM-dd}", status.Stdout);
    }

    [Fact]
    public async Task Up_with_the_local_ca_serves_a_certificate_its_root_vouches_for_and_says_how_to_trust_it()
    {
        await using var app = new LocalApp("localca");
        var text = File.ReadAllText(app.ManifestPath);
        File.WriteAllText(app.ManifestPath, text.Replace($"edge:\n  port: {app.Port}\n", $"edge:\n  port: {app.Port}\n  host: shop.localhost\n  tls: local\n"));

        var up = await app.RunAsync("up");

        up.Succeeded();
        var root = Path.Combine(app.Cli.StateDirectory, "edge", "ca", "root.crt");
        Assert.Contains($"curl --cacert {root}", up.Stderr);
        Assert.Equal($"https://shop.localhost:{app.Port}/", up.Stdout.Trim());
        var answer = await TestCertificates.GetAsync(new Uri($"https://shop.localhost:{app.Port}/"), Ct);
        Assert.Equal(System.Net.HttpStatusCode.OK, answer.Status);
        using var chain = new System.Security.Cryptography.X509Certificates.X509Chain();
        chain.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.Add(System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(root)));
        Assert.True(chain.Build(answer.Certificate!), string.Join("; ", chain.ChainStatus.Select(c => c.StatusInformation)));
        var status = await app.RunAsync("status");
        Assert.Contains($"tls:      certificate expires {answer.Certificate!.NotAfter.ToUniversalTime():yyyy-MM-dd}", status.Stdout); // the served one's

        // The root is made once: destroying the last app keeps it, and the next up serves under the same one.
        var trusted = File.ReadAllText(root);
        (await app.RunAsync("destroy", "--yes")).Succeeded();
        Assert.Equal(trusted, File.ReadAllText(root));
        Assert.False(File.Exists(Path.Combine(app.Cli.StateDirectory, "edge", "routes.json")));
        (await app.RunAsync("up")).Succeeded();
        Assert.Equal(trusted, File.ReadAllText(root));
    }
}
