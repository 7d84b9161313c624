namespace Slipway.Configuration;

/// <summary>Reads the local edge and the post-deploy check.</summary>
public static partial class ManifestLoader
{
    private static EdgeSpec ReadEdge(MappingReader? reader)
    {
        if (reader is null) return new EdgeSpec();
        var host = reader.OptionalString("host");
        if (host is not null && !HostPattern().IsMatch(host.Value))
            throw Invalid(reader.File, host.Line, "edge.host", $"\"{host.Value}\" is not a valid host name");
        var spec = new EdgeSpec
        {
            Port = reader.OptionalInt("port", 1, 65535) ?? 8080, Host = host?.Value, MetricsPort = reader.OptionalInt("metricsPort", 1, 65535),
        };
        reader.RejectUnknownKeys();
        if (spec.MetricsPort == spec.Port)
            throw Invalid(reader.File, reader.Line, "edge.metricsPort", $"is the app's own port ({spec.Port})", "choose another port for the metrics");
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
