using System.Text.Json;
using Slipway.Platforms;

namespace Slipway.Cli.Dashboard;

/// <param name="Platforms">Each platform's one line (e.g. "local: edge running").</param>
public sealed record DashboardSnapshot(IReadOnlyList<DeploymentOverview> Apps, IReadOnlyList<string> Platforms);

/// <summary>
/// What this machine can see of its apps, read fresh each time through every registered platform: the local one's edge
/// routes, release history and locks; the aws one's shared state table (every machine's deploys).
/// </summary>
public sealed class DashboardState(PlatformCatalog platforms, PlatformContext context)
{
    public async Task<DashboardSnapshot> ReadAsync(CancellationToken ct)
    {
        var overviews = await Task.WhenAll(platforms.Modules.Select(m => m.OverviewAsync(context, ct)));
        return new DashboardSnapshot(
            overviews.SelectMany(o => o.Apps).OrderBy(a => a.App, StringComparer.Ordinal).ThenBy(a => a.Environment, StringComparer.Ordinal).ToList(),
            overviews.Select(o => $"{o.Platform}: {o.Status}").ToList());
    }

    public static string Json(DashboardSnapshot snapshot) => JsonSerializer.Serialize(snapshot, JsonOptions);

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
}
