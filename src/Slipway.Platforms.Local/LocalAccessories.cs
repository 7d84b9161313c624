using System.Security.Cryptography;
using System.Text;
using Slipway.Configuration;
using Slipway.Engine;
using Slipway.Foundation;
using Slipway.Foundation.Output;
using Slipway.Foundation.Timing;
using Slipway.Platforms.Images;

namespace Slipway.Platforms.Local;

/// <summary>
/// Services beside the app (a database, a cache): one container each on the app's network, reached by the accessory's name,
/// converged before the app's release. An unchanged accessory is left alone whatever the app does; a changed one is replaced
/// stop-first (two database servers must never share one data folder), gated on its health, and put back as it was if the
/// new one does not become healthy.
/// </summary>
internal sealed class LocalAccessories(DockerEngine engine, LocalVolumes volumes, AppSecrets secrets, TimeProvider time)
{
    public const string AppLabel = Edge.Contract.AppObjects.Accessory;
    public const string NameLabel = "slipway.accessory";
    public const string SpecLabel = "slipway.accessory.spec";

    /// <summary>How long a database may take to write its data out when stopped.</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(30);

    /// <summary>Without a health check, an accessory is healthy once it kept running this long.</summary>
    private static readonly TimeSpan SteadyFor = TimeSpan.FromSeconds(2);

    /// <summary><c>shop.db</c>: an app's name and an accessory's hold no dot, so no two apps' accessories can meet.</summary>
    public static string ContainerName(AppManifest app, AccessorySpec accessory) => $"{app.App}.{accessory.Name}";

    private static string Retired(AppManifest app, AccessorySpec accessory) => $"{ContainerName(app, accessory)}.previous";

    public static string ImageName(AppManifest app, AccessorySpec accessory) => $"slipway/{app.App}.{accessory.Name}";

    public static IReadOnlyDictionary<string, string> ForApp(string app) => new Dictionary<string, string> { [AppLabel] = app };

    public static string AddressOf(AccessorySpec accessory) => accessory.Port is { } port ? $"{accessory.Name}:{port}" : accessory.Name;

    /// <summary>Builds or pulls each accessory's image, then starts those that are missing, stopped or changed.</summary>
    /// <param name="existing">The app's accessory containers (those labelled with its name), as just listed.</param>
    public async Task EnsureAsync(AppManifest app, IReadOnlyList<ContainerSummary> existing, IStageLog log, CancellationToken ct)
    {
        // One the manifest no longer names is stopped and removed; its volumes, and their data, stay.
        foreach (var unnamed in existing
                     .Where(c => app.Accessories.All(a => c.Name != ContainerName(app, a) && c.Name != Retired(app, a))))
        {
            log.Info($"accessory {unnamed.Labels.GetValueOrDefault(NameLabel)}: no longer in the manifest, removed (its volumes are kept)");
            await engine.StopContainerAsync(unnamed.Id, StopGrace, ct);
            await engine.RemoveContainerAsync(unnamed.Id, ct);
        }
        if (app.Accessories.Count == 0) return;
        await engine.EnsureNetworkAsync(ReleaseContainers.NetworkName(app), ReleaseLabels.ForApp(app.App), ct);
        foreach (var accessory in app.Accessories)
        {
            var image = await ImageAsync(app, accessory, log, ct);
            await ConvergeAsync(app, accessory, image, log, force: false, ct);
        }
    }

    /// <summary>The accessory's image reference and ID: built from its folder (the engine's cache makes an unchanged one quick), or pulled once.</summary>
    private async Task<(string Reference, string Id)> ImageAsync(AppManifest app, AccessorySpec accessory, IStageLog log, CancellationToken ct)
    {
        if (accessory.Image is { } reference)
        {
            if (await engine.ImageIdAsync(reference, ct) is null)
            {
                log.Info($"accessory {accessory.Name}: pulling {reference}");
                try
                {
                    await engine.PullImageAsync(reference, ct);
                }
                catch (EngineApiException e)
                {
                    throw new SlipwayException(ErrorCode.BuildFailed, $"accessories.{accessory.Name}.image: cannot pull {reference}: {e.Message}",
                        "check the reference and that the engine can reach its registry (docker pull " + reference + ")");
                }
            }
            return (reference, await engine.ImageIdAsync(reference, ct) ?? throw new SlipwayException(ErrorCode.BuildFailed,
                $"accessories.{accessory.Name}.image: {reference} was pulled but the engine does not have it", "pull it by hand: docker pull " + reference));
        }
        var tag = $"{ImageName(app, accessory)}:latest";
        var output = new List<string>();
        try
        {
            await using var context = await BuildContext.CreateAsync(accessory.Build!, Path.Combine(accessory.Build!, "Dockerfile"), ct);
            await engine.BuildImageAsync(context, new ImageBuildRequest
            {
                Tag = tag, DockerfilePath = BuildContext.DockerfileEntry,
                Labels = new Dictionary<string, string> { [AppLabel] = app.App, [NameLabel] = accessory.Name, [ReleaseLabels.Owner] = app.Owner },
            }, output.Add, ct);
        }
        catch (EngineApiException e)
        {
            throw new SlipwayException(ErrorCode.BuildFailed,
                $"accessories.{accessory.Name}.build: the build failed: {e.Message}" + System.Environment.NewLine
                + string.Join(System.Environment.NewLine, output.TakeLast(15).Where(l => l.Trim().Length > 0).Select(l => "    " + l)),
                $"fix {Path.Combine(accessory.Build!, "Dockerfile")}, then run up again");
        }
        return (tag, await engine.ImageIdAsync(tag, ct) ?? throw new SlipwayException(ErrorCode.BuildFailed,
            $"accessories.{accessory.Name}.build: the engine built no image", "run up again"));
    }

    /// <summary>What the accessory runs, as a hash: a change to any of it (image, env, secrets, volumes, command, check) restarts it.</summary>
    private string SpecHash(AppManifest app, AccessorySpec accessory, string imageId, IReadOnlyDictionary<string, string> secretValues)
    {
        var text = new StringBuilder().Append("image=").Append(imageId).Append('\n')
            .Append("command=").Append(string.Join('\0', accessory.Command ?? [])).Append('\n')
            .Append("health=").Append(accessory.HealthCheck is { } h ? $"{string.Join('\0', h.Command)}/{h.Interval}/{h.Timeout}/{h.StartPeriod}" : "").Append('\n')
            .Append("secrets=").Append(AppSecrets.SecretDigest(app.App + "." + accessory.Name, secretValues.OrderBy(s => s.Key, StringComparer.Ordinal)
                .Select(s => s.Key + "=" + s.Value).ToList())).Append('\n');
        foreach (var (key, value) in accessory.Env.OrderBy(e => e.Key, StringComparer.Ordinal)) text.Append("env:").Append(key).Append('=').Append(value).Append('\n');
        foreach (var volume in accessory.Volumes) text.Append("volume:").Append(volume.Name).Append('=').Append(volume.Path).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..12];
    }

    private ContainerSpec Spec(AppManifest app, AccessorySpec accessory, string image, string hash, IReadOnlyDictionary<string, string> secretValues)
    {
        var environment = EnvTemplate.Expand(accessory.Env, secretValues);
        foreach (var (name, value) in secretValues) environment[name] = value;
        return new ContainerSpec
        {
            Name = ContainerName(app, accessory), Image = image, ContainerPort = accessory.Port ?? 0, PublishPort = false,
            Labels = new Dictionary<string, string>
            {
                [AppLabel] = app.App, [NameLabel] = accessory.Name, [SpecLabel] = hash, [ReleaseLabels.Owner] = app.Owner,
            },
            Environment = environment, Network = ReleaseContainers.NetworkName(app), NetworkAliases = [accessory.Name],
            Command = accessory.Command, Binds = LocalVolumes.Binds(app, accessory.Volumes, accessory),
            HealthCheck = accessory.HealthCheck is { } check
                ? new ContainerHealthCheck(check.Command, check.Interval, check.Timeout, Retries: 3, check.StartPeriod) : null,
        };
    }

    private async Task ConvergeAsync(AppManifest app, AccessorySpec accessory, (string Reference, string Id) image, IStageLog log, bool force,
        CancellationToken ct)
    {
        var secretValues = secrets.ValuesOf(accessory);
        var hash = SpecHash(app, accessory, image.Id, secretValues);
        var name = ContainerName(app, accessory);
        var mine = await engine.ListContainersAsync(new Dictionary<string, string> { [AppLabel] = app.App, [NameLabel] = accessory.Name }, ct);
        var current = mine.FirstOrDefault(c => c.Name == name);
        var retired = mine.FirstOrDefault(c => c.Name == Retired(app, accessory));
        if (retired is not null)
        {
            // A run killed mid-replacement: the previous container is the one that held the data last, unless its successor serves.
            if (current is not null && await IsHealthyAsync(current.Id, accessory, ct)) await engine.RemoveContainerAsync(retired.Id, ct);
            else
            {
                if (current is not null) await engine.RemoveContainerAsync(current.Id, ct);
                await engine.RenameContainerAsync(retired.Id, name, ct);
                current = retired with { Name = name };
                log.Warn($"accessory {accessory.Name}: a replacement was interrupted; the previous container is back");
            }
        }
        if (current is not null && !force && current.Labels.GetValueOrDefault(SpecLabel) == hash)
        {
            if (current.State == "running") return;
            log.Info($"accessory {accessory.Name}: {current.State}, starting it");
            await engine.StartContainerAsync(current.Id, ct);
            await WaitHealthyAsync(current.Id, accessory, ct);
            return;
        }
        await volumes.EnsureAsync(app, accessory.Volumes, accessory, ct);
        if (current is not null)
        {
            log.Info($"accessory {accessory.Name}: {(force ? "restarting" : "its spec changed, replacing it")} (its volumes are kept)");
            await engine.StopContainerAsync(current.Id, StopGrace, ct);
            await engine.RenameContainerAsync(current.Id, Retired(app, accessory), ct);
        }
        else log.Info($"accessory {accessory.Name}: starting {image.Reference} as {AddressOf(accessory)} on the app's network");
        string? id = null;
        try
        {
            id = await engine.CreateContainerAsync(Spec(app, accessory, image.Reference, hash, secretValues), ct);
            await engine.StartContainerAsync(id, ct);
            await WaitHealthyAsync(id, accessory, ct);
        }
        catch (Exception e) when (current is not null)
        {
            // Put the previous one back as it was: the data it held is untouched, and the app keeps its database.
            var excerpt = id is null ? [] : await LogExcerptAsync(id);
            if (id is not null) await engine.RemoveContainerAsync(id, CancellationToken.None);
            await engine.RenameContainerAsync(current.Id, name, CancellationToken.None);
            await engine.StartContainerAsync(current.Id, CancellationToken.None);
            var back = "the previous one is running again with its data";
            try
            {
                await WaitHealthyAsync(current.Id, accessory, CancellationToken.None); // serving again before the error is told
            }
            catch (SlipwayException)
            {
                back = "the previous one was started again but is not healthy yet (slipway accessory status)";
            }
            throw Failed(accessory, e, excerpt, back);
        }
        catch (Exception e) when (id is not null)
        {
            var excerpt = await LogExcerptAsync(id);
            await engine.RemoveContainerAsync(id, CancellationToken.None);
            throw Failed(accessory, e, excerpt, "nothing of it is left running; its volumes are kept");
        }
        if (current is not null) await engine.RemoveContainerAsync(current.Id, ct);
        log.Info($"accessory {accessory.Name}: healthy");
    }

    private static SlipwayException Failed(AccessorySpec accessory, Exception e, IReadOnlyList<string> excerpt, string kept) => e switch
    {
        OperationCanceledException => throw e,
        SlipwayException s => new SlipwayException(s.Code, s.Message + (excerpt.Count > 0 ? System.Environment.NewLine + string.Join(System.Environment.NewLine, excerpt) : ""),
            $"{kept}; fix accessories.{accessory.Name} and run up again"),
        _ => new SlipwayException(ErrorCode.ReleaseUnhealthy, $"accessory {accessory.Name} did not start: {e.Message.Split('\n')[0]}", $"{kept}; fix accessories.{accessory.Name} and run up again"),
    };

    private async Task<IReadOnlyList<string>> LogExcerptAsync(string id)
    {
        try
        {
            return (await engine.LogTailAsync(id, 15, CancellationToken.None)).Select(l => "    " + l).ToList();
        }
        catch (EngineApiException)
        {
            return [];
        }
    }

    private async Task<bool> IsHealthyAsync(string id, AccessorySpec accessory, CancellationToken ct) =>
        await engine.InspectContainerAsync(id, ct) is { Running: true } details && (accessory.HealthCheck is null || details.Health == "healthy");

    /// <summary>Healthy by its check (or, without one, by running steadily); throws once it exits or its start period is over.</summary>
    public async Task WaitHealthyAsync(string id, AccessorySpec accessory, CancellationToken ct)
    {
        var limit = (accessory.HealthCheck?.StartPeriod ?? TimeSpan.Zero) + (accessory.HealthCheck?.Interval ?? TimeSpan.Zero) * 4 + SteadyFor + TimeSpan.FromSeconds(5);
        var started = time.GetTimestamp();
        var since = time.GetUtcNow() - TimeSpan.FromMinutes(10); // its own events only: the container is new
        await Poll.UntilAsync(async token =>
        {
            var details = await engine.InspectContainerAsync(id, token)
                ?? throw new SlipwayException(ErrorCode.ReleaseUnhealthy, $"accessory {accessory.Name}: its container was removed while it started", "run up again");
            if (details.HasExited)
                throw new SlipwayException(ErrorCode.ReleaseUnhealthy, $"accessory {accessory.Name} exited with code {await ExitCodeAsync(id, details, since, token)} as it started",
                    "its log is below");
            if (details.Health == "unhealthy")
                throw new SlipwayException(ErrorCode.ReleaseUnhealthy, $"accessory {accessory.Name} is unhealthy: its healthCheck.command failed 3 times", "its log is below");
            return new Attempt<bool>(accessory.HealthCheck is null ? time.GetElapsedTime(started) >= SteadyFor : details.Health == "healthy", true);
        }, TimeSpan.FromMilliseconds(250), limit, time, _ => new SlipwayException(ErrorCode.ReleaseUnhealthy,
            $"accessory {accessory.Name} did not become healthy within {Duration.Format(limit)}", "raise its healthCheck.startPeriod, or fix it (its log is below)"), ct);
    }

    /// <summary>
    /// The code it exited with. Its restart policy may have started it again already, and a running container's code reads 0:
    /// then the engine's event of its death says.
    /// </summary>
    private async Task<int> ExitCodeAsync(string id, ContainerDetails details, DateTimeOffset since, CancellationToken ct)
    {
        if (!details.Running) return details.ExitCode;
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            return (await engine.WaitForFirstDeathAsync([id], since, bounded.Token)).ExitCode;
        }
        catch (Exception e) when (e is OperationCanceledException or EngineApiException or HttpRequestException or IOException && !ct.IsCancellationRequested)
        {
            return details.ExitCode;
        }
    }

    public async Task<IReadOnlyList<AccessoryStatus>> StatusAsync(AppManifest app, CancellationToken ct)
    {
        var containers = await engine.ListContainersAsync(ForApp(app.App), ct);
        var statuses = new List<AccessoryStatus>();
        foreach (var container in containers.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            var name = container.Labels.GetValueOrDefault(NameLabel, "?");
            var details = await engine.InspectContainerAsync(container.Id, ct);
            var accessory = app.Accessories.FirstOrDefault(a => a.Name == name);
            statuses.Add(new AccessoryStatus(name, container.Name, container.Image, container.State, details?.Health ?? "none",
                accessory is null ? name : AddressOf(accessory)));
        }
        return statuses;
    }

    /// <summary>The running container of an accessory the manifest names, or one line naming those it has.</summary>
    public async Task<ContainerSummary> FindAsync(AppManifest app, string name, CancellationToken ct)
    {
        if (app.Accessories.All(a => a.Name != name))
            throw new SlipwayException(ErrorCode.InvalidSetting, $"accessory: {app.App} has no accessory \"{name}\"",
                app.Accessories.Count == 0 ? "declare one under accessories: in the manifest" : $"its accessories: {string.Join(", ", app.Accessories.Select(a => a.Name))}");
        return (await engine.ListContainersAsync(new Dictionary<string, string> { [AppLabel] = app.App, [NameLabel] = name }, ct))
            .FirstOrDefault(c => c.Name == ContainerName(app, app.Accessories.First(a => a.Name == name)))
            ?? throw new SlipwayException(ErrorCode.VersionNotAvailable, $"accessory {name} of {app.App} is not running here", "slipway up starts it");
    }

    public async Task RestartAsync(AppManifest app, string name, IStageLog log, CancellationToken ct)
    {
        await FindAsync(app, name, ct);
        var accessory = app.Accessories.First(a => a.Name == name);
        await ConvergeAsync(app, accessory, await ImageAsync(app, accessory, log, ct), log, force: true, ct);
    }

    /// <summary>Removes the app's accessory containers and images; their volumes stay.</summary>
    public async Task<IReadOnlyList<string>> RemoveAsync(AppManifest app, CancellationToken ct)
    {
        var removed = new List<string>();
        foreach (var container in await engine.ListContainersAsync(ForApp(app.App), ct))
        {
            await engine.StopContainerAsync(container.Id, StopGrace, ct); // a database writes its data out before it goes
            await engine.RemoveContainerAsync(container.Id, ct);
            removed.Add($"accessory {container.Labels.GetValueOrDefault(NameLabel)} ({container.Name})");
        }
        foreach (var image in await engine.ListImagesAsync(ForApp(app.App), ct))
        {
            await engine.RemoveImageAsync(image.Id, ct);
            removed.Add($"image {string.Join(", ", image.Tags.DefaultIfEmpty(image.Id[..19]))}");
        }
        return removed;
    }
}
