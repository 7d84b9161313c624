using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Slipway.Tests.Support;

/// <summary>Self-signed certificates for a host name, in PEM, made in the test: no CA, no network.</summary>
public static class TestCertificates
{
    public static (string Certificate, string Key) Create(string host, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={host}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(host);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(notBefore ?? DateTimeOffset.UtcNow.AddDays(-1), notAfter ?? DateTimeOffset.UtcNow.AddDays(30));
        return (certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>
    /// GETs <paramref name="url"/> on loopback (or <paramref name="via"/>) whatever its host (whose name still goes out as SNI
    /// and Host), accepting any certificate; returns the answer and the certificate the server showed.
    /// </summary>
    public static async Task<(System.Net.HttpStatusCode Status, string Body, X509Certificate2? Certificate)> GetAsync(Uri url, CancellationToken ct,
        System.Net.IPAddress? via = null)
    {
        X509Certificate2? shown = null;
        using var handler = new SocketsHttpHandler
        {
            UseProxy = false, AllowAutoRedirect = false,
            ConnectCallback = async (context, token) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                await socket.ConnectAsync(via ?? System.Net.IPAddress.Loopback, context.DnsEndPoint.Port, token);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
        };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            shown = certificate is null ? null : new X509Certificate2(certificate);
            return true;
        };
        using var http = new HttpClient(handler);
        using var response = await http.GetAsync(url, ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(ct), shown);
    }
}
