using Slipway.Configuration;
using Slipway.Platforms;
using Slipway.Source;

namespace Slipway.Pipeline;

public sealed record PlanResult(string App, string Platform, string Version, string? ServingVersion, bool Build, bool Deploy,
    IReadOnlyList<string> Infrastructure);

/// <summary>What <c>up</c> would do (infrastructure changes, build or not, rollout from which version to which), changing nothing.</summary>
public sealed class PlanPipeline(IPlatform platform, AppSecrets secrets, SourceResolver sources)
{
    public async Task<PlanResult> RunAsync(AppManifest app, CancellationToken ct)
    {
        app.Build.EnsureDockerfileExists();
        var snapshot = await sources.ResolveAsync(app.App, app.Source, ct);
        var infrastructure = await platform.PlanInfrastructureAsync(app, ct);
        var status = await platform.GetStatusAsync(app, ct);
        var serves = status.Serves(app, snapshot.Version, secrets, platform.TraitsOf(app));
        var build = !serves && !await platform.HasImageAsync(app, snapshot.Version, ct);
        return new PlanResult(app.App, platform.Name, snapshot.Version, status.Version, build, !serves, infrastructure);
    }
}
