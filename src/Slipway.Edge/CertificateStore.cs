using Microsoft.Extensions.Logging;

using Slipway.Edge.Contract;

namespace Slipway.Edge;

/// <summary>A certificate and key proven a pair, ready to be kept for a route, with who issued it (null: given as files).</summary>
internal sealed record PreparedTls(EdgeTls Pem, TlsCertificateInfo Info, EdgeTlsIssuer? Issuer, EdgeRouteTls? Reused = null);

/// <summary>
/// The certificates the edge serves: checked before a deploy changes anything, issued when the route asks the edge to get
/// one (Slipway's local CA, or ACME), kept in the edge's own directory (0600, named by the certificate so a new one never
/// overwrites the one serving) and removed once no route serves them, so no key outlives its use.
/// </summary>
internal sealed class CertificateStore(EdgePaths paths, IEnumerable<ICertificateIssuer> issuers, ClusterGates cluster, TimeProvider time,
    ILogger<CertificateStore> log)
{
    /// <summary>The certificate a deploy would serve, or the error that refuses the deploy; (null, null) for plain HTTP.</summary>
    public async Task<(PreparedTls? Tls, EdgeError? Error)> PrepareAsync(string app, DeployArgs args, EdgeRoute? current, CancellationToken ct)
    {
        try
        {
            if (args.Tls is { } given) return (new PreparedTls(given, TlsCertificates.Check(given.CertificatePem, given.KeyPem, time.GetUtcNow()), null), null);
            if (args.TlsIssuer is not { } issuer) return (null, null);
            if (issuer.Leader is { } leader && !ClusterGates.IsGate(leader))
                return (null, new EdgeError(EdgeErrors.InvalidRequest, $"edge.tls: the edge that gets the certificate is named host:port, not \"{leader}\""));
            // The one serving stays while it is from the same issuer for the same names and not yet due for renewal.
            if (current?.Tls is { } serving && issuer.SameAs(serving.Issuer) && time.GetUtcNow() < serving.RenewAt
                && File.Exists(serving.CertificateFile) && File.Exists(serving.KeyFile))
            {
                var pem = new EdgeTls(await File.ReadAllTextAsync(serving.CertificateFile, ct), await File.ReadAllTextAsync(serving.KeyFile, ct), issuer.RedirectFrom);
                return (new PreparedTls(pem, TlsCertificates.Check(pem.CertificatePem, pem.KeyPem, time.GetUtcNow()), issuer,
                    serving with { RedirectFrom = issuer.RedirectFrom, Issuer = issuer }), null);
            }
            return (await IssueAsync(app, issuer, ct), null);
        }
        catch (TlsCertificateException e)
        {
            return (null, new EdgeError(EdgeErrors.InvalidRequest, $"edge.tls: {e.Message}"));
        }
        catch (CertificateIssuingException e)
        {
            return (null, new EdgeError(EdgeErrors.CertificateNotIssued, $"edge.tls: {e.Message}"));
        }
    }

    /// <summary>A new certificate from the issuer (or the copy of its leader's, on a cluster's other edges), proven a pair valid now.</summary>
    public async Task<PreparedTls> IssueAsync(string app, EdgeTlsIssuer issuer, CancellationToken ct)
    {
        if (issuer.Leader is { } leader)
        {
            var copy = await cluster.CertificateAsync(leader, app, ct);
            var info = TlsCertificates.Check(copy.CertificatePem, copy.KeyPem, time.GetUtcNow());
            if (!issuer.Names.Where(name => !System.Net.IPAddress.TryParse(name, out _)).All(info.Covers))
                throw new CertificateIssuingException($"the certificate of {leader} is not for {string.Join(", ", issuer.Names)} (yet): deploy again once it is");
            return new PreparedTls(copy with { RedirectFrom = issuer.RedirectFrom }, info, issuer);
        }
        var source = issuers.FirstOrDefault(i => i.Kind == issuer.Kind)
            ?? throw new CertificateIssuingException($"no issuer \"{issuer.Kind}\" in this edge");
        log.LogInformation("issuing a certificate for {Names} from {Issuer}", string.Join(", ", issuer.Names), issuer.Kind);
        var (certificate, key) = await source.IssueAsync(issuer, ct);
        var pem = new EdgeTls(certificate, key, issuer.RedirectFrom);
        return new PreparedTls(pem, TlsCertificates.Check(certificate, key, time.GetUtcNow()), issuer);
    }

    /// <summary>Writes the certificate and key where the edge serves them from; returns where, for the route.</summary>
    public async Task<EdgeRouteTls> KeepAsync(string app, PreparedTls tls, CancellationToken ct)
    {
        if (tls.Reused is { } reused) return reused;
        if (app != Path.GetFileName(app) || app.Contains("..", StringComparison.Ordinal))
            throw new ArgumentException($"\"{app}\" is not an app name", nameof(app)); // never a path out of the edge's directory
        var directory = Path.Combine(paths.Directory, "tls");
        Directory.CreateDirectory(directory);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var stem = Path.Combine(directory, $"{app}-{tls.Info.Thumbprint[..16].ToLowerInvariant()}");
        await WritePrivateAsync(stem + ".crt", tls.Pem.CertificatePem, ct);
        await WritePrivateAsync(stem + ".key", tls.Pem.KeyPem, ct);
        return new EdgeRouteTls(stem + ".crt", stem + ".key", tls.Info.NotAfter, tls.Pem.RedirectFrom, tls.Issuer, tls.Info.NotBefore);
    }

    /// <summary>Removes a certificate and key no route serves any more.</summary>
    public void Forget(EdgeRouteTls tls)
    {
        foreach (var file in new[] { tls.CertificateFile, tls.KeyFile })
        {
            try { File.Delete(file); }
            catch (IOException e) { log.LogWarning("could not remove {File}: {Reason}", file, e.Message); }
        }
    }

    private static async Task WritePrivateAsync(string path, string text, CancellationToken ct)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        await using var file = new FileStream(path, options);
        await using var writer = new StreamWriter(file);
        await writer.WriteAsync(text.AsMemory(), ct);
    }
}

/// <summary>Gets certificates for the edge: Slipway's local CA, or an ACME CA.</summary>
internal interface ICertificateIssuer
{
    string Kind { get; }

    /// <summary>A certificate (PEM, the chain after it) for the issuer's names, and its key (PEM).</summary>
    Task<(string CertificatePem, string KeyPem)> IssueAsync(EdgeTlsIssuer issuer, CancellationToken ct);
}

/// <summary>An issuer could not give a certificate, with why.</summary>
internal sealed class CertificateIssuingException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary><c>edge.tls: local</c>: the edge's own CA, its root kept in the edge's directory.</summary>
internal sealed class LocalIssuer(EdgePaths paths, TimeProvider time) : ICertificateIssuer
{
    public string Kind => TlsIssuers.Local;

    public Task<(string CertificatePem, string KeyPem)> IssueAsync(EdgeTlsIssuer issuer, CancellationToken ct) =>
        Task.FromResult(new LocalCertificateAuthority(EdgePaths.CaDirectoryOf(paths), time).Issue(issuer.Names));
}
