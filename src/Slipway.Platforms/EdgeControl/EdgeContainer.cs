using Slipway.Foundation.Files;
using Slipway.Engine;
using Slipway.Foundation;
using Slipway.Foundation.Timing;
using Slipway.Edge.Contract;

namespace Slipway.Platforms.EdgeControl;

/// <summary>
/// Where one edge keeps its state and what its container is called. On this machine's engine its state is the state
/// directory's edge folder, mounted (one edge per state directory); on a server's, a volume of the engine's (one edge per
/// server, whichever laptop or CI job deploys to it).
/// </summary>
public sealed record EdgeSite(string ContainerName, string Mount, string? LocalFolder)
{
    public const string Label = "slipway.edge";

    public static EdgeSite OnThisMachine(string edgeFolder) =>
        new($"slipway-edge-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Path.GetFullPath(edgeFolder))))[..10]}",
            $"{Path.GetFullPath(edgeFolder)}:{EdgeImage.StateFolder}", Path.GetFullPath(edgeFolder));

    public static EdgeSite OnServer { get; } = new("slipway-edge", $"slipway-edge:{EdgeImage.StateFolder}", null);
}

/// <summary>
/// Runs the edge as a container on the engine Slipway deploys to: host networking (its ports are the machine's, and it
/// reaches replicas on the machine's loopback), restarted by the engine after a crash or a reboot (unless-stopped), with no
/// capability but binding ports below 1024. Its control socket sits in its state: reached directly on this machine, through
/// the engine's exec on a server. Two runs racing to start it are safe: the engine takes one container by that name.
/// </summary>
public sealed class EdgeContainer(DockerEngine engine, EdgeClient client, EdgeSite site, Func<string, string?> environment, TimeProvider time)
{
    public EdgeSite Site => site;

    public async Task<EdgeInfo> EnsureRunningAsync(Action<string> onOutput, CancellationToken ct)
    {
        if (await client.InfoAsync(ct) is { } running) return running;
        var container = await engine.InspectContainerAsync(site.ContainerName, ct);
        if (container is null)
        {
            if (site.LocalFolder is { } folder) PrepareFolder(folder);
            var image = await new EdgeImage(engine).EnsureAsync(environment, onOutput, ct);
            try
            {
                await engine.CreateContainerAsync(Spec(image, site, environment), ct);
            }
            catch (EngineApiException e) when (e.Status == 409)
            {
                // another run made it meanwhile: start it (or find it started)
            }
        }
        if (container is not { Running: true }) await engine.StartContainerAsync(site.ContainerName, ct);
        try
        {
            return (await Poll.UntilAsync(async token => await client.InfoAsync(token) is { } info ? Attempt<EdgeInfo?>.Finished(info) : default,
                TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(30), time, _ => new TimeoutException(), ct))!;
        }
        catch (TimeoutException)
        {
            throw await DidNotStartAsync(ct);
        }
    }

    /// <summary>Stops and removes the edge's container; its state (routes, certificates) stays for the next one.</summary>
    public async Task StopAsync(CancellationToken ct)
    {
        if (await engine.InspectContainerAsync(site.ContainerName, ct) is null) return;
        await engine.StopContainerAsync(site.ContainerName, TimeSpan.FromSeconds(15), ct);
        await engine.RemoveContainerAsync(site.ContainerName, ct);
    }

    private async Task<SlipwayException> DidNotStartAsync(CancellationToken ct)
    {
        var tail = await engine.LogTailAsync(site.ContainerName, 5, ct);
        return new SlipwayException(ErrorCode.EdgeUnavailable, $"the edge proxy (container {site.ContainerName}) did not answer within 30 s",
            $"its last words: {string.Join(" | ", tail.DefaultIfEmpty("none"))}; see docker logs {site.ContainerName}");
    }

    public static ContainerSpec Spec(string image, EdgeSite site, Func<string, string?> environment) => new()
    {
        Name = site.ContainerName,
        Image = image,
        ContainerPort = 0,
        PublishPort = false,
        Network = "host",
        RestartPolicy = "unless-stopped",
        Labels = new Dictionary<string, string> { [EdgeSite.Label] = site.ContainerName },
        Environment = Settings(environment),
        Binds = [site.Mount],
        OnlyCapabilities = ["NET_BIND_SERVICE"],
        // On this machine the state folder is the user's: the edge runs as its owner, who alone may open it.
        User = site.LocalFolder is not null && !ProcessUser.IsRoot ? $"{ProcessUser.UserId}:{ProcessUser.GroupId}" : null,
    };

    /// <summary>The edge's own settings of the CLI's environment (those SLIPWAY_EDGE_* the edge reads; never a secret of the app's).</summary>
    public static IReadOnlyDictionary<string, string> Settings(Func<string, string?> environment) =>
        EdgeSettingNames.Where(name => environment(name) is { Length: > 0 })
            .ToDictionary(name => name, name => environment(name)!);

    private static readonly string[] EdgeSettingNames =
        ["SLIPWAY_EDGE_DIRECT", "SLIPWAY_EDGE_MAX_CONNECTIONS_PER_CLIENT"];

    private static void PrepareFolder(string folder)
    {
        try
        {
            new EdgePaths(folder).EnsureExists();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SlipwayException(ErrorCode.StateDirUnwritable, $"cannot write the state directory {folder}: {e.Message}",
                "set SLIPWAY_STATE_DIR to a writable folder");
        }
    }

}
