using Slipway.Platforms.Images;
using Slipway.Foundation.Files;
using Slipway.Foundation.Timing;
using Slipway.Configuration;
using Slipway.Edge.Contract;
using Slipway.Platforms.EdgeControl;
using Slipway.Engine;
using Slipway.Foundation.Output;

namespace Slipway.Platforms.Local;

/// <summary>Everything an app left on this machine removed: its route, replicas, one-off containers, images, network, source cache; the edge with the last app.</summary>
internal sealed class LocalTeardown(DockerEngine engine, EdgeClient edge, EdgeContainer edgeContainer, StateDirectory state, TimeProvider time)
{
    public async Task ReleaseUnusedEdgeAsync(CancellationToken ct)
    {
        if (await edge.InfoAsync(ct) is null || (await edge.RoutesAsync(ct)).Count > 0) return;
        await StopEdgeAsync(ct);
    }

    /// <remarks>The caller has checked the app is this manifest's (<see cref="AppOwnership"/>) before anything of it went.</remarks>
    public async Task<DestroyReport> DestroyAsync(AppManifest app, IStageLog log, CancellationToken ct)
    {
        var removed = new List<string>();
        var problems = new List<string>();
        if (await edge.InfoAsync(ct) is not null)
        {
            if (await edge.RemoveAsync(app.App, app.Drain, ct)) removed.Add("route");
            if ((await edge.RoutesAsync(ct)).Count == 0)
            {
                await StopEdgeAsync(ct);
                removed.Add("edge proxy (no app left)");
            }
        }
        // The app's replicas, and any one-off container a killed `slipway run` left.
        var containers = (await engine.ListContainersAsync(ReleaseLabels.ForApp(app.App), ct))
            .Concat(await engine.ListContainersAsync(new Dictionary<string, string> { [ReleaseContainers.RunLabel] = app.App }, ct));
        foreach (var container in containers)
        {
            await engine.RemoveContainerAsync(container.Id, ct);
            removed.Add($"container {container.Name}");
        }
        foreach (var image in await engine.ListImagesAsync(ReleaseLabels.ForApp(app.App), ct))
        {
            try
            {
                await engine.RemoveImageAsync(image.Id, ct);
                removed.Add($"image {string.Join(", ", image.Tags.DefaultIfEmpty(image.Id[..19]))}");
            }
            catch (EngineApiException e)
            {
                problems.Add($"image {image.Id[..19]}: {e.Message}");
            }
        }
        if (await engine.RemoveNetworkAsync(ReleaseContainers.NetworkName(app), ct)) removed.Add($"network {ReleaseContainers.NetworkName(app)}");
        if (Directory.Exists(state.Sources))
        {
            foreach (var cache in Directory.EnumerateDirectories(state.Sources, app.App + "-*"))
            {
                Directory.Delete(cache, recursive: true);
                removed.Add("source cache");
            }
        }
        return new DestroyReport(removed, problems);
    }

    /// <summary>Removes the edge's container; on this machine also its folder (routes, certificates), but the local CA.</summary>
    private async Task StopEdgeAsync(CancellationToken ct)
    {
        await edgeContainer.StopAsync(ct);
        if (edgeContainer.Site.LocalFolder is not null) await WaitForEdgeExitAsync(ct);
    }

    /// <summary>
    /// Removes the edge's directory, except the local CA (<c>edge.tls: local</c>): its root is made once and trusted by hand
    /// in browsers and machines, so the next app that uses it must find the same one.
    /// </summary>
    private void RemoveEdgeDirectory()
    {
        var ca = EdgePaths.CaDirectoryOf(edge.Paths);
        if (!Directory.Exists(ca))
        {
            Directory.Delete(edge.Paths.Directory, recursive: true);
            return;
        }
        foreach (var entry in Directory.EnumerateFileSystemEntries(edge.Paths.Directory).Where(e => e != ca))
            if (Directory.Exists(entry) && !File.GetAttributes(entry).HasFlag(FileAttributes.ReparsePoint)) Directory.Delete(entry, recursive: true);
            else File.Delete(entry);
    }

    /// <summary>Waits for a shut-down edge to let go of its directory, then removes it (routes file, log), keeping the local CA.</summary>
    private async Task WaitForEdgeExitAsync(CancellationToken ct)
    {
        try
        {
            await Poll.UntilAsync(_ =>
            {
                try
                {
                    using (new FileStream(edge.Paths.LockFile, FileMode.Open, FileAccess.ReadWrite, FileShare.None)) { }
                    RemoveEdgeDirectory();
                }
                catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { }
                catch (IOException) { return Task.FromResult(Attempt<bool>.Pending(false)); }
                return Task.FromResult(Attempt<bool>.Finished(true));
            }, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), time, _ => new TimeoutException("the edge kept its directory"), ct);
        }
        catch (TimeoutException)
        {
            // Still held by an edge that did not exit: its directory stays; the next up reuses it.
        }
    }

}
