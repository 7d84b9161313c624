namespace Slipway.Engine;

/// <param name="ApiInUse">The API version Slipway speaks with it: the highest both know.</param>
public sealed record EngineVersion(string Version, string ApiVersion, string Os, string Name, string ApiInUse);

/// <summary>An engine as its <c>Server</c> header names it: "Docker/20.10.24+dfsg1 (linux)", "Libpod/4.3.1 (linux)".</summary>
public sealed record EngineServer(string Name, string Version, string Os)
{
    public static EngineServer? Parse(string? header)
    {
        if (header is null) return null;
        var slash = header.IndexOf('/');
        var open = header.IndexOf(" (", StringComparison.Ordinal);
        if (slash <= 0 || open <= slash + 1 || !header.EndsWith(')')) return null;
        return new EngineServer(header[..slash], header[(slash + 1)..open], header[(open + 2)..^1]);
    }
}

/// <summary>What to run: the engine-neutral description of one replica.</summary>
public sealed record ContainerSpec
{
    public required string Name { get; init; }
    public required string Image { get; init; }
    public required int ContainerPort { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    /// <summary>Environment, secrets included: values go to the engine only and are never printed.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
    /// <summary>Host address the published port binds to.</summary>
    public string HostIp { get; init; } = "127.0.0.1";
    /// <summary>
    /// The published host port; null lets the engine pick one. An engine-picked port changes when the engine
    /// restarts the container, so Slipway pins it to keep the edge's routes valid across engine restarts.
    /// </summary>
    public int? HostPort { get; init; }
    public string RestartPolicy { get; init; } = "unless-stopped";
    /// <summary>Hard memory limit (swap included); null: none.</summary>
    public long? MemoryBytes { get; init; }
    public long? PidsLimit { get; init; }
    /// <summary>The network the replica joins (the app's own, so apps cannot reach each other's replicas); null: the default bridge.</summary>
    public string? Network { get; init; }
    /// <summary>The user to run as; null: the image's USER.</summary>
    public string? User { get; init; }
    /// <summary>The command to run instead of the image's own; null: the image's.</summary>
    public IReadOnlyList<string>? Command { get; init; }
    /// <summary>The program to run instead of the image's ENTRYPOINT; null: the image's.</summary>
    public IReadOnlyList<string>? Entrypoint { get; init; }
    /// <summary>False for a one-off container: nothing is published, nothing routes to it.</summary>
    public bool PublishPort { get; init; } = true;
    /// <summary>Its stdin is open to one attach (<c>run -i</c>), and closed when that attach closes it.</summary>
    public bool OpenStdin { get; init; }
    /// <summary>A terminal of its own (<c>run -t</c>): output is one raw stream.</summary>
    public bool Tty { get; init; }
    /// <summary>Folders or named volumes mounted in it (<c>source:target</c>); null: none.</summary>
    public IReadOnlyList<string>? Binds { get; init; }
    /// <summary>When set, every capability is dropped but these; null: the engine's default set (less NET_RAW).</summary>
    public IReadOnlyList<string>? OnlyCapabilities { get; init; }
    /// <summary>Other names it is reached by on <see cref="Network"/> (an accessory's own name); null: none.</summary>
    public IReadOnlyList<string>? NetworkAliases { get; init; }
    /// <summary>A command the engine runs in it to judge its health (the container's HEALTHCHECK); null: the image's.</summary>
    public ContainerHealthCheck? HealthCheck { get; init; }
}

/// <summary>A named volume, with the labels that tie it to an app.</summary>
public sealed record VolumeSummary(string Name, IReadOnlyDictionary<string, string> Labels, DateTimeOffset? Created);

public sealed record ContainerSummary(string Id, string Name, string Image, string State, string Status,
    IReadOnlyDictionary<string, string> Labels);

public sealed record ContainerDetails(string Id, string Name, bool Running, int ExitCode, string Status,
    string? Error, int? HostPort, IReadOnlyDictionary<string, string> Labels, bool OomKilled, int RestartCount, int Pid = 0, string? Health = null,
    DateTimeOffset? FinishedAt = null)
{
    /// <summary>Stopped, or brought back by its restart policy at least once: either way its process died.</summary>
    public bool HasExited => !Running || RestartCount > 0 || Status == "restarting";
}

public sealed record ImageSummary(string Id, IReadOnlyList<string> Tags, IReadOnlyDictionary<string, string> Labels, DateTimeOffset Created);

public sealed record ImageBuildRequest
{
    public required string Tag { get; init; }
    /// <summary>Path of the Dockerfile inside the build context archive.</summary>
    public required string DockerfilePath { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();
    /// <summary>The target platform (<c>linux/amd64</c>, <c>linux/arm64</c>); null: the engine's own.</summary>
    public string? Platform { get; init; }
}

/// <summary>An error answered by the engine, with its HTTP status.</summary>
public sealed class EngineApiException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;

    /// <summary>
    /// The engine ran out of disk. The Engine API gives no code for it beyond a 500, only the OS error's text in the
    /// message, so this one place reads it.
    /// </summary>
    public bool IsDiskFull => Message.Contains("no space left on device", StringComparison.OrdinalIgnoreCase);

    /// <summary>A build failed because an intermediate image it used as cache was removed meanwhile (the classic builder says so only in words).</summary>
    public bool IsVanishedCacheLayer =>
        Message.Contains("unknown parent image ID", StringComparison.Ordinal)
        || (Message.Contains("failed to set parent", StringComparison.Ordinal) && Message.Contains("No such image", StringComparison.OrdinalIgnoreCase))
        // The image store's own file of that layer gone between the build finding it and using it.
        || (Message.StartsWith("failed to get digest sha256:", StringComparison.Ordinal) && Message.Contains("/imagedb/content/sha256/", StringComparison.Ordinal)
            && Message.Contains("no such file or directory", StringComparison.Ordinal));
}

/// <summary>A registry login, sent to the engine for one push. <see cref="ToString"/> hides the password.</summary>
public sealed record RegistryCredentials(string Username, string Password, string ServerAddress)
{
    public override string ToString() => $"RegistryCredentials {{ Username = {Username}, ServerAddress = {ServerAddress} }}";
}
