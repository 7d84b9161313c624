using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Slipway.Edge.Contract;

/// <summary>What a certificate and its key are, once proven to be a pair the edge can serve.</summary>
public sealed record TlsCertificateInfo(string Subject, string Thumbprint, DateTimeOffset NotAfter, IReadOnlyList<string> Names, DateTimeOffset NotBefore = default)
{
    /// <summary>Whether a client reaching <paramref name="host"/> accepts the certificate's names (a wildcard covers one label).</summary>
    public bool Covers(string host) => Names.Any(name => string.Equals(name, host, StringComparison.OrdinalIgnoreCase)
        || (name.StartsWith("*.", StringComparison.Ordinal) && host.IndexOf('.') is > 0 and var dot
            && string.Equals(name[2..], host[(dot + 1)..], StringComparison.OrdinalIgnoreCase)));
}

/// <summary>A certificate or key the edge cannot serve, with why.</summary>
public sealed class TlsCertificateException(string message) : Exception(message);

/// <summary>
/// Checks a PEM certificate and key before anything serves them: both readable, the key the certificate's own, the
/// certificate valid now. The CLI checks before a deploy (one clear error, nothing changed) and the edge again before
/// it writes them.
/// </summary>
public static class TlsCertificates
{
    public static TlsCertificateInfo Check(string certificatePem, string keyPem, DateTimeOffset now)
    {
        try
        {
            using var alone = X509Certificate2.CreateFromPem(certificatePem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new TlsCertificateException($"not a PEM certificate ({Reason(e)})");
        }
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(certificatePem, keyPem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new TlsCertificateException($"the key is not the certificate's own, or not a PEM private key ({Reason(e)})");
        }
        using (certificate)
        {
            if (!certificate.HasPrivateKey) throw new TlsCertificateException("the key is not the certificate's own");
            var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
            if (notAfter <= now) throw new TlsCertificateException($"the certificate expired on {notAfter:yyyy-MM-dd HH:mm} UTC");
            var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);
            if (notBefore > now) throw new TlsCertificateException($"the certificate is not valid before {notBefore:yyyy-MM-dd HH:mm} UTC");
            var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames()).ToList();
            return new TlsCertificateInfo(certificate.Subject, certificate.Thumbprint, notAfter, names, notBefore);
        }
    }

    private static string Reason(Exception e) => e.Message.Split(" (Parameter", 2)[0].TrimEnd('.');
}
