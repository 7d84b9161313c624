using System.Collections.Frozen;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

using Slipway.Edge.Contract;

namespace Slipway.Edge;

/// <summary>
/// HTTPS on the apps' ports, set up in code rather than in Kestrel's configuration, so that the TLS handshake runs before
/// the direct path and a request over HTTPS is forwarded as cheaply as one over plain HTTP. Each port's certificates are
/// chosen by SNI as Kestrel's configuration chose them (the host's own, else the port's catch-all "*"), with their chain;
/// a new set (a deploy, a renewal) is swapped in whole, and only files not loaded before are read.
/// </summary>
internal sealed class TlsTermination
{
    private sealed record PortCertificates(FrozenDictionary<string, SslStreamCertificateContext> Named, SslStreamCertificateContext? CatchAll);

    private volatile FrozenDictionary<int, PortCertificates> _ports = FrozenDictionary<int, PortCertificates>.Empty;
    private Dictionary<(string, string), SslStreamCertificateContext> _loaded = [];
    private readonly Lock _updating = new();

    public bool Serves(int port) => _ports.ContainsKey(port);

    public void Update(IReadOnlyDictionary<int, IReadOnlyList<SniCertificate>> https)
    {
        lock (_updating)
        {
            var loaded = new Dictionary<(string, string), SslStreamCertificateContext>();
            SslStreamCertificateContext Load(SniCertificate sni)
            {
                var key = (sni.CertificateFile, sni.KeyFile);
                if (loaded.TryGetValue(key, out var context) || _loaded.TryGetValue(key, out context)) return loaded[key] = context;
                var chain = new X509Certificate2Collection();
                chain.ImportFromPemFile(sni.CertificateFile);
                var leaf = X509Certificate2.CreateFromPemFile(sni.CertificateFile, sni.KeyFile);
                var intermediates = new X509Certificate2Collection(chain.Skip(1).ToArray());
                return loaded[key] = SslStreamCertificateContext.Create(leaf, intermediates, offline: true);
            }
            _ports = https.ToFrozenDictionary(p => p.Key, p => new PortCertificates(
                p.Value.Where(c => c.Host != "*").ToFrozenDictionary(c => c.Host.ToLowerInvariant(), Load, StringComparer.Ordinal),
                p.Value.Where(c => c.Host == "*").Select(Load).FirstOrDefault()));
            _loaded = loaded;
        }
    }

    /// <summary>The TLS settings for a handshake on a port, by the name the client asked for (null: the catch-all's).</summary>
    public SslServerAuthenticationOptions OptionsFor(int port, string? serverName)
    {
        SslStreamCertificateContext? certificate = null;
        if (_ports.TryGetValue(port, out var certificates))
            certificate = serverName is { Length: > 0 } && certificates.Named.TryGetValue(serverName.ToLowerInvariant(), out var named)
                ? named : certificates.CatchAll;
        return new SslServerAuthenticationOptions
        {
            ServerCertificateContext = certificate
                ?? throw new AuthenticationException($"no certificate for {serverName ?? "a client that named no host"} on port {port}"),
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
            ClientCertificateRequired = false,
        };
    }
}
