using Slipway.Configuration;
using Slipway.Foundation.Output;

namespace Slipway.Platforms;

/// <summary>A platform that runs the manifest's release command in a new version's image before any of its replicas takes traffic.</summary>
public interface IReleasePhase
{
    /// <summary>Runs <c>release.command</c> once for <paramref name="version"/>; throws when it fails or runs out of time.</summary>
    Task RunReleaseCommandAsync(AppManifest app, string version, IStageLog log, CancellationToken ct);
}
