namespace Slipway.Configuration;

/// <summary>
/// What the manifest knows of a platform: its name (the environment named after it, and <c>platform:</c> in a declared
/// one) and its own section of settings, validated when the manifest loads so a typo is an error that names the key.
/// </summary>
public interface IPlatformManifest
{
    /// <summary>The platform's name in the manifest, <c>-e</c>, the output and history.</summary>
    string Name { get; }

    /// <summary>Its top-level manifest key (e.g. <c>aws</c>); null: it has no settings of its own.</summary>
    string? Section { get; }

    /// <summary>Reads and validates its section (null when the manifest has none) into its settings record, defaults included.</summary>
    object ReadSection(MappingReader? section);

    /// <summary>Whether its replicas can read a secret from an SSM parameter themselves (<c>secrets.X.fromSsm</c>).</summary>
    bool ReadsSsmParameters => false;

    /// <summary>
    /// Its settings for a preview environment derived from an environment with <paramref name="settings"/>: whatever must not be
    /// shared with the base (a name of its own, say); <paramref name="host"/> is the preview's host name, when previews have one.
    /// </summary>
    object ForPreview(object settings, PreviewInfo preview, string? host) => settings;
}
