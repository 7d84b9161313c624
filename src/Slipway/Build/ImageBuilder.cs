using Slipway.Common;
using Slipway.Configuration;
using Slipway.Engine;
using Slipway.Source;

namespace Slipway.Build;

/// <summary>Builds an app's image with the local engine, tagged with its version and labelled with app and version.</summary>
public sealed class ImageBuilder(DockerEngine engine)
{
    public static string ImageName(string app) => $"slipway/{app}";
    public static string ImageReference(string app, string version) => $"{ImageName(app)}:{version}";

    public Task<bool> ExistsAsync(string app, string version, CancellationToken ct) =>
        engine.ImageExistsAsync(ImageReference(app, version), ct);

    public async Task<string> BuildAsync(AppManifest app, SourceSnapshot source, Action<string> onStep, CancellationToken ct)
    {
        var reference = ImageReference(app.App, source.Version);
        await using var context = await BuildContext.CreateAsync(source.ContextDirectory, app.Build.Dockerfile, ct);
        var output = new List<string>();
        try
        {
            await engine.BuildImageAsync(context, new ImageBuildRequest
            {
                Tag = reference,
                DockerfilePath = BuildContext.DockerfileEntry,
                Labels = Labels.ForRelease(app.App, source.Version),
                BuildArgs = app.Build.Args,
            }, line =>
            {
                output.Add(line);
                if (line.StartsWith("Step ", StringComparison.Ordinal)) onStep(line);
            }, ct);
        }
        catch (EngineApiException e)
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
