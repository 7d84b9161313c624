namespace Slipway.Edge;

// The edge proxy's control API, shared by the server and its client. Small typed verbs over a local unix
// socket, as kamal-proxy does: deploy (health-gated cut-over), remove, list, shutdown.

/// <summary>One replica the edge forwards to.</summary>
public sealed record EdgeTarget(string Id, string Address);

public sealed record EdgeHealthSettings(string Path, TimeSpan Interval, TimeSpan Timeout, int HealthyThreshold, int UnhealthyThreshold);

/// <summary>What the edge serves for one app: a public port (and optionally a host name) routed to one release's targets.</summary>
/// <param name="Maintenance">When set, the edge answers the app's requests itself with 503 and this page; deploys keep it.</param>
/// <param name="MetricsPort">A loopback port where the edge serves its metrics, asked for by this app; null: none.</param>
/// <param name="Tls">Set when the route's port serves HTTPS.</param>
public sealed record EdgeRoute(string App, string Version, int Port, string? Host, IReadOnlyList<EdgeTarget> Targets,
    EdgeHealthSettings Health, DateTimeOffset DeployedAt, MaintenanceMode? Maintenance = null, int? MetricsPort = null, EdgeRouteTls? Tls = null)
{
    public string HostPattern => $"{Host ?? "*"}:{Port}";
}

/// <summary>What the edge answers while an app is in maintenance: a page (HTML) or a message (text).</summary>
public sealed record MaintenanceMode(string Body, bool IsHtml, DateTimeOffset Since);

/// <summary>Deploy a release: gate each target on its health check, cut over atomically, drain the old targets.</summary>
/// <param name="MetricsPort">A loopback port where the edge serves its metrics; null: none for this app.</param>
/// <param name="Tls">The certificate the app's port serves HTTPS with; null: plain HTTP.</param>
public sealed record DeployArgs(string Version, int Port, string? Host, IReadOnlyList<EdgeTarget> Targets,
    EdgeHealthSettings Health, TimeSpan HealthTimeout, TimeSpan DrainTimeout, int? MetricsPort = null, EdgeTls? Tls = null);

/// <summary>A certificate and its key (PEM) for an app's port, and the plain HTTP port that redirects to it (null: none).</summary>
public sealed record EdgeTls(string CertificatePem, string KeyPem, int? RedirectFrom)
{
    public override string ToString() => $"EdgeTls {{ RedirectFrom = {RedirectFrom} }}"; // never the key
}

/// <summary>Where the edge keeps a route's certificate and key (its own directory, 0600), and when the certificate expires.</summary>
public sealed record EdgeRouteTls(string CertificateFile, string KeyFile, DateTimeOffset NotAfter, int? RedirectFrom);

public sealed record DeployOutcome(EdgeRoute Route, string? PreviousVersion, int DrainedTargets, bool DrainTimedOut);

public sealed record TargetHealth(string Id, string Address, string Health, int InFlight);

public sealed record RouteStatus(EdgeRoute Route, IReadOnlyList<TargetHealth> Targets);

public sealed record EdgeInfo(int ProcessId, DateTimeOffset StartedAt, IReadOnlyList<int> Ports, int Routes);

/// <summary>A failure the edge answers with: a stable code, a message, and per-target detail when it has some.</summary>
public sealed record EdgeError(string Error, string Message, IReadOnlyList<TargetFailure>? Targets = null);

/// <summary>
/// Why one target did not pass its health gate, from every probe it got: whether anything ever answered, with
/// which HTTP status, and when the first answer came. <see cref="Outcome"/> is one of <see cref="TargetOutcomes"/>.
/// </summary>
public sealed record TargetFailure(string Id, string Address, string Outcome, string LastError, int Probes, int Answers,
    int? LastStatus, TimeSpan? FirstAnswerAfter)
{
    /// <summary>One line for a person: "answered HTTP 500 to 7 of 9 probes of /health, the first 1.2s after the start".</summary>
    public string Describe(string path, TimeSpan deadline) => Outcome switch
    {
        TargetOutcomes.UnhealthyStatus =>
            $"answered HTTP {LastStatus} to {Answers} of {Probes} probe(s) of {path}, the first {Common.Duration.Format(FirstAnswerAfter ?? TimeSpan.Zero)} after it started",
        TargetOutcomes.TimedOut =>
            $"accepted connections but {path} never answered within the probe timeout ({Probes} probe(s); last: {LastError})",
        _ => $"never answered: no HTTP answer within {Common.Duration.Format(deadline)} ({Probes} probe(s); last: {LastError})",
    };
}

/// <summary>How a target failed its gate, most telling first: it answered with an error, it hung, or nothing answered.</summary>
public static class TargetOutcomes
{
    public const string UnhealthyStatus = "unhealthy_status";
    public const string TimedOut = "timed_out";
    public const string NeverAnswered = "never_answered";
}

/// <summary>The edge's named errors, matched by the CLI and the tests.</summary>
public static class EdgeErrors
{
    public const string TargetFailedToBecomeHealthy = "target_failed_to_become_healthy";
    public const string HostInUse = "host_in_use";
    public const string PortInUse = "port_in_use";
    public const string RouteNotFound = "route_not_found";
    public const string InvalidRequest = "invalid_request";
    public const string Cancelled = "cancelled";
}

/// <summary>One app version's traffic through the edge since it started.</summary>
/// <param name="StatusClasses">Requests answered 1xx, 2xx, 3xx, 4xx and 5xx, in that order.</param>
/// <param name="Buckets">Requests per latency bucket (<see cref="TrafficMetrics.BucketBounds"/>, then one without a bound).</param>
/// <param name="LastMinuteRequests">Requests in the last 60 seconds; <paramref name="LastMinuteErrors"/> of them answered 5xx.</param>
public sealed record TrafficSnapshot(string App, string Version, long Requests, IReadOnlyList<long> StatusClasses, IReadOnlyList<long> Buckets,
    double SumSeconds, long LastMinuteRequests, long LastMinuteErrors)
{
    /// <summary>The latency under which <paramref name="quantile"/> of the requests fell, as the bucket's upper bound (null: none, or beyond the last bound).</summary>
    public double? PercentileMs(double quantile)
    {
        if (Requests == 0) return null;
        long seen = 0;
        for (var i = 0; i < Buckets.Count; i++)
        {
            seen += Buckets[i];
            if (seen >= quantile * Requests) return i < TrafficMetrics.BucketBounds.Length ? TrafficMetrics.BucketBounds[i] : null;
        }
        return null;
    }
}

