using Slipway.Platforms.Images;
using Slipway.Cloud.Aws;
using Slipway.Foundation;
using Slipway.Configuration;
using Slipway.Engine;
using Slipway.Foundation.Output;
using Slipway.Source;

namespace Slipway.Platforms.Aws;

/// <summary>
/// The app's images: built with the local engine for the Fargate architecture, pushed to the stack's ECR
/// repository (or the profile's plain-HTTP registry), and pruned on this machine so that deploys don't pile
/// them up: the new image, the one it replaces and one more are kept, as on the local platform.
/// </summary>
public sealed class AwsImages(EcrClient ecr, DockerEngine engine, AwsEndpointProfile profile)
{
    public const int KeptLocally = 3;

    public Task<bool> HasAsync(AppManifest app, string version, CancellationToken ct) =>
        profile.Registry is not null
            ? profile.HasTagAsync(StackTemplate.RepositoryName(app), version, ct)
            : ecr.HasTagAsync(StackTemplate.RepositoryName(app), version, ct);

    /// <summary>The tags in the repository; registries keep no deploy order, so rollback orders them by the release history.</summary>
    public async Task<IReadOnlyList<string>> VersionsAsync(AppManifest app, CancellationToken ct)
    {
        var tags = profile.Registry is not null
            ? await profile.ListTagsAsync(StackTemplate.RepositoryName(app), ct)
            : (await ecr.ListImagesAsync(StackTemplate.RepositoryName(app), ct)).Select(i => i.ImageTag).OfType<string>().ToList();
        return tags.Where(t => t is not (ServingTag or PreviousTag)).Distinct().ToList();
    }

    /// <summary>The tag the serving release's image carries, which the repository's lifecycle rule never expires.</summary>
    public const string ServingTag = "slipway-serving";

    /// <summary>The tag of the release before it (the rollback target), never expired either.</summary>
    public const string PreviousTag = "slipway-previous";

    /// <summary>
    /// Marks the serving release's image and the one before it with the tags the lifecycle rule keeps, whatever number of
    /// rejected releases is pushed after them: ECS must still pull the serving image to replace a task, and rollback the
    /// previous one.
    /// </summary>
    public async Task ProtectAsync(AppManifest app, string serving, string? previous, CancellationToken ct)
    {
        var repository = StackTemplate.RepositoryName(app);
        Func<string, string, Task<bool>> tag = profile.Registry is not null
            ? (from, to) => profile.TagAsync(repository, from, to, ct)
            : (from, to) => ecr.TagAsync(repository, from, to, ct);
        if (previous is not null && previous != serving) await tag(previous, PreviousTag);
        await tag(serving, ServingTag);
    }

    /// <summary>Builds (unless this machine has the image of this recipe) and pushes; returns the pushed reference.</summary>
    public async Task<string> PublishAsync(AppManifest app, SourceSnapshot source, string? serving, IStageLog log, CancellationToken ct)
    {
        var builder = new ImageBuilder(engine, AwsPlatform.Traits(app).BuildPlatform);
        var local = await builder.ExistsAsync(app, source.Version, ct)
            ? ImageBuilder.ImageReference(app.App, source.Version)
            : await builder.BuildAsync(app, source, log.Info, log.Warn, ct);
        var repository = await RepositoryAsync(app, ct);
        await engine.TagImageAsync(local, repository, source.Version, ct);
        RegistryCredentials? credentials = null;
        if (profile.Registry is null)
        {
            var login = await ecr.GetAuthorizationAsync(ct);
            credentials = new RegistryCredentials(login.Username, login.Password, login.ProxyEndpoint);
        }
        log.Info($"pushing {repository}:{source.Version}");
        try
        {
            await engine.PushImageAsync(repository, source.Version, credentials, _ => { }, ct);
        }
        catch (EngineApiException e)
        {
            throw new SlipwayException(ErrorCode.BuildFailed, $"push of {repository}:{source.Version} failed: {e.Message}",
                profile.Registry is null ? "check the ECR permissions (ecr:*LayerUpload*, ecr:PutImage)" : $"check that the registry {profile.Registry} answers");
        }
        await PruneAsync(app, [source.Version, .. serving is null ? Array.Empty<string>() : [serving]], ct);
        return $"{repository}:{source.Version}";
    }

    /// <summary>The repository images are pushed to and run from.</summary>
    public async Task<string> RepositoryAsync(AppManifest app, CancellationToken ct)
    {
        if (profile.Registry is not null) return $"{profile.Registry}/{StackTemplate.RepositoryName(app)}";
        return await ecr.RepositoryUriAsync(StackTemplate.RepositoryName(app), ct)
            ?? throw new SlipwayException(ErrorCode.AppNotDeployed, $"stack {StackTemplate.StackName(app)} has no repository yet", "run slipway up -e aws");
    }

    /// <summary>Removes this environment's images from this machine (every tag of each); returns what was removed.</summary>
    public async Task<IReadOnlyList<string>> RemoveLocalAsync(AppManifest app, CancellationToken ct)
    {
        var removed = new List<string>();
        foreach (var image in await OwnImagesAsync(app, ct))
        {
            await engine.RemoveImageAsync(image.Id, ct);
            removed.Add($"local image {string.Join(", ", image.Tags.DefaultIfEmpty(image.Id[..19]))}");
        }
        return removed;
    }

    private async Task PruneAsync(AppManifest app, IReadOnlyList<string> keep, CancellationToken ct)
    {
        var own = await OwnImagesAsync(app, ct);
        var releases = own.Where(i => i.Labels.ContainsKey(ReleaseLabels.Version))
            .Where(i => !keep.Contains(i.Labels[ReleaseLabels.Version]))
            .OrderByDescending(i => i.Created).Skip(Math.Max(0, KeptLocally - keep.Count));
        foreach (var image in releases.Concat(own.Where(BuildLeftover)))
        {
            try { await engine.RemoveImageAsync(image.Id, ct); }
            catch (EngineApiException) { /* in use by something else: keep it */ }
        }
    }

    /// <summary>Images this environment built: labelled with the app and with this manifest and environment as owner.</summary>
    private async Task<IReadOnlyList<ImageSummary>> OwnImagesAsync(AppManifest app, CancellationToken ct) =>
        (await engine.ListImagesAsync(ReleaseLabels.ForApp(app.App), ct))
        .Where(i => i.Labels.GetValueOrDefault(ReleaseLabels.Owner) == app.Owner).ToList();

    /// <summary>
    /// An image of a build that stopped before its last step: the engine's classic builder commits one image per build label,
    /// in the labels' order, so an interrupted build leaves an untagged image with the app's labels but no version.
    /// </summary>
    private static bool BuildLeftover(ImageSummary image) => !image.Labels.ContainsKey(ReleaseLabels.Version);
}
