namespace Slipway.Engine;

/// <summary>What the engine says of its swarm membership (<c>/info</c>'s <c>Swarm</c>).</summary>
/// <param name="LocalNodeState">inactive, pending, active, error or locked.</param>
/// <param name="IsManager">Whether this engine can manage the swarm (its <c>ControlAvailable</c>).</param>
public sealed record SwarmMembership(string NodeId, string LocalNodeState, bool IsManager)
{
    public bool IsActive => LocalNodeState == "active";
}

/// <summary>A node of the swarm as its managers see it.</summary>
/// <param name="Availability">active, pause or drain.</param>
/// <param name="State">ready, down, unknown or disconnected.</param>
public sealed record SwarmNode(string Id, string Hostname, string Role, string Availability, string State, string Address,
    IReadOnlyDictionary<string, string> Labels);

/// <summary>A container health check, as the Engine API takes it (a service's or a container's).</summary>
/// <param name="Test">The command, run without a shell (<c>CMD</c> form).</param>
public sealed record ContainerHealthCheck(IReadOnlyList<string> Test, TimeSpan Interval, TimeSpan Timeout, int Retries, TimeSpan StartPeriod);

/// <summary>A Swarm secret a service's tasks read as a file under /run/secrets.</summary>
public sealed record SecretReference(string SecretId, string SecretName, string FileName);

/// <summary>A port a service's tasks publish on their node's own address (host mode: no routing mesh, no virtual IP).</summary>
public sealed record HostPort(int Target, int Published);

/// <summary>The engine-neutral description of one Swarm service: a release's replicas, a worker, the edge.</summary>
public sealed record SwarmServiceSpec
{
    public required string Name { get; init; }
    /// <summary>Pinned by digest (<c>registry/repository@sha256:...</c>), so every node runs the same bytes.</summary>
    public required string Image { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    /// <summary>Plain environment only: secret values go through <see cref="Secrets"/>, never the spec.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
    /// <summary>The command instead of the image's CMD; null: the image's.</summary>
    public IReadOnlyList<string>? Command { get; init; }
    /// <summary>The program instead of the image's ENTRYPOINT; null: the image's.</summary>
    public IReadOnlyList<string>? Entrypoint { get; init; }
    /// <summary>How many tasks; null: one on every node that fits the constraints (a global service).</summary>
    public int? Replicas { get; init; }
    public IReadOnlyList<string> Networks { get; init; } = [];
    public IReadOnlyList<string> Constraints { get; init; } = [];
    public ContainerHealthCheck? HealthCheck { get; init; }
    public IReadOnlyList<SecretReference> Secrets { get; init; } = [];
    public IReadOnlyList<HostPort> Ports { get; init; } = [];
    public long? MemoryBytes { get; init; }
    public long? PidsLimit { get; init; }
    public string? User { get; init; }
    /// <summary>Named volumes mounted in each task (<c>volume:/path</c>).</summary>
    public IReadOnlyList<(string Volume, string Target)> Volumes { get; init; } = [];
    /// <summary>Paths of the task's node mounted in each task (<c>/host/path:/path</c>); the swarm expands <c>{{.Node.ID}}</c> in a source.</summary>
    public IReadOnlyList<(string Source, string Target)> Binds { get; init; } = [];
    /// <summary>When set, every capability is dropped but these; null: the engine's default set (less NET_RAW).</summary>
    public IReadOnlyList<string>? OnlyCapabilities { get; init; }
    /// <summary>How long a stopping task has between SIGTERM and SIGKILL.</summary>
    public TimeSpan StopGrace { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>A one-off task: never restarted once it ends (a release command, <c>run</c>); false: restarted whatever ends it.</summary>
    public bool RunOnce { get; init; }
    /// <summary>Its stdin open for an attach (<c>run -t</c>), with a terminal: the swarm has no stdin-once, so a terminal ends the input.</summary>
    public bool Terminal { get; init; }
}

/// <summary>A service as the swarm holds it: its ID, the version an update must name, its labels and its spec as sent.</summary>
public sealed record SwarmService(string Id, string Name, long Version, IReadOnlyDictionary<string, string> Labels, int? Replicas,
    System.Text.Json.Nodes.JsonObject Spec, DateTimeOffset CreatedAt)
{
    /// <summary>The image its tasks run, as the spec names it (pinned by digest when Slipway made it).</summary>
    public string? Image => Spec["TaskTemplate"]?["ContainerSpec"]?["Image"]?.GetValue<string>();
}

/// <summary>One task of a service: where it runs, in what state, and its address on each network.</summary>
/// <param name="State">The task's state: new ... running, complete, failed, shutdown, rejected, orphaned, remove.</param>
/// <param name="DesiredState">What the orchestrator wants of it: running, shutdown...</param>
/// <param name="Addresses">Its address on each network, by network name (without the prefix length).</param>
public sealed record SwarmTask(string Id, string ServiceId, string NodeId, int? Slot, string State, string DesiredState, string? Error,
    int? ExitCode, string? ContainerId, IReadOnlyDictionary<string, string> Addresses, DateTimeOffset UpdatedAt)
{
    public bool IsRunning => State == "running";
}
