using Slipway.Common;
using System.Security.Cryptography;
using System.Text;

namespace Slipway.Configuration;

/// <summary>
/// Identifies what a release runs beyond its image: port, environment, secrets, health check, processes and, locally,
/// the edge's port and host. A change to any of them makes <c>up</c> roll out again even when the code's
/// version is unchanged: a rotated secret reaches the replicas. Secret values enter only through a slow,
/// salted key derivation (<see cref="AppSecrets.Digest"/>), so the label cannot be turned back into a secret.
/// </summary>
public static class ReleaseFingerprint
{
    public static string Of(AppManifest app, string version, AppSecrets secrets)
    {
        var text = new StringBuilder()
            .Append("version=").Append(version).Append('\n')
            .Append("port=").Append(app.Port).Append('\n')
            .Append("health=").Append(app.HealthCheck).Append('\n')
            .Append("recipe=").Append(BuildRecipe.Of(app)).Append('\n')
            .Append("resources=").Append(app.Resources.MemoryBytes).Append('/').Append(app.Resources.Pids).Append('\n')
            .Append("secrets=").Append(secrets.Digest).Append('\n');
        if (app.User is { } user) text.Append("user=").Append(user).Append('\n'); // only when set: existing releases keep their fingerprint
        if (app.Environment.Platform == PlatformKind.Aws && app.Aws.Exec) text.Append("exec=true\n"); // the task role is part of the release
        if (app.Environment.Platform == PlatformKind.Local)
        {
            text.Append("edge=").Append(app.Edge.Host).Append(':').Append(app.Edge.Port).Append('\n');
            if (app.Edge.MetricsPort is { } metrics) text.Append("metrics=").Append(metrics).Append('\n'); // only when set
            if (app.Edge.Tls is { } tls) // a renewed certificate file is a new one: rolled out like any change (the edge renews its own)
                text.Append("tls=").Append(tls.CertFile is { } file
                        ? System.IO.File.Exists(file) ? Convert.ToHexStringLower(SHA256.HashData(UserFile.ReadBytes(file, "edge.tls")))[..12] : "?"
                        : tls.Acme is { } acme ? $"acme:{acme.Directory}:{acme.Email}" : "local")
                    .Append('/').Append(tls.RedirectFrom).Append('\n');
        }
        foreach (var (key, value) in app.Env.OrderBy(e => e.Key, StringComparer.Ordinal))
            text.Append("env:").Append(key).Append('=').Append(value).Append('\n');
        foreach (var (key, secret) in app.Secrets.OrderBy(e => e.Key, StringComparer.Ordinal))
            text.Append("secret:").Append(key).Append('=').Append(secret.FromEnv ?? secret.FromFile ?? "ssm:" + secret.FromSsm).Append('\n');
        foreach (var process in app.Processes) // only when there are some: existing releases keep their fingerprint
            text.Append("process:").Append(process.Name).Append('=').Append(string.Join('\0', process.Command)).Append('/')
                .Append(process.Replicas).Append('/').Append(process.Healthy).Append('/').Append(string.Join('\0', process.Check ?? [])).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..12];
    }

    /// <summary>PBKDF2 over the values, salted by the app: cheap once per run, costly to search a secret with.</summary>
    internal static string SecretDigest(string app, IReadOnlyList<string> values)
    {
        if (values.Count == 0) return "";
        var joined = Encoding.UTF8.GetBytes(string.Join('\0', values));
        return Convert.ToHexStringLower(Rfc2898DeriveBytes.Pbkdf2(joined, Encoding.UTF8.GetBytes("slipway-fingerprint:" + app), 100_000,
            HashAlgorithmName.SHA256, 16));
    }
}

/// <summary>What an image is built with besides the code: the Dockerfile's content and the build args.</summary>
public static class BuildRecipe
{
    /// <summary>On aws, the architecture Fargate runs (whatever this machine is); locally, the engine's own.</summary>
    public static string? TargetPlatform(AppManifest app) =>
        app.Environment.Platform == PlatformKind.Aws ? app.Aws.Architecture.BuildPlatform() : null;

    public static string Of(AppManifest app)
    {
        var text = new StringBuilder(File.Exists(app.Build.Dockerfile) ? UserFile.ReadText(app.Build.Dockerfile, "build.dockerfile") : "");
        foreach (var (key, value) in app.Build.Args.OrderBy(a => a.Key, StringComparer.Ordinal))
            text.Append("\narg:").Append(key).Append('=').Append(value);
        if (TargetPlatform(app) is { } platform) text.Append("\nplatform:").Append(platform);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..12];
    }
}
