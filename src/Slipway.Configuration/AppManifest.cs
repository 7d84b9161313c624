namespace Slipway.Configuration;

/// <summary>A validated <c>slipway.yaml</c>: everything a platform needs to deploy one app. Paths are absolute.</summary>
public sealed record AppManifest
{
    public required string App { get; init; }
    public required SourceSpec Source { get; init; }
    public required BuildSpec Build { get; init; }
    public int Port { get; init; } = 8000;
    public int Replicas { get; init; } = 2;
    public HealthCheckSpec HealthCheck { get; init; } = new();
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, SecretSpec> Secrets { get; init; } = new Dictionary<string, SecretSpec>();
    /// <summary>How long in-flight requests may finish on the old release after cut-over.</summary>
    public TimeSpan Drain { get; init; } = TimeSpan.FromSeconds(5);
    public EdgeSpec Edge { get; init; } = new();
    /// <summary>
    /// The engine this environment deploys to, as written: an address (unix://, tcp://, ssh://) or a Docker context's name;
    /// null: the docker CLI's choice (DOCKER_HOST, DOCKER_CONTEXT, the current context, this machine's socket).
    /// </summary>
    public string? Engine { get; init; }
    public ResourcesSpec Resources { get; init; } = new();
    /// <summary>The user replicas and one-off containers run as (name, uid or uid:gid); null: the image's own USER.</summary>
    public string? User { get; init; }
    public CheckSpec Check { get; init; } = new();
    /// <summary>Each registered platform's validated settings (its own manifest section), by platform name.</summary>
    public IReadOnlyDictionary<string, object> PlatformSettings { get; init; } = new Dictionary<string, object>();

    /// <summary>The settings of one platform's section, or its defaults when the manifest has none.</summary>
    public T SettingsOf<T>(string platform) where T : class, new() =>
        PlatformSettings.TryGetValue(platform, out var settings) ? (T)settings : new T();
    public HooksSpec Hooks { get; init; } = new();
    /// <summary>A command run once per new version in the new image, before any new replica takes traffic (migrations); null: none.</summary>
    public ReleaseSpec? Release { get; init; }
    /// <summary>Processes beside the web one (workers): the same image, env and secrets, no route and no port.</summary>
    public IReadOnlyList<ProcessSpec> Processes { get; init; } = [];
    /// <summary>The app's persistent paths: each a volume of the app and environment, kept across releases, rollbacks and destroys.</summary>
    public IReadOnlyList<VolumeSpec> Volumes { get; init; } = [];
    /// <summary>Long-running services beside the app (a database, a cache), reachable by name, never replaced by an app deploy.</summary>
    public IReadOnlyList<AccessorySpec> Accessories { get; init; } = [];
    /// <summary>Commands run on a schedule in the serving release's image, with the app's env and secrets.</summary>
    public IReadOnlyList<JobSpec> Jobs { get; init; } = [];
    /// <summary>How <c>up --preview NAME</c> derives a preview environment from a base one; null: the app has none.</summary>
    public PreviewsSpec? Previews { get; init; }
    /// <summary>Set when this manifest is a preview environment's: its name, base and expiry.</summary>
    public PreviewInfo? Preview { get; init; }
    /// <summary>Where <c>slipway backup</c> keeps backups and how many of each it keeps.</summary>
    public BackupsSpec Backups { get; init; } = new();
    /// <summary>Where to announce deploys, rejections, rollbacks and destroys; null: nowhere.</summary>
    public NotifySpec? Notify { get; init; }
    /// <summary>The environment this manifest was loaded for, with its platform.</summary>
    public required EnvironmentSpec Environment { get; init; }
    public required string ManifestPath { get; init; }
    /// <summary>
    /// Who this deployment is: the app's name, with the environment when it is a declared one. App <c>x</c> in
    /// environment <c>b</c> and an app named <c>x-b</c> both deploy as <c>x-b</c>; their owners differ.
    /// </summary>
    public string Owner => Environment.IsDeclared ? $"{App[..^(Environment.Name.Length + 1)]}@{Environment.Name}" : App;
    public string ManifestDirectory => System.IO.Path.GetDirectoryName(ManifestPath)!;
}

/// <summary>The release phase: <paramref name="Command"/> (a list, or one string run with <c>sh -c</c>) with a time limit.</summary>
public sealed record ReleaseSpec(IReadOnlyList<string> Command, TimeSpan Timeout);

/// <summary>
/// A process of the release beside the web one: <paramref name="Command"/> in the same image, <paramref name="Replicas"/>
/// of it. A new one is healthy once it has kept running for <paramref name="Healthy"/>, or, with a <paramref name="Check"/>,
/// once that command succeeds inside it.
/// </summary>
public sealed record ProcessSpec(string Name, IReadOnlyList<string> Command, int Replicas, TimeSpan Healthy, IReadOnlyList<string>? Check);

/// <summary>
/// A persistent path of the app or an accessory: a named volume per app and environment that outlives every container.
/// </summary>
/// <param name="Shared">
/// Whether several containers may use it at once (files written by one, read by all); false: the app runs one replica,
/// because most apps (SQLite, uploads being renamed) cannot share their files safely.
/// </param>
public sealed record VolumeSpec(string Name, string Path, bool Shared = false);

/// <summary>
/// A service run beside the app (a database, a cache): on the app's network under its own name, started before the app's
/// first release, restarted only when its own spec changes, and gated on its health check then.
/// </summary>
/// <param name="Image">An image reference, or null when it is <paramref name="Build"/>t.</param>
/// <param name="Build">A folder holding its Dockerfile, absolute, built as the accessory's image; null when it runs <paramref name="Image"/>.</param>
/// <param name="Port">The port it listens on inside the app's network (documented, and in <c>status</c>); null: not told.</param>
/// <param name="Command">What it runs instead of its image's command; null: the image's.</param>
/// <param name="Backup">How a consistent copy of its data is taken and put back; null: its volumes are archived with it paused.</param>
public sealed record AccessorySpec(string Name, string? Image, string? Build, IReadOnlyDictionary<string, string> Env,
    IReadOnlyDictionary<string, SecretSpec> Secrets, IReadOnlyList<VolumeSpec> Volumes, int? Port, AccessoryHealthSpec? HealthCheck,
    IReadOnlyList<string>? Command, AccessoryBackupSpec? Backup);

/// <summary>A command run inside the accessory that succeeds once it serves (e.g. <c>pg_isready</c>).</summary>
public sealed record AccessoryHealthSpec(IReadOnlyList<string> Command, TimeSpan Interval, TimeSpan Timeout, TimeSpan StartPeriod);

/// <param name="Command">Writes a consistent copy of the accessory's data to its stdout (e.g. <c>pg_dump</c>).</param>
/// <param name="Restore">Reads such a copy from its stdin and puts it back (e.g. <c>psql</c>).</param>
public sealed record AccessoryBackupSpec(IReadOnlyList<string> Command, IReadOnlyList<string> Restore);

/// <summary>What a scheduled job does when its time comes while its previous run is still going.</summary>
public enum JobConcurrency { Forbid, Allow, Replace }

/// <summary>
/// A command run on a schedule (<paramref name="Schedule"/>, in its time zone) in the serving release's image with the app's env
/// and secrets, stopped after <paramref name="Timeout"/>.
/// </summary>
/// <param name="StartingDeadline">How late a run missed while the machine was off may still start (once); null: a missed run is skipped.</param>
public sealed record JobSpec(string Name, Foundation.Timing.CronSchedule Schedule, IReadOnlyList<string> Command, TimeSpan Timeout,
    JobConcurrency Concurrency, TimeSpan? StartingDeadline);

/// <summary><c>previews:</c>: each preview is the <paramref name="From"/> environment deployed as an app of its own.</summary>
/// <param name="Host">The host name template (<c>{name}.preview.example.com</c>); null: each preview gets a port of its own.</param>
/// <param name="Ttl">How long after its last deploy a preview is removed.</param>
/// <param name="Max">How many previews may exist at once.</param>
/// <param name="EvictOldest">Past <paramref name="Max"/>, remove the oldest preview (true) or refuse the new one (false).</param>
/// <param name="Secrets">The base environment's secrets a preview gets; every other secret is withheld.</param>
/// <param name="Seed">
/// The data a new preview starts with: each accessory or volume named here is restored from the base's backup (an ID, or
/// <c>latest</c>) before the preview's first release; any other starts empty. Null: all start empty.
/// </param>
public sealed record PreviewsSpec(string From, string? Host, TimeSpan Ttl, int Max, bool EvictOldest, IReadOnlyList<string> Secrets,
    IReadOnlyDictionary<string, string>? Seed = null)
{
    public const string LatestBackup = "latest";
}

/// <param name="Of">The base app and environment it derives from (<c>shop@staging</c>): how previews of one app are found.</param>
public sealed record PreviewInfo(string Name, string Of, DateTimeOffset ExpiresAt);

/// <param name="To">Where backups go: an <c>s3://bucket/prefix</c> URL or an absolute folder; null: the state directory's.</param>
/// <param name="Keep">How many backups of each accessory or volume are kept there; older ones are deleted after a new one succeeds.</param>
/// <param name="Schedule">When every accessory and volume of the app is backed up with no CLI (by the scheduler beside the engine); null: only by hand.</param>
public sealed record BackupsSpec(string? To = null, int Keep = 7, Foundation.Timing.CronSchedule? Schedule = null)
{
    /// <summary>The name the scheduled backup goes by among the app's jobs (so no job of the manifest may take it while it is set).</summary>
    public const string JobName = "backup";
}

/// <summary>A webhook that receives a JSON event per deploy, rejection, rollback and destroy.</summary>
/// <param name="Webhook">The URL; null when it is read from <paramref name="WebhookFromEnv"/> (it often holds a token).</param>
/// <param name="Timeout">How long one delivery attempt may take; three attempts are made at most.</param>
public sealed record NotifySpec(Uri? Webhook, string? WebhookFromEnv, TimeSpan Timeout);

/// <summary>Limits on each local replica, so one app cannot starve the machine or the others.</summary>
public sealed record ResourcesSpec
{
    public const long DefaultMemoryBytes = 1L << 30;
    public const int DefaultPids = 1024;

    public long MemoryBytes { get; init; } = DefaultMemoryBytes;
    public int Pids { get; init; } = DefaultPids;
}

/// <summary>Where the app's code comes from: a git URL or a local path, a ref, and an optional subdirectory.</summary>
public sealed record SourceSpec
{
    /// <summary>A git URL, or an absolute local path (a git working tree).</summary>
    public required string Location { get; init; }
    public bool IsLocalPath { get; init; }
    /// <summary>Branch, tag or SHA. Null: the remote's default branch, or a local tree as it is (uncommitted changes included).</summary>
    public string? Ref { get; init; }
    public string? Subdirectory { get; init; }
}

public sealed record BuildSpec
{
    /// <summary>Absolute path of the Dockerfile; it may live outside the app's repository.</summary>
    public required string Dockerfile { get; init; }
    public IReadOnlyDictionary<string, string> Args { get; init; } = new Dictionary<string, string>();

    /// <summary>Where the manifest sets it (file:line), for the error when it is missing.</summary>
    public string DeclaredAt { get; init; } = "";

    /// <summary>
    /// Checked by the commands that build (up, plan), not at load: destroy, status or logs of a deployed app
    /// must work when its Dockerfile has gone.
    /// </summary>
    public void EnsureDockerfileExists()
    {
        if (!File.Exists(Dockerfile))
            throw new Foundation.SlipwayException(Foundation.ErrorCode.DockerfileMissing,
                $"{DeclaredAt}: build.dockerfile: no Dockerfile at {Dockerfile}",
                "the path is relative to the manifest; set build.dockerfile or create the file");
        // Any file can be named here, and a build error quotes the line it choked on: a file whose first
        // instruction is not FROM or ARG is refused without a word of its content (think /etc/shadow).
        string? first;
        try
        {
            first = File.ReadLines(Dockerfile).Take(200).Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith('#'));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new Foundation.SlipwayException(Foundation.ErrorCode.DockerfileMissing, $"{DeclaredAt}: build.dockerfile: cannot read {Dockerfile}",
                "check the file's permissions");
        }
        var instruction = first?.Split(' ', '\t')[0].ToUpperInvariant();
        if (instruction is not ("FROM" or "ARG"))
            throw new Foundation.SlipwayException(Foundation.ErrorCode.DockerfileMissing,
                $"{DeclaredAt}: build.dockerfile: {Dockerfile} is not a Dockerfile (its first instruction is not FROM or ARG)",
                "point build.dockerfile at the app's Dockerfile");
    }
}

public sealed record HealthCheckSpec
{
    public string Path { get; init; } = "/";
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(2);
    public int HealthyThreshold { get; init; } = 2;
    public int UnhealthyThreshold { get; init; } = 3;
    /// <summary>How long a new replica has to become healthy before the release is rejected.</summary>
    public TimeSpan StartPeriod { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>A secret's value is read at deploy time and never printed, logged or stored.</summary>
public sealed record SecretSpec
{
    public string? FromEnv { get; init; }
    public string? FromFile { get; init; }
    /// <summary>An SSM parameter (name or ARN) that already holds the value: ECS reads it when a task starts; aws only.</summary>
    public string? FromSsm { get; init; }

    /// <summary>Whether Slipway reads the value itself (and, on aws, keeps it in its own parameter) rather than ECS from the user's.</summary>
    public bool IsReadBySlipway => FromSsm is null;
}

public sealed record EdgeSpec
{
    /// <summary>Public port of the local edge proxy.</summary>
    public int Port { get; init; } = 8080;
    /// <summary>Host name to route by, when several apps share a port. Null: every host on the port.</summary>
    public string? Host { get; init; }
    /// <summary>A loopback port where the edge serves its metrics (Prometheus's text format at /metrics). Null: none.</summary>
    public int? MetricsPort { get; init; }
    /// <summary>HTTPS on the app's port with this certificate; null: plain HTTP.</summary>
    public TlsSpec? Tls { get; init; }
    /// <summary>
    /// The addresses the app's port listens on beside loopback (IPv4 or IPv6; "0.0.0.0" or "::" for all of them);
    /// null: loopback only, or what <c>SLIPWAY_EDGE_LISTEN</c> says.
    /// </summary>
    public IReadOnlyList<string>? Listen { get; init; }
}

/// <summary>Where the edge's certificate comes from: PEM files, Slipway's local CA, or an ACME CA.</summary>
/// <param name="CertFile">The certificate (and any intermediates) in PEM, as an absolute path; null: the edge gets one itself.</param>
/// <param name="KeyFile">Its private key in PEM, as an absolute path.</param>
/// <param name="RedirectFrom">A plain HTTP port that redirects every request to the HTTPS one; null: none. With ACME, where it validates.</param>
public sealed record TlsSpec(string? CertFile, string? KeyFile, int? RedirectFrom)
{
    /// <summary><c>edge.tls: local</c>: a certificate from Slipway's own CA, its root kept in the state directory.</summary>
    public bool Local { get; init; }

    /// <summary><c>edge.tls.acme</c>: a certificate from an ACME CA, validated by HTTP-01 on the redirect port.</summary>
    public AcmeSpec? Acme { get; init; }

    public bool FromFiles => CertFile is not null;
}

/// <param name="Directory">The ACME directory URL (e.g. Let's Encrypt's https://acme-v02.api.letsencrypt.org/directory).</param>
/// <param name="Email">The account's contact address.</param>
/// <param name="CaFile">The CA (PEM) that signed a private ACME server's own HTTPS certificate (step-ca, pebble); null: the system's CAs.</param>
public sealed record AcmeSpec(string Directory, string Email, string? CaFile = null);

public sealed record CheckSpec
{
    public int Tries { get; init; } = 30;
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>Shell commands run at points of a deploy, in the manifest's folder, with SLIPWAY_* variables set.</summary>
public sealed record HooksSpec
{
    /// <summary>Before the image is built; failing stops the run before anything changes.</summary>
    public string? PreBuild { get; init; }
    /// <summary>After the new replicas started, before traffic moves; failing discards them and keeps the old release.</summary>
    public string? PreCutover { get; init; }
    /// <summary>After the new release serves; failing makes the command fail, the release stays.</summary>
    public string? PostDeploy { get; init; }
}

/// <summary>An environment (<c>-e NAME</c>): which platform it runs on, and whether it asks before changes.</summary>
public sealed record EnvironmentSpec
{
    public required string Name { get; init; }
    /// <summary>The name of the platform it runs on.</summary>
    public required string Platform { get; init; }
    /// <summary>
    /// Declared under <c>environments:</c> with a name of its own (a deployment of its own, its name part of the app's),
    /// rather than the environment every platform has, named after it.
    /// </summary>
    public bool IsDeclared { get; init; }
    /// <summary>Ask for confirmation (or --yes) before up and rollback; default for an environment named production.</summary>
    public bool Protected { get; init; }
}
