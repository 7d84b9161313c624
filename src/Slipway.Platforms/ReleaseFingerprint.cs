using System.Security.Cryptography;
using System.Text;
using Slipway.Foundation.Files;
using Slipway.Configuration;

namespace Slipway.Platforms;

/// <summary>
/// What a platform adds to a release beyond the manifest's common settings.
/// </summary>
/// <param name="BuildPlatform">What images are built for (<c>docker build --platform</c>); null: the engine's own.</param>
/// <param name="FingerprintPart">The platform's settings that are part of a release (e.g. the edge's port), as lines of text; empty: none.</param>
/// <param name="MinReplicas">The fewest replicas that may serve (with autoscaling, the scaler's lower limit).</param>
/// <param name="MaxReplicas">The most replicas that may serve.</param>
public sealed record ReleaseTraits(string? BuildPlatform, string FingerprintPart, int MinReplicas, int MaxReplicas)
{
    /// <summary>A platform that adds nothing: the engine's build platform and the manifest's replicas.</summary>
    public static ReleaseTraits Plain(AppManifest app) => new(null, "", app.Replicas, app.Replicas);
}

/// <summary>
/// Identifies what a release runs beyond its image: port, environment, secrets, health check, processes and the
/// platform's own part (locally, the edge's port and host). A change to any of them makes <c>up</c> roll out again
/// even when the code's version is unchanged: a rotated secret reaches the replicas. Secret values enter only
/// through a slow, salted key derivation (<see cref="AppSecrets.Digest"/>), so the label cannot be turned back into a secret.
/// </summary>
public static class ReleaseFingerprint
{
    public static string Of(AppManifest app, string version, AppSecrets secrets, ReleaseTraits traits)
    {
        var text = new StringBuilder()
            .Append("version=").Append(version).Append('\n')
            .Append("port=").Append(app.Port).Append('\n')
            .Append("health=").Append(app.HealthCheck).Append('\n')
            .Append("recipe=").Append(BuildRecipe.Of(app, traits.BuildPlatform)).Append('\n')
            .Append("resources=").Append(app.Resources.MemoryBytes).Append('/').Append(app.Resources.Pids).Append('\n')
            .Append("secrets=").Append(secrets.Digest).Append('\n');
        if (app.User is { } user) text.Append("user=").Append(user).Append('\n'); // only when set: existing releases keep their fingerprint
        text.Append(traits.FingerprintPart);
        foreach (var (key, value) in app.Env.OrderBy(e => e.Key, StringComparer.Ordinal))
            text.Append("env:").Append(key).Append('=').Append(value).Append('\n');
        foreach (var (key, secret) in app.Secrets.OrderBy(e => e.Key, StringComparer.Ordinal))
            text.Append("secret:").Append(key).Append('=').Append(secret.FromEnv ?? secret.FromFile ?? "ssm:" + secret.FromSsm).Append('\n');
        foreach (var process in app.Processes) // only when there are some: existing releases keep their fingerprint
            text.Append("process:").Append(process.Name).Append('=').Append(string.Join('\0', process.Command)).Append('/')
                .Append(process.Replicas).Append('/').Append(process.Healthy).Append('/').Append(string.Join('\0', process.Check ?? [])).Append('\n');
        foreach (var job in app.Jobs) // only when there are some: a changed job makes its templates again
            text.Append("job:").Append(job.Name).Append('=').Append(job.Schedule).Append('/').Append(string.Join('\0', job.Command)).Append('/')
                .Append(job.Timeout).Append('/').Append(job.Concurrency).Append('/').Append(job.StartingDeadline).Append('\n');
        foreach (var volume in app.Volumes) // only when there are some: existing releases keep their fingerprint
            text.Append("volume:").Append(volume.Name).Append('=').Append(volume.Path).Append('/').Append(volume.Shared).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..12];
    }
}

/// <summary>What an image is built with besides the code: the Dockerfile's content, the build args and the target platform.</summary>
public static class BuildRecipe
{
    /// <param name="buildPlatform">What the image is built for (<see cref="ReleaseTraits.BuildPlatform"/>); null: the engine's own.</param>
    public static string Of(AppManifest app, string? buildPlatform)
    {
        var text = new StringBuilder(File.Exists(app.Build.Dockerfile) ? UserFile.ReadText(app.Build.Dockerfile, "build.dockerfile") : "");
        foreach (var (key, value) in app.Build.Args.OrderBy(a => a.Key, StringComparer.Ordinal))
            text.Append("\narg:").Append(key).Append('=').Append(value);
        if (buildPlatform is not null) text.Append("\nplatform:").Append(buildPlatform);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..12];
    }
}
