using System.Security.Cryptography;
using System.Text;
using Slipway.Configuration;
using Slipway.Engine;
using Slipway.Foundation;

namespace Slipway.Platforms.Swarm;

/// <summary>
/// An app's secrets as Swarm secrets: one per secret and release fingerprint (a Swarm secret cannot change, so a new value
/// is a new secret with a new name), read by the release's tasks as files and exported into their environment by a small
/// shell wrapper before the image's own program starts. No value is ever in a service's spec, labels or the CLI's output.
/// </summary>
public sealed class SwarmSecrets(DockerEngine engine)
{
    public const string Label = "slipway.swarm.secret";
    private const int MaxName = 64; // Swarm's limit on a secret's name

    /// <summary>The secret's name: readable when it fits, else a digest of what identifies it.</summary>
    public static string SecretName(AppManifest app, string version, string fingerprint, string secret)
    {
        var readable = $"{app.App}-{version}-{fingerprint[..Math.Min(8, fingerprint.Length)]}-{secret}";
        if (readable.Length <= MaxName) return readable;
        var hashed = $"slipway-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(readable)))[..24]}-{secret}";
        return hashed.Length <= MaxName ? hashed : hashed[..MaxName];
    }

    /// <summary>
    /// Pure: the program a release's tasks run: <c>sh</c> exports each secret from its file, then execs the image's own
    /// ENTRYPOINT and CMD unchanged. Secret names are environment variable names (the manifest allows no other), so the
    /// script quotes nothing it did not write.
    /// </summary>
    public static IReadOnlyList<string> Entrypoint(IEnumerable<string> secrets, IReadOnlyList<string> entrypoint, IReadOnlyList<string> command)
    {
        if (secrets.FirstOrDefault(name => !System.Text.RegularExpressions.Regex.IsMatch(name, "^[A-Za-z_][A-Za-z0-9_]*$")) is { } odd)
            throw new ArgumentException($"{odd} is not a variable name", nameof(secrets));
        var exports = string.Concat(secrets.Order(StringComparer.Ordinal).Select(name => $"{name}=\"$(cat /run/secrets/{name})\" && export {name} && "));
        return ["/bin/sh", "-c", exports + "exec \"$@\"", "slipway-secrets", .. entrypoint, .. command];
    }

    /// <summary>Creates the release's secrets that do not exist yet; returns them as the service's references.</summary>
    public async Task<IReadOnlyList<SecretReference>> EnsureAsync(AppManifest app, string version, string fingerprint,
        IReadOnlyDictionary<string, string> values, CancellationToken ct)
    {
        var existing = (await engine.ListSecretsAsync(ReleaseLabels.ForApp(app.App), ct)).ToDictionary(s => s.Name, s => s.Id);
        var references = new List<SecretReference>();
        foreach (var (secret, value) in values.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            var name = SecretName(app, version, fingerprint, secret);
            var id = existing.GetValueOrDefault(name) ?? await engine.CreateSecretAsync(name, Encoding.UTF8.GetBytes(value),
                new Dictionary<string, string>(ReleaseLabels.ForRelease(app, version)) { [Label] = secret }, ct);
            references.Add(new SecretReference(id, name, secret));
        }
        return references;
    }

    /// <summary>Removes the app's secrets no service of it uses any more (those of removed releases, or of a value replaced).</summary>
    public async Task<IReadOnlyList<string>> RemoveUnusedAsync(AppManifest app, IReadOnlyList<SwarmService> services, CancellationToken ct)
    {
        var used = services.SelectMany(s => s.Spec["TaskTemplate"]?["ContainerSpec"]?["Secrets"]?.AsArray() ?? [])
            .Select(r => r?["SecretID"]?.GetValue<string>()).OfType<string>().ToHashSet();
        var removed = new List<string>();
        foreach (var (id, name, _) in await engine.ListSecretsAsync(ReleaseLabels.ForApp(app.App), ct))
        {
            if (used.Contains(id)) continue;
            try
            {
                await engine.RemoveSecretAsync(id, ct);
                removed.Add(name);
            }
            catch (EngineApiException e) when (e.Message.Contains("in use", StringComparison.OrdinalIgnoreCase))
            {
                // a service made meanwhile uses it: the next run removes it once unused
            }
        }
        return removed;
    }

    /// <summary>The image's program, for the wrapper; a release with secrets needs an image the manager has (it built it).</summary>
    public async Task<(IReadOnlyList<string> Entrypoint, IReadOnlyList<string> Command)> ProgramOfAsync(string image, CancellationToken ct) =>
        await engine.ImageProgramAsync(image, ct) ?? throw new SlipwayException(ErrorCode.VersionNotAvailable,
            $"the image {image} is not on the manager, and its program is needed to hand the secrets to it", "run slipway up (it builds the image) again");
}
