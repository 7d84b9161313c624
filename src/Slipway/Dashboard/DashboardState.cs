using System.Text.Json;
using Slipway.Common;
using Slipway.Configuration;
using Slipway.EdgeControl;
using Slipway.History;

namespace Slipway.Dashboard;

/// <summary>One release in an app's history, as the dashboard shows it.</summary>
public sealed record DashboardRelease(string Action, string? Version, string Result, DateTimeOffset StartedAt, double? Seconds, string User, string Host, string? Error);

/// <summary>One replica behind the edge and its health.</summary>
public sealed record DashboardReplica(string Id, string Health, int InFlight);

/// <summary>An app in one environment: where it serves, what, how healthy, who is changing it, what happened to it.</summary>
/// <param name="Canary">A release taking a share of the requests beside <paramref name="Version"/>; null: none.</param>
public sealed record DashboardApp(string App, string Environment, string Platform, string? Url, string? Version, DateTimeOffset? DeployedAt,
    IReadOnlyList<DashboardReplica> Replicas, bool Maintenance, LockHolder? InProgress, IReadOnlyList<DashboardRelease> Releases,
    DashboardCanary? Canary = null);

/// <summary>A canary in progress: its version and its share of the requests.</summary>
public sealed record DashboardCanary(string Version, int Percent);

public sealed record DashboardSnapshot(IReadOnlyList<DashboardApp> Apps, bool EdgeRunning);

/// <summary>
/// What this machine knows about its apps, read fresh each time: the edge's routes (what serves, and how healthy),
/// the release history (every app and environment deployed from here, aws ones included), and the deploy locks
/// (a run in progress, and whose).
/// </summary>
public sealed class DashboardState(StateDirectory state, EdgeClient edge)
{
    public async Task<DashboardSnapshot> ReadAsync(CancellationToken ct)
    {
        var edgeUp = await edge.InfoAsync(ct) is not null;
        var routes = edgeUp ? (await edge.RoutesAsync(ct)).ToDictionary(r => r.Route.App) : [];
        var log = new SqliteReleaseLog(state);
        var known = await log.AppsAsync(ct);
        var apps = new List<DashboardApp>();
        var local = PlatformKind.Local.Name(); // the edge's routes are the local environment's
        foreach (var (app, environment, platform) in known.Union(routes.Keys.Select(a => (a, local, local)))
                     .DistinctBy(a => (a.Item1, a.Item2)).OrderBy(a => a.Item1, StringComparer.Ordinal).ThenBy(a => a.Item2, StringComparer.Ordinal))
        {
            var releases = (await log.ListAsync(app, environment, 5, ct))
                .Select(r => new DashboardRelease(r.Action, r.Version, r.Result, r.StartedAt, r.Duration?.TotalSeconds, r.User, r.Host, r.Error)).ToList();
            var route = PlatformKinds.Parse(platform) == PlatformKind.Local && routes.TryGetValue(app, out var found) ? found : null;
            var (held, holder) = AppLock.Inspect(state, app, environment);
            apps.Add(new DashboardApp(app, environment, platform,
                route is null ? null : $"{(route.Route.Tls is null ? "http" : "https")}://{route.Route.Host ?? "127.0.0.1"}:{route.Route.Port}/",
                route?.Route.Version ?? releases.FirstOrDefault(r => r.Result == "succeeded" && r.Action != "destroy")?.Version,
                route?.Route.DeployedAt,
                route?.Targets.Select(t => new DashboardReplica(t.Id, t.Health, t.InFlight)).ToList() ?? [],
                route?.Route.Maintenance is not null, held ? holder : null, releases,
                route?.Route.Canary is { } canary ? new DashboardCanary(canary.Version, canary.Policy.Percent) : null));
        }
        return new DashboardSnapshot(apps, edgeUp);
    }

    public static string Json(DashboardSnapshot snapshot) => JsonSerializer.Serialize(snapshot, JsonOptions);

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
}
