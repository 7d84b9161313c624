using Slipway.Cli;
using Slipway.Configuration;

namespace Slipway.Tests.Support;

/// <summary>Manifests as the program loads them: with the platforms it ships.</summary>
public static class Manifests
{
    public static AppManifest Parse(string yaml, string manifestPath, string environment = "local") =>
        ManifestLoader.Parse(yaml, manifestPath, environment, BuiltInPlatforms.Catalog.Manifests);

    public static AppManifest Load(string path, string environment = "local") =>
        ManifestLoader.Load(path, environment, BuiltInPlatforms.Catalog.Manifests);
}
