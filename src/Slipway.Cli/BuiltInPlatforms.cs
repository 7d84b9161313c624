using Slipway.Platforms;
using Slipway.Platforms.Aws;
using Slipway.Platforms.Local;
using Slipway.Platforms.Swarm;

namespace Slipway.Cli;

/// <summary>The platforms this program ships, registered here and nowhere else. The first is the default environment's.</summary>
public static class BuiltInPlatforms
{
    public static PlatformCatalog Catalog { get; } = new([new LocalModule(), new AwsModule(), new SwarmModule()]);
}
