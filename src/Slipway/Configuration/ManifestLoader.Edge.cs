namespace Slipway.Configuration;

/// <summary>Reads the local edge and the post-deploy check.</summary>
public static partial class ManifestLoader
{
    private static EdgeSpec ReadEdge(MappingReader? reader, string manifestDir)
    {
        if (reader is null) return new EdgeSpec();
        var host = reader.OptionalString("host");
        if (host is not null && !HostPattern().IsMatch(host.Value))
            throw Invalid(reader.File, host.Line, "edge.host", $"\"{host.Value}\" is not a valid host name");
        var spec = new EdgeSpec
        {
            Port = reader.OptionalInt("port", 1, 65535) ?? 8080, Host = host?.Value, MetricsPort = reader.OptionalInt("metricsPort", 1, 65535),
            Tls = ReadTls(reader.OptionalMapping("tls"), manifestDir),
        };
        reader.RejectUnknownKeys();
        if (spec.Tls?.RedirectFrom is { } redirect && (redirect == spec.Port || redirect == spec.MetricsPort))
            throw Invalid(reader.File, reader.Line, "edge.tls.redirectFrom", $"port {redirect} is the app's own or its metrics port", "choose a port of its own for the redirect");
        if (spec.MetricsPort == spec.Port)
            throw Invalid(reader.File, reader.Line, "edge.metricsPort", $"is the app's own port ({spec.Port})", "choose another port for the metrics");
        return spec;
    }

    /// <summary>A certificate and key in PEM files, relative to the manifest; they are checked as a pair before a deploy.</summary>
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
        var spec = new TlsSpec(File("certFile"), File("keyFile"), reader.OptionalInt("redirectFrom", 1, 65535));
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
