using Slipway.Platforms.Images;
using Slipway.Foundation;
using Slipway.Configuration;
using Slipway.Platforms.EdgeControl;
using Slipway.Engine;
using Slipway.Foundation.Output;

namespace Slipway.Platforms.Local;

/// <summary>Code run in the app's image outside its replicas: one-off containers (run, the release phase) and exec in a running replica.</summary>
internal sealed class OneOffContainers(DockerEngine engine, EdgeClient edge, AppSecrets secrets, TimeProvider time)
{
    public async Task<int> RunAsync(AppManifest app, IReadOnlyList<string> command, Action<string> onLine, CancellationToken ct, Attachment? attach = null)
    {
        // The routed release; with the edge down, the release its replicas run.
        var version = (await edge.InfoAsync(ct) is null ? null : (await edge.RouteAsync(app.App, ct))?.Route.Version)
            ?? (await engine.ListContainersAsync(ReleaseLabels.ForApp(app.App), ct)).Where(c => c.State == "running")
                .Select(c => c.Labels.GetValueOrDefault(ReleaseLabels.Version)).FirstOrDefault(v => v is not null)
            ?? throw new SlipwayException(ErrorCode.VersionNotAvailable, $"{app.App} is not deployed here: there is no release to run the command in",
                "deploy it first with slipway up");
        return await RunOneOffAsync(app, version, command, onLine, ct, attach);
    }

    public async Task<int> ExecAsync(AppManifest app, string? replica, IReadOnlyList<string> command, Action<string> onLine, CancellationToken ct)
    {
        var running = (await engine.ListContainersAsync(ReleaseLabels.ForApp(app.App), ct)).Where(c => c.State == "running" && ReleaseContainers.IsReleaseContainer(c))
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

    public Task RunReleaseCommandAsync(AppManifest app, string version, IStageLog log, CancellationToken ct) =>
        ReleasePhase.RunAsync(app, version, log, time, (command, onLine, token) => RunOneOffAsync(app, version, command, onLine, token), ct);

    /// <summary>A container of <paramref name="version"/>'s image running <paramref name="command"/>, removed once it exits; returns its exit code.</summary>
    private async Task<int> RunOneOffAsync(AppManifest app, string version, IReadOnlyList<string> command, Action<string> onLine, CancellationToken ct,
        Attachment? attach = null)
    {
        await engine.EnsureNetworkAsync(ReleaseContainers.NetworkName(app), ReleaseLabels.ForApp(app.App), ct); // a first deploy's release phase comes before its replicas
        var spec = ReleaseContainers.Spec(app, version, $"{app.App}-run-{Guid.NewGuid().ToString("N")[..8]}",
            new Dictionary<string, string> { [ReleaseContainers.RunLabel] = app.App, [ReleaseLabels.Version] = version, [ReleaseLabels.Owner] = app.Owner },
            ReleaseContainers.Environment(app, version, secrets)) with
            {
                PublishPort = false, Command = command, RestartPolicy = "no", OpenStdin = attach is not null, Tty = attach?.Terminal == true,
            };
        var id = await engine.CreateContainerAsync(spec, ct);
        try
        {
            if (attach is not null) return await RunAttachedAsync(id, attach, onLine, ct);
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

    /// <summary>
    /// The container joined to the user's stdin (and terminal) through the engine's attach, made before it starts so no
    /// early output is lost. The user's end of input closes its stdin; its exit ends the run even while the user's
    /// stdin stays open (that read is left behind, as a terminal's would be).
    /// </summary>
    private async Task<int> RunAttachedAsync(string id, Attachment attach, Action<string> onLine, CancellationToken ct)
    {
        await using var stream = await engine.AttachAsync(id, ct);
        await engine.StartContainerAsync(id, ct);
        if (attach is { Terminal: true, Size: var (height, width) }) await engine.ResizeAsync(id, height, width, ct);
        var exit = engine.WaitForExitAsync(id, ct);
        _ = Task.Run(async () =>
        {
            try
            {
                await attach.Input.CopyToAsync(stream, ct);
                await stream.CloseWriteAsync();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or System.Net.Sockets.SocketException)
            {
                // The container ended first, or the run was interrupted.
            }
        }, CancellationToken.None);
        if (attach.Terminal) await stream.CopyToAsync(attach.Output, ct); // one raw stream, as a terminal shows it
        else await DockerEngine.ReadMultiplexedLinesAsync(stream, onLine, ct);
        return await exit;
    }
}
