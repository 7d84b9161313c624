using Slipway.Build;
using Slipway.Common;
using Slipway.Configuration;
using Slipway.Edge;
using Slipway.EdgeControl;
using Slipway.Engine;
using Slipway.Output;

namespace Slipway.Platforms.Local;

/// <summary>Code run in the app's image outside its replicas: one-off containers (run, the release phase) and exec in a running replica.</summary>
internal sealed class OneOffContainers(DockerEngine engine, EdgeClient edge)
{
    public async Task<int> RunAsync(AppManifest app, IReadOnlyList<string> command, Action<string> onLine, CancellationToken ct)
    {
        // The routed release; with the edge down, the release its replicas run.
        var version = (await edge.InfoAsync(ct) is null ? null : (await edge.RouteAsync(app.App, ct))?.Route.Version)
            ?? (await engine.ListContainersAsync(Labels.ForApp(app.App), ct)).Where(c => c.State == "running")
                .Select(c => c.Labels.GetValueOrDefault(Labels.Version)).FirstOrDefault(v => v is not null)
            ?? throw new SlipwayException(ErrorCode.VersionNotAvailable, $"{app.App} is not deployed here: there is no release to run the command in",
                "deploy it first with slipway up");
        return await RunOneOffAsync(app, version, command, onLine, ct);
    }

    public async Task<int> ExecAsync(AppManifest app, string? replica, IReadOnlyList<string> command, Action<string> onLine, CancellationToken ct)
    {
        var running = (await engine.ListContainersAsync(Labels.ForApp(app.App), ct)).Where(c => c.State == "running")
            .OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
        if (running.Count == 0)
            throw new SlipwayException(ErrorCode.VersionNotAvailable, $"no replica of {app.App} is running here", "deploy it first with slipway up");
        // By default a web replica; a worker when it is named.
        var target = replica is null ? running.FirstOrDefault(c => !LocalProcesses.IsProcess(c)) ?? running[0]
            : running.FirstOrDefault(c => c.Name == replica || c.Id.StartsWith(replica, StringComparison.Ordinal))
              ?? throw new SlipwayException(ErrorCode.InvalidSetting, $"--replica: {app.App} has no running replica \"{replica}\"",
                  $"its replicas: {string.Join(", ", running.Select(c => c.Name))} (slipway status lists them)");
        return await engine.ExecAsync(target.Id, command, onLine, ct);
    }

    public async Task RunReleaseCommandAsync(AppManifest app, string version, IStageLog log, CancellationToken ct)
    {
        var release = app.Release!;
        var tail = new Queue<string>();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(release.Timeout);
        int exit;
        try
        {
            exit = await RunOneOffAsync(app, version, release.Command, line =>
            {
                log.Info(line);
                tail.Enqueue(line);
                if (tail.Count > 10) tail.Dequeue();
            }, limit.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new SlipwayException(ErrorCode.HookFailed, $"the release command of {version} did not finish within {Duration.Format(release.Timeout)}; it was stopped",
                "make it faster or raise release.timeout; nothing was rolled out, the serving release is unchanged");
        }
        if (exit != 0)
            throw new SlipwayException(ErrorCode.HookFailed,
                $"the release command of {version} exited with {exit}; nothing was rolled out" +
                string.Concat(tail.Select(l => $"{Environment.NewLine}    {l}")),
                "fix the command (or what it needs) and run up again; the serving release is unchanged");
    }

    /// <summary>A container of <paramref name="version"/>'s image running <paramref name="command"/>, removed once it exits; returns its exit code.</summary>
    private async Task<int> RunOneOffAsync(AppManifest app, string version, IReadOnlyList<string> command, Action<string> onLine, CancellationToken ct)
    {
        await engine.EnsureNetworkAsync(ReleaseContainers.NetworkName(app), Labels.ForApp(app.App), ct); // a first deploy's release phase comes before its replicas
        var spec = ReleaseContainers.Spec(app, version, $"{app.App}-run-{Guid.NewGuid().ToString("N")[..8]}",
            new Dictionary<string, string> { [ReleaseContainers.RunLabel] = app.App, [Labels.Version] = version, [Labels.Owner] = app.Owner },
            ReleaseContainers.Environment(app, version)) with { PublishPort = false, Command = command, RestartPolicy = "no" };
        var id = await engine.CreateContainerAsync(spec, ct);
        try
        {
            await engine.StartContainerAsync(id, ct);
            var exit = engine.WaitForExitAsync(id, ct);
            await engine.StreamLogsAsync(id, since: null, tail: null, follow: true, (_, line) => onLine(line), ct);
            return await exit;
        }
        finally
        {
            // Interrupted or not, the one-off container goes (remove stops it first).
            await engine.RemoveContainerAsync(id, CancellationToken.None);
        }
    }

}
