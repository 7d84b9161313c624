using Slipway.Foundation;
using Slipway.Configuration;
using Slipway.Engine;
using Slipway.Source;

namespace Slipway.Platforms.Images;

/// <summary>Builds an app's image with the local engine, tagged with its version and labelled with app and version.</summary>
/// <param name="buildPlatform">What images are built for (<see cref="Platforms.ReleaseTraits.BuildPlatform"/>); null: the engine's own.</param>
public sealed class ImageBuilder(DockerEngine engine, string? buildPlatform = null)
{
    public static string ImageName(string app) => $"slipway/{app}";
    public static string ImageReference(string app, string version) => $"{ImageName(app)}:{version}";

    /// <summary>
    /// True when the image of this version exists and was built from the manifest's current Dockerfile and build
    /// args: the Dockerfile lives outside the app's repository, so the git version alone cannot tell.
    /// </summary>
    public async Task<bool> ExistsAsync(AppManifest app, string version, CancellationToken ct) =>
        (await engine.ImageLabelsAsync(ImageReference(app.App, version), ct))?.GetValueOrDefault(ReleaseLabels.Recipe) == Platforms.BuildRecipe.Of(app, buildPlatform);

    public async Task<string> BuildAsync(AppManifest app, SourceSnapshot source, Action<string> onStep, Action<string> onWarning, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await BuildOnceAsync(app, source, onStep, onWarning, retryable: attempt == 1, ct);
            }
            catch (EngineApiException e) when (attempt == 1 && e.IsVanishedCacheLayer)
            {
                // The classic builder reuses an intermediate image as cache; another app's image removal may delete that
                // parent while this build still needs it. A second build makes the layer again.
                onWarning("a cached layer the build used was removed meanwhile (another app's images were pruned): building again");
            }
        }
    }


    private async Task<string> BuildOnceAsync(AppManifest app, SourceSnapshot source, Action<string> onStep, Action<string> onWarning, bool retryable,
        CancellationToken ct)
    {
        var reference = ImageReference(app.App, source.Version);
        var secretFiles = app.Secrets.Where(s => s.Value.FromFile is not null).ToDictionary(s => s.Key, s => s.Value.FromFile!);
        await using var context = await BuildContext.CreateAsync(source.ContextDirectory, app.Build.Dockerfile, secretFiles, onWarning, ct);
        var output = new List<string>();
        try
        {
            await engine.BuildImageAsync(context, new ImageBuildRequest
            {
                Tag = reference,
                DockerfilePath = BuildContext.DockerfileEntry,
                Labels = new Dictionary<string, string>(ReleaseLabels.ForRelease(app, source.Version)) { [ReleaseLabels.Recipe] = Platforms.BuildRecipe.Of(app, buildPlatform) },
                BuildArgs = app.Build.Args,
                Platform = buildPlatform,
            }, line =>
            {
                output.Add(line);
                if (line.StartsWith("Step ", StringComparison.Ordinal)) onStep(line);
            }, ct);
        }
        catch (EngineApiException e) when (!retryable || !e.IsVanishedCacheLayer)
        {
            // Show the output of the step that failed: everything since the last "Step" line.
            var lastStep = output.FindLastIndex(l => l.StartsWith("Step ", StringComparison.Ordinal));
            var stepOutput = output.Skip(Math.Max(0, lastStep)).TakeLast(30).Where(l => l.Trim().Length > 0);
            throw new SlipwayException(ErrorCode.BuildFailed,
                $"build of {reference} failed: {e.Message}" + Environment.NewLine + string.Join(Environment.NewLine, stepOutput.Select(l => "    " + l)),
                $"fix the Dockerfile ({app.Build.Dockerfile}) or the app, then run up again");
        }
        return reference;
    }
}
