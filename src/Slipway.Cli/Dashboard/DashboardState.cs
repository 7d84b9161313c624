using System.Text.Json;
using Slipway.Platforms;

namespace Slipway.Cli.Dashboard;

/// <param name="Platforms">Each platform's one line (e.g. "local: edge running").</param>
public sealed record DashboardSnapshot(IReadOnlyList<DeploymentOverview> Apps, IReadOnlyList<string> Platforms);

/// <summary>
/// What this machine can see of its apps, read through every registered platform: the local one's edge routes, release
/// history and locks at every read; the aws one's shared state table (every machine's deploys) as often as it allows.
/// </summary>
public sealed class DashboardState(PlatformCatalog platforms, PlatformContext context)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (PlatformOverview Overview, long At)> _read = new();

    public async Task<DashboardSnapshot> ReadAsync(CancellationToken ct)
    {
        var overviews = await Task.WhenAll(platforms.Modules.Select(m => OverviewAsync(m, ct)));
        return new DashboardSnapshot(
            overviews.SelectMany(o => o.Apps).OrderBy(a => a.App, StringComparer.Ordinal).ThenBy(a => a.Environment, StringComparer.Ordinal).ToList(),
            overviews.Select(o => $"{o.Platform}: {o.Status}").ToList());
    }

    private async Task<PlatformOverview> OverviewAsync(IPlatformModule module, CancellationToken ct)
    {
        if (_read.TryGetValue(module.Name, out var last) && context.Time.GetElapsedTime(last.At) < module.OverviewEvery) return last.Overview;
        var overview = await module.OverviewAsync(context, ct);
        _read[module.Name] = (overview, context.Time.GetTimestamp());
        return overview;
    }

    public static string Json(DashboardSnapshot snapshot) => JsonSerializer.Serialize(snapshot, CliLineJson.Default.DashboardSnapshot);
}
