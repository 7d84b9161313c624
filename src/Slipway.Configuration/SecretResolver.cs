using Slipway.Foundation;

namespace Slipway.Configuration;

/// <summary>
/// Reads secret values at deploy time. Errors name the secret and its source, never the value. Secrets
/// <c>fromSsm</c> are not read here: ECS reads them from the user's parameter when a task starts.
/// </summary>
public static class SecretResolver
{
    public static IReadOnlyDictionary<string, string> Resolve(AppManifest app, Func<string, string?> environment) =>
        Resolve(app.Secrets, environment, "secrets");

    /// <param name="key">Where the secrets are declared, for errors (<c>secrets</c>, <c>accessories.db.secrets</c>).</param>
    public static IReadOnlyDictionary<string, string> Resolve(IReadOnlyDictionary<string, SecretSpec> secrets, Func<string, string?> environment, string key)
    {
        var values = new Dictionary<string, string>();
        foreach (var (name, secret) in secrets)
        {
            if (secret.FromEnv is { } variable)
            {
                values[name] = environment(variable)
                    ?? throw new SlipwayException(ErrorCode.ManifestInvalid,
                        $"{key}.{name}: environment variable {variable} is not set", $"export {variable}=... before running slipway");
            }
            else if (secret.FromFile is { } file)
            {
                if (!File.Exists(file))
                    throw new SlipwayException(ErrorCode.ManifestInvalid, $"{key}.{name}: no file at {file}",
                        "create it, and keep it out of git");
                values[name] = File.ReadAllText(file).TrimEnd('\r', '\n');
            }
        }
        foreach (var (name, value) in values)
        {
            if (value.Contains('\0'))
                throw new SlipwayException(ErrorCode.ManifestInvalid,
                    $"{key}.{name}: the value holds a NUL byte, which no environment variable can carry",
                    $"remove it from {Source(secrets[name])}");
        }
        return values;
    }

    /// <summary>Every value that can be read now, the accessories' too, for hiding them in output; reads nothing that fails.</summary>
    public static IEnumerable<string> Readable(AppManifest app, Func<string, string?> environment) =>
        Readable(app.Secrets.Values, environment).Concat(app.Accessories.SelectMany(a => Readable(a.Secrets.Values, environment)));

    private static IEnumerable<string> Readable(IEnumerable<SecretSpec> secrets, Func<string, string?> environment)
    {
        foreach (var secret in secrets)
        {
            string? value = null;
            try
            {
                value = secret.FromEnv is { } variable ? environment(variable)
                    : secret.FromFile is { } file && File.Exists(file) ? File.ReadAllText(file).TrimEnd('\r', '\n') : null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
            if (value is not null) yield return value;
        }
    }

    private static string Source(SecretSpec secret) =>
        secret.FromEnv is { } variable ? $"the environment variable {variable}"
        : secret.FromFile is { } file ? $"the file {file}" : $"the SSM parameter {secret.FromSsm}";
}
