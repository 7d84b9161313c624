using System.Security.Cryptography;
using System.Text;

namespace Slipway.Configuration;

/// <summary>
/// An app's secret values, read once per command: the input check, the release fingerprint, the containers'
/// environment and the redactor all see the same values, and the slow fingerprint digest is derived once.
/// </summary>
public sealed class AppSecrets(AppManifest app, Func<string, string?> environment)
{
    private IReadOnlyDictionary<string, string>? _values;
    private IReadOnlyList<string>? _readable;
    private string? _digest;

    /// <summary>Every secret a release needs, by name; throws, naming the secret and never a value, when one cannot be read.</summary>
    public IReadOnlyDictionary<string, string> Values => _values ??= SecretResolver.Resolve(app, environment);

    /// <summary>Every value that can be read now, the accessories' too, for hiding them in output; fails on none.</summary>
    public IReadOnlyList<string> Readable => _readable ??= OwnReadable.Concat(SecretResolver.Readable(app with { Secrets = new Dictionary<string, SecretSpec>() }, environment)).ToList();

    /// <summary>The app's own readable values (not its accessories'), read once.</summary>
    private IReadOnlyList<string> OwnReadable => _values?.Values.ToList() ?? (_ownReadable ??= SecretResolver.Readable(app with { Accessories = [] }, environment).ToList());
    private IReadOnlyList<string>? _ownReadable;

    /// <summary>The salted, slow digest of the app's readable values that enters a release's fingerprint (an accessory's are its own).</summary>
    public string Digest => _digest ??= SecretDigest(app.App, OwnReadable);

    /// <summary>One accessory's secrets, by name; throws, naming the secret and never a value, when one cannot be read.</summary>
    public IReadOnlyDictionary<string, string> ValuesOf(AccessorySpec accessory) =>
        SecretResolver.Resolve(accessory.Secrets, environment, $"accessories.{accessory.Name}.secrets");

    /// <summary>The app's env with the secrets it composes (<c>${NAME}</c>) filled in.</summary>
    public Dictionary<string, string> ExpandedEnv => EnvTemplate.Expand(app.Env, Values);

    /// <summary>What a test or a command without secrets passes: the app's secrets read from no environment.</summary>
    public static AppSecrets None(AppManifest app) => new(app, _ => null);

    /// <summary>PBKDF2 over the values, salted by the app: cheap once per run, costly to search a secret with.</summary>
    public static string SecretDigest(string app, IReadOnlyList<string> values)
    {
        if (values.Count == 0) return "";
        var joined = Encoding.UTF8.GetBytes(string.Join('\0', values));
        return Convert.ToHexStringLower(Rfc2898DeriveBytes.Pbkdf2(joined, Encoding.UTF8.GetBytes("slipway-fingerprint:" + app), 100_000,
            HashAlgorithmName.SHA256, 16));
    }
}
