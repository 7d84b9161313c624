using System.Security.Cryptography;
using System.Text;

namespace Slipway.Configuration;

/// <summary>
/// Identifies what a release runs beyond its image: port, environment, secret names, health check. A manifest
/// change to any of them makes <c>up</c> roll out again even when the code's version is unchanged.
/// Secret values are left out on purpose: a hash of a short secret could be brute-forced from a label.
/// </summary>
public static class ReleaseFingerprint
{
    public static string Of(AppManifest app, string version)
    {
        var text = new StringBuilder()
            .Append("version=").Append(version).Append('\n')
            .Append("port=").Append(app.Port).Append('\n')
            .Append("health=").Append(app.HealthCheck).Append('\n')
            .Append("recipe=").Append(BuildRecipe.Of(app)).Append('\n');
        foreach (var (key, value) in app.Env.OrderBy(e => e.Key, StringComparer.Ordinal))
            text.Append("env:").Append(key).Append('=').Append(value).Append('\n');
        foreach (var (key, secret) in app.Secrets.OrderBy(e => e.Key, StringComparer.Ordinal))
            text.Append("secret:").Append(key).Append('=').Append(secret.FromEnv ?? secret.FromFile).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..12];
    }
}

/// <summary>What an image is built with besides the code: the Dockerfile's content and the build args.</summary>
public static class BuildRecipe
{
    public static string Of(AppManifest app)
    {
        var text = new StringBuilder(File.Exists(app.Build.Dockerfile) ? File.ReadAllText(app.Build.Dockerfile) : "");
        foreach (var (key, value) in app.Build.Args.OrderBy(a => a.Key, StringComparer.Ordinal))
            text.Append("\narg:").Append(key).Append('=').Append(value);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..12];
    }
}
