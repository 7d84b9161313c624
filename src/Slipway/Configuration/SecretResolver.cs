using Slipway.Common;

namespace Slipway.Configuration;

/// <summary>Reads secret values at deploy time. Errors name the secret and its source, never the value.</summary>
public static class SecretResolver
{
    public static IReadOnlyDictionary<string, string> Resolve(AppManifest app, Func<string, string?> environment)
    {
        var values = new Dictionary<string, string>();
        foreach (var (name, secret) in app.Secrets)
        {
            if (secret.FromEnv is { } variable)
            {
                values[name] = environment(variable)
                    ?? throw new SlipwayException(ErrorCode.ManifestInvalid,
                        $"secrets.{name}: environment variable {variable} is not set", $"export {variable}=... before running slipway");
            }
            else if (secret.FromFile is { } file)
            {
                if (!File.Exists(file))
                    throw new SlipwayException(ErrorCode.ManifestInvalid, $"secrets.{name}: no file at {file}",
                        "create it, and keep it out of git");
                values[name] = File.ReadAllText(file).TrimEnd('\r', '\n');
            }
        }
        return values;
    }
}
