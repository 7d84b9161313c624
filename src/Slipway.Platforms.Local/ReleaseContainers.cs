using Slipway.Platforms.Images;
using Slipway.Configuration;
using Slipway.Engine;

namespace Slipway.Platforms.Local;

/// <summary>What every container of a release runs with, replicas and one-off containers alike, so they cannot drift apart.</summary>
internal static class ReleaseContainers
{
    /// <summary>Labels a one-off container by its app under a key of its own, so no rollout, status or cleanup takes it for a replica.</summary>
    public const string RunLabel = Slipway.Edge.Contract.AppObjects.Run;

    /// <summary>Each app's replicas share a network of their own: another app's replicas cannot reach them directly.</summary>
    public static string NetworkName(AppManifest app) => Slipway.Edge.Contract.AppObjects.NetworkOf(app.App);

    /// <summary>A container of the app's release as every one runs: its image, environment, limits, network and user.</summary>
    public static ContainerSpec Spec(AppManifest app, string version, string name, IReadOnlyDictionary<string, string> labels,
        IReadOnlyDictionary<string, string> environment) => new()
    {
        Name = name, Image = ImageBuilder.ImageReference(app.App, version), ContainerPort = app.Port,
        Labels = app.Volumes.Count == 0 ? labels : new Dictionary<string, string>(labels) { [VolumesLabel] = string.Join(',', app.Volumes.Select(v => v.Name)) },
        Environment = environment,
        MemoryBytes = app.Resources.MemoryBytes, PidsLimit = app.Resources.Pids, Network = NetworkName(app), User = app.User,
        Binds = LocalVolumes.Binds(app, app.Volumes),
    };

    /// <summary>
    /// Whether a container is one of the release's replicas or processes. Every container of the app's image carries the image's
    /// labels (its app and version among them): a job's template or run and a one-off container are told apart by labels of their own.
    /// </summary>
    public static bool IsReleaseContainer(ContainerSummary container) =>
        !container.Labels.ContainsKey(Slipway.Edge.Contract.JobLabels.App) && !container.Labels.ContainsKey(RunLabel);

    /// <summary>The volumes a container of the app mounts, by name (so a release that would drop one is noticed).</summary>
    public const string VolumesLabel = "slipway.volumes";

    /// <summary>The app's env, Slipway's own variables and the secrets' values.</summary>
    public static IReadOnlyDictionary<string, string> Environment(AppManifest app, string version, IReadOnlyDictionary<string, string> secrets)
    {
        var env = EnvTemplate.Expand(app.Env, secrets);
        env["SLIPWAY_APP"] = app.App;
        env["SLIPWAY_VERSION"] = version;
        foreach (var (name, value) in secrets) env[name] = value;
        return env;
    }

    public static IReadOnlyDictionary<string, string> Environment(AppManifest app, string version, AppSecrets secrets) =>
        Environment(app, version, secrets.Values);
}
