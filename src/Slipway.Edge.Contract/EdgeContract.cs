namespace Slipway.Edge.Contract;

// The edge proxy's control API, shared by the server and its client. Small typed verbs over a local unix
// socket, as kamal-proxy does: deploy (health-gated cut-over), remove, list, shutdown.

/// <summary>One replica the edge forwards to.</summary>
public sealed record EdgeTarget(string Id, string Address);

public sealed record EdgeHealthSettings(string Path, TimeSpan Interval, TimeSpan Timeout, int HealthyThreshold, int UnhealthyThreshold);

/// <summary>What the edge serves for one app: a public port (and optionally a host name) routed to one release's targets.</summary>
/// <param name="Maintenance">When set, the edge answers the app's requests itself with 503 and this page; deploys keep it.</param>
/// <param name="MetricsPort">A loopback port where the edge serves its metrics, asked for by this app; null: none.</param>
/// <param name="Tls">Set when the route's port serves HTTPS.</param>
/// <param name="Canary">A release taking a share of the requests while the edge judges it; null: none in progress.</param>
/// <param name="LastCanary">How the last canary of this route ended, for its waiting <c>up</c> and for <c>status</c>.</param>
/// <param name="Listen">The addresses the port listens on (IPv4 or IPv6, "0.0.0.0" or "::" for all); null: the edge's own (loopback).</param>
/// <param name="Discovery">Where the edge looks up the release's targets again as they move (a scheduler's rescheduled tasks); null: fixed targets.</param>
public sealed record EdgeRoute(string App, string Version, int Port, string? Host, IReadOnlyList<EdgeTarget> Targets,
    EdgeHealthSettings Health, DateTimeOffset DeployedAt, MaintenanceMode? Maintenance = null, int? MetricsPort = null, EdgeRouteTls? Tls = null,
    EdgeCanary? Canary = null, CanaryResult? LastCanary = null, IReadOnlyList<string>? Listen = null, TargetDiscovery? Discovery = null,
    DateTimeOffset? ExpiresAt = null)
{
    public string HostPattern => $"{Host ?? "*"}:{Port}";
}

/// <summary>What the edge answers while an app is in maintenance: a page (HTML) or a message (text).</summary>
public sealed record MaintenanceMode(string Body, bool IsHtml, DateTimeOffset Since);

/// <summary>Deploy a release: gate each target on its health check, cut over atomically, drain the old targets.</summary>
/// <param name="MetricsPort">A loopback port where the edge serves its metrics; null: none for this app.</param>
/// <param name="Tls">The certificate the app's port serves HTTPS with; null: plain HTTP.</param>
/// <param name="Canary">Send only a share of the requests to this release and judge it, instead of cutting over; null: cut over.</param>
/// <param name="TlsIssuer">The edge obtains the port's certificate itself, from this issuer, and renews it (instead of <paramref name="Tls"/>).</param>
/// <param name="Listen">The addresses the app's port (and its redirect port) listen on; null: the edge's own (loopback).</param>
/// <param name="Discovery">The release's targets move (a swarm reschedules its tasks): the edge follows this name's addresses; null: they stay.</param>
public sealed record DeployArgs(string Version, int Port, string? Host, IReadOnlyList<EdgeTarget> Targets,
    EdgeHealthSettings Health, TimeSpan HealthTimeout, TimeSpan DrainTimeout, int? MetricsPort = null, EdgeTls? Tls = null,
    CanaryPolicy? Canary = null, EdgeTlsIssuer? TlsIssuer = null, IReadOnlyList<string>? Listen = null, TargetDiscovery? Discovery = null,
    DateTimeOffset? ExpiresAt = null);

/// <summary>
/// A DNS name whose addresses are a release's targets (a swarm service's <c>tasks.NAME</c>): the edge looks it up every health
/// interval, adds an address once it passes its health check (within <paramref name="StartPeriod"/>) and drops one the name no
/// longer lists, so traffic follows tasks the scheduler moved to another node with no deploy. A lookup that fails or lists
/// nothing changes nothing.
/// </summary>
/// <param name="IdPrefix">What the ids of the targets found are named after (<c>PREFIX.ip-10-0-1-5</c>).</param>
public sealed record TargetDiscovery(string Name, int Port, string IdPrefix, TimeSpan StartPeriod)
{
    public EdgeTarget TargetFor(System.Net.IPAddress address) =>
        new($"{IdPrefix}.ip-{address.ToString().Replace('.', '-').Replace(':', '-')}", $"http://{(address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString())}:{Port}");
}

/// <summary>
/// Where the edge gets a route's certificate itself and renews it before it expires: Slipway's local CA (<see cref="TlsIssuers.Local"/>),
/// or an ACME CA (<see cref="TlsIssuers.Acme"/>) validating by HTTP-01 on the plain port <paramref name="RedirectFrom"/>.
/// </summary>
/// <param name="Names">The host names (or addresses) the certificate is for.</param>
/// <param name="AcmeCaPem">The CA the ACME server's own HTTPS certificate is signed by, for a private one (step-ca, pebble); null: the system's.</param>
/// <param name="Listen">Where the ACME CA's HTTP-01 check reaches the challenge port: the route's addresses; null: the edge's own.</param>
/// <param name="Leader">
/// On a cluster's other edges: the control gate (<c>host:port</c>) of the edge that gets the certificate. This edge copies that
/// edge's certificate and key (at a deploy, and again when it is due for renewal) rather than ask a CA itself, so every edge
/// serves one certificate, of one CA.
/// </param>
public sealed record EdgeTlsIssuer(string Kind, IReadOnlyList<string> Names, int? RedirectFrom, string? AcmeDirectory = null, string? AcmeEmail = null,
    string? AcmeCaPem = null, IReadOnlyList<string>? Listen = null, string? Leader = null)
{
    /// <summary>Whether a certificate this issuer gave serves the same names for the same CA (so it is kept rather than issued again).</summary>
    public bool SameAs(EdgeTlsIssuer? other) => other is not null && other.Kind == Kind && other.Names.SequenceEqual(Names)
        && other.AcmeDirectory == AcmeDirectory && other.AcmeEmail == AcmeEmail;

    public override string ToString() => $"{Kind} for {string.Join(", ", Names)}{(AcmeDirectory is null ? "" : $" from {AcmeDirectory}")}";
}

public static class TlsIssuers
{
    public const string Local = "local";
    public const string Acme = "acme";
}

/// <summary>How a canary runs: its share of requests (1-99 %), how long it is watched, and the 5xx rate above the old release's that aborts it.</summary>
/// <param name="MaxErrorRate">A fraction (0.01 is 1 %): the canary's 5xx rate may exceed the old release's by this much, no more.</param>
/// <param name="MaxLatencyRatio">The canary's p99 may be this many times the old release's (and 50 ms more), no more.</param>
/// <param name="Leader">
/// On a cluster's other edges: the control gate (<c>host:port</c>) of the edge that judges the canary. This edge splits the
/// requests as told but does not judge them: it ends its canary as that edge ended its own, so one edge decides for all.
/// </param>
public sealed record CanaryPolicy(int Percent, TimeSpan Duration, double MaxErrorRate, double MaxLatencyRatio = 2, string? Leader = null);

/// <summary>A release taking <see cref="CanaryPolicy.Percent"/> of a route's requests since <paramref name="StartedAt"/>.</summary>
/// <param name="DrainTimeout">How long the targets that stop taking requests when it ends (either release's) may finish theirs.</param>
/// <param name="Discovery">Where the canary release's targets are looked up again once it is promoted (<see cref="DeployArgs.Discovery"/>).</param>
public sealed record EdgeCanary(string Version, IReadOnlyList<EdgeTarget> Targets, CanaryPolicy Policy, DateTimeOffset StartedAt, TimeSpan DrainTimeout,
    TargetDiscovery? Discovery = null)
{
    public DateTimeOffset EndsAt => StartedAt + Policy.Duration;
}

/// <summary>One release's traffic during a canary: requests, those answered 5xx, and the p99 latency (a histogram bound; null: too few requests).</summary>
public sealed record CanaryFigures(long Requests, long Errors, double? P99Ms)
{
    public static readonly CanaryFigures None = new(0, 0, null);

    public double? ErrorRate => Requests == 0 ? null : (double)Errors / Requests;

    public string Describe() => Requests == 0 ? "no requests"
        : $"{Errors} of {Requests} request(s) 5xx ({Slipway.Foundation.Output.Percent.Format(ErrorRate!.Value)}), p99 {(P99Ms is { } p99 ? Latency(p99) : "n/a (too few requests)")}";

    /// <summary>A histogram bound as a latency: "≤25 ms", or "&gt;10000 ms" beyond the last bound.</summary>
    public static string Latency(double ms) => ms > LatencyBuckets.Bounds[^1]
        ? $">{LatencyBuckets.Bounds[^1]:0} ms"
        : $"≤{ms.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture)} ms";
}

/// <summary>How a canary ended: <see cref="CanaryOutcomes"/>, why, and both releases' figures. <paramref name="StartedAt"/> names the canary.</summary>
public sealed record CanaryResult(string Version, string StableVersion, string Outcome, string Reason, CanaryFigures Canary, CanaryFigures Stable,
    DateTimeOffset StartedAt, DateTimeOffset EndedAt);

public static class CanaryOutcomes
{
    public const string Promoted = "promoted";
    public const string Aborted = "aborted";
}

/// <summary>A certificate and its key (PEM) for an app's port, and the plain HTTP port that redirects to it (null: none).</summary>
public sealed record EdgeTls(string CertificatePem, string KeyPem, int? RedirectFrom)
{
    public override string ToString() => $"EdgeTls {{ RedirectFrom = {RedirectFrom} }}"; // never the key
}

/// <summary>Where the edge keeps a route's certificate and key (its own directory, 0600), and when the certificate expires.</summary>
/// <param name="Issuer">Who issued it at the edge's request, to renew it; null: given as files, renewed by deploying new ones.</param>
public sealed record EdgeRouteTls(string CertificateFile, string KeyFile, DateTimeOffset NotAfter, int? RedirectFrom, EdgeTlsIssuer? Issuer = null,
    DateTimeOffset? NotBefore = null)
{
    /// <summary>When the edge renews it: once two thirds of its validity have passed (30 days before the end of 90).</summary>
    public DateTimeOffset RenewAt => NotBefore is { } from ? from + (NotAfter - from) * 2 / 3 : NotAfter - TimeSpan.FromDays(30);
}

public sealed record DeployOutcome(EdgeRoute Route, string? PreviousVersion, int DrainedTargets, bool DrainTimedOut);

public sealed record TargetHealth(string Id, string Address, string Health, int InFlight);

public sealed record RouteStatus(EdgeRoute Route, IReadOnlyList<TargetHealth> Targets);

/// <param name="Features">What this edge can do beyond the first edge's verbs (<see cref="EdgeFeatures"/>); an older edge sends none.</param>
public sealed record EdgeInfo(int ProcessId, DateTimeOffset StartedAt, IReadOnlyList<int> Ports, int Routes, IReadOnlyList<string>? Features = null)
{
    public bool Can(string feature) => Features?.Contains(feature) == true;
}

public static class EdgeFeatures
{
    public const string Canary = "canary";
    public const string IssuedCertificates = "issued-certificates";
    public const string ListenAddresses = "listen-addresses";
    /// <summary>It drops a route past its <see cref="EdgeRoute.ExpiresAt"/> itself (a preview environment's).</summary>
    public const string RouteExpiry = "route-expiry";
    public static readonly IReadOnlyList<string> All = [Canary, IssuedCertificates, ListenAddresses, RouteExpiry];
}

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
            $"answered HTTP {LastStatus} to {Answers} of {Probes} probe(s) of {path}, the first {Slipway.Foundation.Timing.Duration.Format(FirstAnswerAfter ?? TimeSpan.Zero)} after it started",
        TargetOutcomes.TimedOut =>
            $"accepted connections but {path} never answered within the probe timeout ({Probes} probe(s); last: {LastError})",
        _ => $"never answered: no HTTP answer within {Slipway.Foundation.Timing.Duration.Format(deadline)} ({Probes} probe(s); last: {LastError})",
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
    public const string NoCanary = "no_canary";
    public const string CanaryRefused = "canary_refused";
    public const string CertificateNotIssued = "certificate_not_issued";
    /// <summary>The route serves no certificate the edge got itself (plain HTTP, or one given as files).</summary>
    public const string NoCertificate = "no_certificate";
}

/// <summary>One app version's traffic through the edge since it started.</summary>
/// <param name="StatusClasses">Requests answered 1xx, 2xx, 3xx, 4xx and 5xx, in that order.</param>
/// <param name="Buckets">Requests per latency bucket (<see cref="LatencyBuckets.Bounds"/>, then one without a bound).</param>
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
            if (seen >= quantile * Requests) return i < LatencyBuckets.Bounds.Count ? LatencyBuckets.Bounds[i] : null;
        }
        return null;
    }
}


/// <summary>The header naming the release that answered, which the edge adds to every proxied response.</summary>
public static class EdgeHeaders
{
    public const string Version = "X-Slipway-Version";
}

/// <summary>Where the edge's control API answers: only on its unix socket, and only for this host name.</summary>
public static class EdgeControlApi
{
    public const string Host = "slipway-edge";
    public const string Prefix = "/_slipway/v1";
}

/// <summary>The upper bounds (ms) of the edge's latency histogram buckets; an extra bucket holds the rest.</summary>
public static class LatencyBuckets
{
    public static readonly IReadOnlyList<double> Bounds = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
}
