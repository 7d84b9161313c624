using Slipway.Tests.EndToEnd;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Local;

/// <summary><c>edge.tls</c> through the real CLI, engine and edge: HTTPS with the manifest's certificate, its expiry in status.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class TlsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Up_serves_https_with_the_manifests_certificate_and_status_tells_when_it_expires()
    {
        await using var app = new LocalApp("tls");
        app.UseTls( "tls.test", TestCertificates.Create("tls.test", notAfter: DateTimeOffset.UtcNow.AddDays(20)));

        var up = await app.RunAsync("up");

        Assert.True(up.ExitCode == 0, up.All);
        Assert.Contains($"https://tls.test:{app.Port}/", up.All);
        var answer = await TestCertificates.GetAsync(new Uri($"https://tls.test:{app.Port}/"), Ct);
        Assert.Equal((System.Net.HttpStatusCode.OK, "CN=tls.test"), (answer.Status, answer.Certificate!.Subject));
        var status = await app.RunAsync("status");
        Assert.Contains($"tls:      certificate expires {DateTimeOffset.UtcNow.AddDays(20):yyyy-MM-dd}", status.Stdout);
    }
}
