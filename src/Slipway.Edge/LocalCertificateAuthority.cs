using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

using Slipway.Edge.Contract;

namespace Slipway.Edge;

/// <summary>
/// Slipway's own certificate authority for <c>edge.tls: local</c>, as mkcert does it: one root per state directory, made once
/// and kept there (key 0600, directory 0700), and a certificate per route's host names signed by it. A browser or curl that
/// trusts the root trusts every app's certificate; nothing else does.
/// </summary>
internal sealed class LocalCertificateAuthority(string directory, TimeProvider time)
{
    /// <summary>How long an issued certificate is valid; it is renewed when a third of that is left.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(90);

    private static readonly TimeSpan RootLifetime = TimeSpan.FromDays(3650);

    public string RootCertificateFile => Path.Combine(directory, "root.crt");
    private string RootKeyFile => Path.Combine(directory, "root.key");

    /// <summary>The root, created on first use; a half-written one (a crash between its two files) is made again.</summary>
    public X509Certificate2 Root()
    {
        if (File.Exists(RootCertificateFile) && File.Exists(RootKeyFile))
            return X509Certificate2.CreateFromPem(File.ReadAllText(RootCertificateFile), File.ReadAllText(RootKeyFile));
        Directory.CreateDirectory(directory);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(
            $"CN=Slipway local CA ({Environment.UserName}@{Environment.MachineName}), O=Slipway development CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = time.GetUtcNow();
        using var root = request.CreateSelfSigned(now.AddHours(-1), now + RootLifetime);
        // The key first, under a temporary name: the root exists only once both files are whole.
        WritePrivate(RootKeyFile + ".tmp", key.ExportPkcs8PrivateKeyPem());
        WritePrivate(RootCertificateFile + ".tmp", root.ExportCertificatePem());
        File.Move(RootKeyFile + ".tmp", RootKeyFile, overwrite: true);
        File.Move(RootCertificateFile + ".tmp", RootCertificateFile, overwrite: true);
        return X509Certificate2.CreateFromPem(File.ReadAllText(RootCertificateFile), File.ReadAllText(RootKeyFile));
    }

    /// <summary>A certificate for these host names (or IP addresses) and its key, in PEM, signed by the root.</summary>
    public (string CertificatePem, string KeyPem) Issue(IReadOnlyList<string> names)
    {
        using var root = Root();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={names[0]}", key, HashAlgorithmName.SHA256);
        var alternative = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            if (IPAddress.TryParse(name, out var address)) alternative.AddIpAddress(address);
            else alternative.AddDnsName(name);
        }
        request.CertificateExtensions.Add(alternative.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false)); // server authentication
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(root, true, false));
        var now = time.GetUtcNow();
        var notAfter = now + Lifetime < root.NotAfter ? now + Lifetime : new DateTimeOffset(root.NotAfter.ToUniversalTime());
        using var issued = request.Create(root, now.AddHours(-1), notAfter, RandomNumberGenerator.GetBytes(16));
        return (issued.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    private static void WritePrivate(string path, string text)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var file = new FileStream(path, options);
        using var writer = new StreamWriter(file);
        writer.Write(text);
    }
}
