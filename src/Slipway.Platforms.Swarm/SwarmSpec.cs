using Slipway.Configuration;

namespace Slipway.Platforms.Swarm;

/// <summary>The manifest's <c>swarm:</c> settings.</summary>
/// <param name="Registry">Where images go and every node pulls from: <c>host[:port][/path]</c>; null when the section is absent.</param>
public sealed record SwarmSpec(string? Registry = null)
{
    public SwarmSpec() : this((string?)null) { }
}

/// <summary>Reads and validates the <c>swarm:</c> section.</summary>
public static class SwarmManifestSection
{
    private static readonly System.Text.RegularExpressions.Regex RegistryPattern =
        new(@"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(/[a-z0-9._-]+)*$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    public static SwarmSpec Read(MappingReader? section)
    {
        if (section is null) return new SwarmSpec();
        var registry = section.OptionalString("registry");
        if (registry is not null && !RegistryPattern.IsMatch(registry.Value))
            throw ManifestLoader.Invalid(section.File, registry.Line, "swarm.registry", $"\"{registry.Value}\" is not a registry address",
                "give host[:port] as the nodes reach it, e.g. registry.example.com or 10.0.0.2:5000");
        section.RejectUnknownKeys();
        return new SwarmSpec(registry?.Value);
    }
}

/// <summary>The manifest's <c>swarm:</c> settings of an app.</summary>
public static class SwarmManifest
{
    public static SwarmSpec Swarm(this AppManifest app) => app.SettingsOf<SwarmSpec>(SwarmModule.PlatformName);
}
