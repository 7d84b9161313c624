using Slipway.Platforms.Images;
using Slipway.Foundation;
using Slipway.Configuration;
using Slipway.Engine;

namespace Slipway.Platforms.Local;

internal static class AppOwnership
{
    /// <summary>
    /// Refuses to touch a deployment another manifest entry made under the same name (objects from before owner
    /// labels existed count as this app's).
    /// </summary>
    public static async Task EnsureAsync(DockerEngine engine, AppManifest app, CancellationToken ct) =>
        await EnsureAsync(engine, app, await engine.ListContainersAsync(ReleaseLabels.ForApp(app.App), ct), ct);

    /// <param name="containers">The app's containers (those labelled with its name), as just listed.</param>
    public static async Task EnsureAsync(DockerEngine engine, AppManifest app, IReadOnlyList<ContainerSummary> containers, CancellationToken ct)
    {
        IEnumerable<IReadOnlyDictionary<string, string>> labels = containers.Select(c => c.Labels).ToList();
        // An app's images are built only once this check has passed, under the app's deploy lock: while it has containers,
        // their owner is its images' owner. Listing images is the engine's slowest answer (15-20 ms for 45 images here).
        if (!labels.Any()) labels = (await engine.ListImagesAsync(ReleaseLabels.ForApp(app.App), ct)).Select(i => i.Labels).ToList();
        var owners = labels.Select(l => l.GetValueOrDefault(ReleaseLabels.Owner)).OfType<string>().Where(o => o != app.Owner).Distinct().ToList();
        if (owners.Count > 0)
            throw new SlipwayException(ErrorCode.InvalidSetting,
                $"app: {app.App} is already deployed here by {Describe(owners[0])}, a different entry that derives the same name",
                "rename one of them (app: in the manifest, or the environment's name)");

        static string Describe(string owner) => owner.Split('@') is [var name, var environment]
            ? $"app {name} in environment {environment}" : $"app {owner}";
    }

}
