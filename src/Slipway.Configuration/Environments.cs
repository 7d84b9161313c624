using Slipway.Foundation;
using YamlDotNet.RepresentationModel;

namespace Slipway.Configuration;

/// <summary>
/// Resolves <c>-e NAME</c>: the environment every platform has, named after it, or an entry of <c>environments:</c>, whose
/// keys override the top-level ones (mappings merged key by key, so <c>env:</c> adds to and replaces variables).
/// The merge happens on the YAML itself, so validation errors still name the line where a value was written.
/// </summary>
public static class Environments
{
    /// <summary>The environment that asks before changes unless it says <c>protected: false</c>.</summary>
    public const string ProtectedByDefault = "production";

    public static (YamlMappingNode Merged, EnvironmentSpec Selected) Select(YamlMappingNode root, string name, string file,
        IReadOnlyList<IPlatformManifest> platforms)
    {
        IPlatformManifest? PlatformNamed(string? platformName) => platforms.FirstOrDefault(p => p.Name == platformName);
        var declared = root.Children.TryGetValue(new YamlScalarNode("environments"), out var node) ? node : null;
        if (declared is not null and not YamlMappingNode)
            throw ManifestLoader.Invalid(file, declared.Start.Line, "environments", "must be a mapping of environment names");
        var environments = (YamlMappingNode?)declared;

        if (environments?.Children.TryGetValue(new YamlScalarNode(name), out var chosen) != true)
        {
            if (PlatformNamed(name) is { } builtIn) return (root, new EnvironmentSpec { Name = name, Platform = builtIn.Name, Protected = false });
            var known = platforms.Select(p => p.Name).Concat(environments?.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value!) ?? []).Distinct();
            throw new SlipwayException(ErrorCode.PlatformNotAvailable, $"--environment: unknown environment \"{name}\"",
                $"use one of: {string.Join(", ", known)} (declare others under environments: in the manifest)");
        }
        if (chosen is YamlScalarNode { Value: null or "" }) chosen = new YamlMappingNode();
        if (chosen is not YamlMappingNode overrides)
            throw ManifestLoader.Invalid(file, chosen!.Start.Line, $"environments.{name}", "must be a mapping of settings to override");

        // A declared environment runs where its platform: says, else on the platform it is named after, else the first one.
        var platform = (PlatformNamed(name) ?? platforms[0]).Name;
        var isProtected = name == ProtectedByDefault;
        var merged = new YamlMappingNode();
        foreach (var (key, value) in root.Children) merged.Add(key, value);
        foreach (var (key, value) in overrides.Children)
        {
            var keyName = ((YamlScalarNode)key).Value;
            switch (keyName)
            {
                case "platform":
                    var platformName = (value as YamlScalarNode)?.Value ?? "";
                    platform = PlatformNamed(platformName)?.Name
                        ?? throw ManifestLoader.Invalid(file, value.Start.Line, $"environments.{name}.platform", $"\"{platformName}\" is not a platform",
                            $"use one of: {string.Join(", ", platforms.Select(p => p.Name))}");
                    break;
                case "protected":
                    if (!bool.TryParse((value as YamlScalarNode)?.Value, out isProtected))
                        throw ManifestLoader.Invalid(file, value.Start.Line, $"environments.{name}.protected", "must be true or false");
                    break;
                case "app" or "source" or "environments":
                    throw ManifestLoader.Invalid(file, key.Start.Line, $"environments.{name}.{keyName}", "cannot be overridden per environment",
                        "an environment changes how the same app runs, not which app it is");
                default:
                    merged.Children[key] = merged.Children.TryGetValue(key, out var base_) && base_ is YamlMappingNode baseMap && value is YamlMappingNode overMap
                        ? Merge(baseMap, overMap) : value;
                    break;
            }
        }
        // An entry named after a platform overrides that platform's own environment: the app keeps its plain name.
        return (merged, new EnvironmentSpec { Name = name, Platform = platform, Protected = isProtected, IsDeclared = PlatformNamed(name) is null });
    }

    private static YamlMappingNode Merge(YamlMappingNode baseMap, YamlMappingNode overrides)
    {
        var merged = new YamlMappingNode();
        foreach (var (key, value) in baseMap.Children) merged.Add(key, value);
        foreach (var (key, value) in overrides.Children) merged.Children[key] = value;
        return merged;
    }
}
