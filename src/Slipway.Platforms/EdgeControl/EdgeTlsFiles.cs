using Slipway.Configuration;
using Slipway.Edge.Contract;
using Slipway.Foundation;
using Slipway.Foundation.Files;

namespace Slipway.Platforms.EdgeControl;

/// <summary>
/// Where an app's <c>edge.tls</c> certificate comes from, for any edge: files, read and checked before anything changes; or an
/// issuer the edge gets it from itself.
/// </summary>
public static class EdgeTlsFiles
{
    /// <summary>The issuer the edge gets the app's certificate from itself (local CA, ACME); null for files or plain HTTP.</summary>
    public static EdgeTlsIssuer? Issuer(AppManifest app) => app.Edge.Tls switch
    {
        { Local: true } tls => new EdgeTlsIssuer(TlsIssuers.Local, app.Edge.Host is { } host ? [host] : ["localhost", "127.0.0.1"], tls.RedirectFrom),
        { Acme: { } acme } tls => new EdgeTlsIssuer(TlsIssuers.Acme, [app.Edge.Host!], tls.RedirectFrom, acme.Directory, acme.Email,
            acme.CaFile is { } caFile ? UserFile.ReadText(caFile, "edge.tls.acme.caFile") : null),
        _ => null,
    };

    /// <summary>The files' certificate and key, checked valid now, matching, and covering <c>edge.host</c>; null when edge.tls names no files.</summary>
    public static EdgeTls? Read(AppManifest app, DateTimeOffset now)
    {
        if (app.Edge.Tls is not { CertFile: { } certFile, KeyFile: { } keyFile } tls) return null;
        var (certificate, key) = (UserFile.ReadText(certFile, "edge.tls.certFile"), UserFile.ReadText(keyFile, "edge.tls.keyFile"));
        TlsCertificateInfo info;
        try
        {
            info = TlsCertificates.Check(certificate, key, now);
        }
        catch (TlsCertificateException e)
        {
            throw new SlipwayException(ErrorCode.InvalidSetting, $"edge.tls: {certFile}: {e.Message}",
                "give a PEM certificate valid now and its own private key (e.g. from your CA, or openssl req -x509 for a test)");
        }
        if (app.Edge.Host is { } host && !info.Covers(host))
            throw new SlipwayException(ErrorCode.InvalidSetting,
                $"edge.tls: {certFile} is for {(info.Names.Count == 0 ? info.Subject : string.Join(", ", info.Names))}, not edge.host {host}",
                "give the certificate of the host name the app is reached by");
        return new EdgeTls(certificate, key, tls.RedirectFrom);
    }
}
