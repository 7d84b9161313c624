using Slipway.Platforms.Images;
using Slipway.Configuration;
using Slipway.Engine;
using Slipway.Foundation.Output;
using Slipway.Source;

namespace Slipway.Platforms.Local;

/// <summary>The app's images in the engine: built from the source, kept to the serving release, the previous one and one more.</summary>
internal sealed class LocalImages(DockerEngine engine)
{
    private const int ImagesKept = 3; // the serving release, the previous one for rollback, one more

    public Task<bool> ExistsAsync(AppManifest app, string version, CancellationToken ct) => new ImageBuilder(engine).ExistsAsync(app, version, ct);

    /// <summary>
    /// Builds the image, then prunes at once (not only after a rollout), so that runs interrupted after their
    /// build do not pile images up: the new one, the serving one and one more are kept.
    /// </summary>
    public async Task<string> BuildAsync(AppManifest app, SourceSnapshot source, string? serving, IStageLog log, CancellationToken ct)
    {
        var built = await new ImageBuilder(engine).BuildAsync(app, source, log.Info, log.Warn, ct);
        await PruneAsync(app, source.Version, serving, ct);
        return built;
    }

    public async Task<IReadOnlyList<string>> AvailableVersionsAsync(AppManifest app, CancellationToken ct) =>
        (await engine.ListImagesAsync(ReleaseLabels.ForApp(app.App), ct))
            .OrderByDescending(i => i.Created)
            .Select(i => i.Labels.GetValueOrDefault(ReleaseLabels.Version))
            .OfType<string>().Distinct().ToList();

    public async Task PruneAsync(AppManifest app, string version, string? previous, CancellationToken ct)
    {
        var images = await engine.ListImagesAsync(ReleaseLabels.ForApp(app.App), ct);
        var keep = new HashSet<string> { version };
        if (previous is not null) keep.Add(previous);
        var prunable = images
            .Where(i => i.Labels.TryGetValue(ReleaseLabels.Version, out var v) && !keep.Contains(v)) // not a build's intermediate image
            .OrderByDescending(i => i.Created).ToList();
        foreach (var image in prunable.Skip(Math.Max(0, ImagesKept - keep.Count)))
        {
            try { await engine.RemoveImageAsync(image.Id, ct); }
            catch (EngineApiException) { /* in use by something else: keep it */ }
        }
    }

}
