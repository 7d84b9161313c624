namespace Slipway.Configuration;

/// <summary>Reads the local edge and the post-deploy check.</summary>
public static partial class ManifestLoader
{
    /// <summary><c>edge.tls: local</c>, the short form of <c>edge.tls: { local: true }</c>.</summary>
    private const string LocalTls = "local";

    private static EdgeSpec ReadEdge(MappingReader? reader, string manifestDir)
    {
        if (reader is null) return new EdgeSpec();
        var host = reader.OptionalString("host");
        if (host is not null && !HostPattern().IsMatch(host.Value))
            throw Invalid(reader.File, host.Line, "edge.host", $"\"{host.Value}\" is not a valid host name");
        var spec = new EdgeSpec
        {
            Port = reader.OptionalInt("port", 1, 65535) ?? 8080, Host = host?.Value, MetricsPort = reader.OptionalInt("metricsPort", 1, 65535),
            Listen = reader.OptionalList("listen") is { } listen
                ? ListenAddresses.Parse(listen, problem => Invalid(reader.File, reader.Line, "edge.listen", problem.Problem, problem.Hint)) : null,
            Tls = reader.OptionalString("tls", allowMapping: true) is { } shorthand
                ? shorthand.Value == LocalTls ? new TlsSpec(null, null, null) { Local = true }
                    : throw Invalid(reader.File, shorthand.Line, "edge.tls", $"\"{shorthand.Value}\" is not a form of TLS",
                        "write edge.tls: local, or a mapping with certFile and keyFile, local: true, or acme: { directory, email }")
                : ReadTls(reader.OptionalMapping("tls"), manifestDir),
        };
        reader.RejectUnknownKeys();
        if (spec.Tls?.RedirectFrom is { } redirect && (redirect == spec.Port || redirect == spec.MetricsPort))
            throw Invalid(reader.File, reader.Line, "edge.tls.redirectFrom", $"port {redirect} is the app's own or its metrics port", "choose a port of its own for the redirect");
        if (spec.Tls?.Acme is not null && spec.Host is null)
            throw Invalid(reader.File, reader.Line, "edge.tls.acme", "needs edge.host: an ACME CA issues certificates for host names only",
                "set edge.host to the name the app is reached by (its DNS must point at this machine), or use edge.tls: local");
        if (spec.MetricsPort == spec.Port)
            throw Invalid(reader.File, reader.Line, "edge.metricsPort", $"is the app's own port ({spec.Port})", "choose another port for the metrics");
        return spec;
    }

    /// <summary>
    /// One of three forms: certificate and key in PEM files, relative to the manifest (checked as a pair before a deploy);
    /// <c>local: true</c>; or <c>acme: { directory, email }</c>. Each with an optional <c>redirectFrom</c> port (ACME's default: 80).
    /// </summary>
    private static TlsSpec? ReadTls(MappingReader? reader, string manifestDir)
    {
        if (reader is null) return null;
        string File(string key)
        {
            var given = reader.RequiredString(key);
            var path = Path.GetFullPath(Path.Combine(manifestDir, given.Value));
            return System.IO.File.Exists(path) ? path
                : throw Invalid(reader.File, given.Line, $"edge.tls.{key}", $"no file at {path}", "give the path of a PEM file, relative to the manifest");
        }
        var local = reader.OptionalBool("local") == true;
        var acme = reader.OptionalMapping("acme");
        var files = reader.Keys().Any(k => k.Key is "certFile" or "keyFile");
        if ((local ? 1 : 0) + (acme is null ? 0 : 1) + (files ? 1 : 0) != 1)
            throw Invalid(reader.File, reader.Line, "edge.tls", "takes one of certFile and keyFile, local: true, or acme",
                "give exactly one source of certificates");
        var redirect = reader.OptionalInt("redirectFrom", 1, 65535);
        TlsSpec spec;
        if (files) spec = new TlsSpec(File("certFile"), File("keyFile"), redirect);
        else if (local) spec = new TlsSpec(null, null, redirect) { Local = true };
        else
        {
            var directory = acme!.RequiredString("directory");
            if (!Uri.TryCreate(directory.Value, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttps)
                throw Invalid(reader.File, directory.Line, "edge.tls.acme.directory", $"\"{directory.Value}\" is not an https URL",
                    "give the ACME directory URL, e.g. https://acme-v02.api.letsencrypt.org/directory");
            var email = acme.RequiredString("email");
            if (!email.Value.Contains('@', StringComparison.Ordinal))
                throw Invalid(reader.File, email.Line, "edge.tls.acme.email", $"\"{email.Value}\" is not an email address", "the CA writes to it about expiring certificates");
            string? caFile = null;
            if (acme.OptionalString("caFile") is { } ca)
            {
                caFile = Path.GetFullPath(Path.Combine(manifestDir, ca.Value));
                if (!System.IO.File.Exists(caFile))
                    throw Invalid(reader.File, ca.Line, "edge.tls.acme.caFile", $"no file at {caFile}", "give the PEM file of the CA that signed the ACME server's certificate, relative to the manifest");
            }
            acme.RejectUnknownKeys();
            spec = new TlsSpec(null, null, redirect ?? 80) { Acme = new AcmeSpec(directory.Value, email.Value, caFile) };
        }
        reader.RejectUnknownKeys();
        return spec;
    }

    private static CheckSpec ReadCheck(MappingReader? reader)
    {
        if (reader is null) return new CheckSpec();
        var defaults = new CheckSpec();
        var spec = new CheckSpec
        {
            Tries = reader.OptionalInt("tries", 1, 1000) ?? defaults.Tries,
            Interval = reader.OptionalDuration("interval", TimeSpan.Zero, TimeSpan.FromMinutes(5)) ?? defaults.Interval,
        };
        reader.RejectUnknownKeys();
        return spec;
    }
}
