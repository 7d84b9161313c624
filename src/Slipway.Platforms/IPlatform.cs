using Slipway.Configuration;
using Slipway.Foundation.Output;
using Slipway.Source;

namespace Slipway.Platforms;

/// <summary>
/// Where an app runs. The pipeline (infrastructure, build, deploy, check, destroy) is the same on every
/// platform; a platform supplies what differs. The semantics are those of ECS behind a load balancer:
/// a desired release, health-gated rollout, target registration, draining of old targets.
/// </summary>
public interface IPlatform
{
    /// <summary>The platform's name in output and history (its module's).</summary>
    string Name { get; }

    /// <summary>What this platform adds to a release of the app: its build target, its part of the fingerprint, its replica limits.</summary>
    ReleaseTraits TraitsOf(AppManifest app);

    /// <summary>
    /// Where the public URL is reached from this machine when not through its host name (the local edge listens
    /// on loopback only, and an edge.host need not resolve); null: resolve the URL's host.
    /// </summary>
    System.Net.IPAddress? PublicAddress { get; }

    /// <summary>The response header naming the release that answered, where the platform's proxy adds one; null: none.</summary>
    string? VersionHeader => null;

    /// <summary>
    /// Starts the reads <see cref="EnsureInfrastructureAsync"/> begins with, for the pipeline to do other work (resolve the source) meanwhile;
    /// changes nothing. The task ends when they do and never faults: a failed read is the infrastructure stage's to report.
    /// </summary>
    Task ReadAheadAsync(AppManifest app, CancellationToken ct) => Task.CompletedTask;

    /// <summary>Preflight checks, then create or converge what the app runs on (local: engine and edge proxy; aws: the stack).</summary>
    Task<string> EnsureInfrastructureAsync(AppManifest app, IStageLog log, CancellationToken ct);

    /// <summary>What <see cref="EnsureInfrastructureAsync"/> would change, one line each; changes nothing.</summary>
    Task<IReadOnlyList<string>> PlanInfrastructureAsync(AppManifest app, CancellationToken ct);

    /// <summary>What serves now: version, replicas and their health. Changes nothing.</summary>
    Task<AppStatus> GetStatusAsync(AppManifest app, CancellationToken ct);

    /// <summary>
    /// What a deploy decides by (<see cref="AppStatus.Serves"/>): the version, replicas, their health and fingerprints, the URL and
    /// any problem; a platform may leave out what only <c>status</c> shows (traffic, volumes, accessories, jobs). Changes nothing.
    /// </summary>
    Task<AppStatus> GetServingAsync(AppManifest app, CancellationToken ct) => GetStatusAsync(app, ct);

    /// <summary>True when the image of this version is where the platform runs images from (local engine, ECR).</summary>
    Task<bool> HasImageAsync(AppManifest app, string version, CancellationToken ct);

    /// <summary>Builds the image for the snapshot and makes it available to the platform (aws: pushes it).</summary>
    Task<string> PublishImageAsync(AppManifest app, SourceSnapshot source, IStageLog log, CancellationToken ct);

    /// <summary>
    /// After a failed run: takes down what it started and nothing uses (local: an edge proxy with no route).
    /// Never touches what serves.
    /// </summary>
    Task ReleaseUnusedInfrastructureAsync(CancellationToken ct);

    /// <summary>Removes what a failed or killed run left behind (replicas that take no traffic); returns how many.</summary>
    Task<int> RemoveLeftoversAsync(AppManifest app, IStageLog log, CancellationToken ct);

    /// <summary>Versions the platform can roll out without building (local: newest image first; aws: unordered).</summary>
    Task<IReadOnlyList<string>> AvailableVersionsAsync(AppManifest app, CancellationToken ct);

    /// <summary>Rolls the app out to a version with a health-gated cut-over; throws when the release is rejected, leaving the old one serving.</summary>
    /// <param name="beforeCutover">Runs once the new release is started and before traffic moves; if it throws, the release is discarded.</param>
    Task<RolloutReport> RollOutAsync(AppManifest app, string version, IStageLog log, Func<CancellationToken, Task> beforeCutover, CancellationToken ct);

    /// <summary>The app's logs, each line with its time and replica; with <see cref="LogQuery.Follow"/> until cancelled.</summary>
    Task StreamLogsAsync(AppManifest app, LogQuery query, Action<LogLine> onLine, CancellationToken ct);

    /// <summary>Removes everything the app owns on the platform. Idempotent.</summary>
    Task<DestroyReport> DestroyAsync(AppManifest app, IStageLog log, CancellationToken ct);
}

/// <param name="Problem">Why the app is not served although it is deployed (e.g. the edge proxy is down), or null.</param>
public sealed record AppStatus(string App, string Platform, Uri Url, string? Version, IReadOnlyList<ReplicaStatus> Replicas,
    DateTimeOffset? DeployedAt, string? Problem = null)
{
    /// <summary>The replicas of each process beside the web one (workers), by process name.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<ReplicaStatus>> Processes { get; init; } = new Dictionary<string, IReadOnlyList<ReplicaStatus>>();

    /// <summary>Each version's requests and 5xx answers over the last minute, where the platform counts them (the local edge).</summary>
    public IReadOnlyList<TrafficRate> Traffic { get; init; } = [];

    /// <summary>When the certificate the app is served with expires; null: no HTTPS of Slipway's own.</summary>
    public DateTimeOffset? CertificateExpiresAt { get; init; }

    /// <summary>A canary in progress: the release taking a share of the requests beside <see cref="Version"/>; null: none.</summary>
    public CanaryStatus? Canary { get; init; }

    /// <summary>How the app's last canary ended; null: none since its edge route began.</summary>
    public CanaryReport? LastCanary { get; init; }

    /// <summary>The app's and its accessories' volumes, where the platform keeps data (<see cref="IAppData"/>).</summary>
    public IReadOnlyList<VolumeStatus> Volumes { get; init; } = [];

    /// <summary>The app's scheduled jobs and how each last ran (<see cref="IScheduledJobs"/>).</summary>
    public IReadOnlyList<JobStatus> Jobs { get; init; } = [];

    /// <summary>The services run beside the app (<c>accessories:</c>).</summary>
    public IReadOnlyList<AccessoryStatus> Accessories { get; init; } = [];

    public bool IsDeployed => Version is not null;
    public int HealthyReplicas => Replicas.Count(r => r.Health is "healthy" or "unknown");

    /// <summary>
    /// True when this exact release (code and configuration) serves on every wanted replica: the manifest's
    /// replicas, or with autoscaling as many as the scaler chose within its limits.
    /// </summary>
    public bool Serves(AppManifest app, string version, AppSecrets secrets, ReleaseTraits traits)
    {
        // A problem (an edge that does not serve it, on a cluster) means a deploy has something to converge.
        if (Problem is not null || Version != version || Replicas.Count < traits.MinReplicas || Replicas.Count > traits.MaxReplicas
            || HealthyReplicas != Replicas.Count)
            return false;
        // Last, and only when the rest holds: the fingerprint reads the secrets and runs a slow key derivation.
        var fingerprint = ReleaseFingerprint.Of(app, version, secrets, traits);
        return Replicas.All(r => r.Fingerprint == fingerprint);
    }
}

/// <param name="ErrorRate">The share of <paramref name="Requests"/> answered 5xx (0 to 1); null without requests.</param>
public sealed record TrafficRate(string Version, long Requests, long Errors)
{
    public double? ErrorRate => Requests == 0 ? null : (double)Errors / Requests;
}

/// <param name="Fingerprint">The <see cref="ReleaseFingerprint"/> the replica was started with.</param>
/// <param name="Node">The machine it runs on, where the platform spreads replicas over several (a swarm's node); null: not told.</param>
public sealed record ReplicaStatus(string Id, string Version, string State, string Health, string? Address, string? Fingerprint, string? Node = null);

/// <summary>A canary in progress: its version, its share of the requests, and when it is judged at the latest.</summary>
public sealed record CanaryStatus(string Version, int Percent, DateTimeOffset EndsAt);

public sealed record RolloutReport(string Version, string? PreviousVersion, int Replicas, bool DrainTimedOut);

public sealed record DestroyReport(IReadOnlyList<string> Removed, IReadOnlyList<string> Problems)
{
    /// <summary>What was left on purpose (volumes holding data), one line each.</summary>
    public IReadOnlyList<string> Kept { get; init; } = [];
}

/// <param name="Process">Only the containers of this process beside the web one (a worker); null: all of them.</param>
public sealed record LogQuery(TimeSpan? Since = null, bool Follow = false, string? Version = null, int? Tail = null, string? Process = null);

public sealed record LogLine(DateTimeOffset Time, string Replica, string Text);
