using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

using Slipway.Edge.Contract;

namespace Slipway.Edge;

/// <summary>
/// Watches every route's canary, twice a second, and ends it as <see cref="CanaryJudge"/> decides. The edge judges, not the
/// CLI: a canary ends on time even when the <c>up</c> that started it was killed, and is judged again after an edge restart
/// (from that restart's counts). On a cluster's other edges a canary follows its leader's decision (<see cref="CanaryFollowing"/>),
/// and is judged here only when the leader is out of reach past the canary's time.
/// </summary>
internal sealed class CanaryWatch(RouteTable routes, RolloutController rollout, CanarySplit split, ClusterGates leaders, TimeProvider time,
    ILogger<CanaryWatch> log) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Interval, time, stoppingToken);
                foreach (var route in routes.Routes.Where(r => r.Canary is not null))
                {
                    var verdict = await VerdictAsync(route, stoppingToken);
                    if (verdict.Outcome is not null)
                        await rollout.EndCanaryAsync(route.App, route.Canary!.StartedAt, verdict.Outcome == CanaryOutcomes.Promoted, verdict.Reason,
                            stoppingToken);
                }
                split.Retain(routes.Routes);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                log.LogError(e, "judging the canaries failed; trying again");
            }
        }
    }

    private async Task<CanaryVerdict> VerdictAsync(EdgeRoute route, CancellationToken ct)
    {
        var canary = route.Canary!;
        if (canary.Policy.Leader is { } leader)
        {
            var (reached, leaderRoute) = await leaders.RouteAsync(leader, route.App, ct); // bounded by ClusterGates.Timeout
            if (CanaryFollowing.Decide(canary, reached, leaderRoute, time.GetUtcNow()) is { } followed) return followed;
            log.LogWarning("canary {App}: the edge that judges it ({Leader}) has not answered since its time was up; judging this edge's own traffic",
                route.App, leader);
        }
        var (figures, stable) = rollout.Figures(route);
        return CanaryJudge.Judge(canary, figures, stable, time.GetUtcNow());
    }
}

/// <summary>Each canary's counters as they were when it started, so its figures count only what it was judged on.</summary>
internal sealed class CanaryBaselines(TrafficMetrics metrics)
{
    private readonly ConcurrentDictionary<(string App, DateTimeOffset Started), (TrafficSnapshot? Canary, TrafficSnapshot? Stable)> _baselines = new();

    public void Begin(EdgeRoute route)
    {
        var snapshot = metrics.Snapshot();
        _baselines[(route.App, route.Canary!.StartedAt)] = (Find(snapshot, route.App, route.Canary.Version), Find(snapshot, route.App, route.Version));
    }

    public (CanaryFigures Canary, CanaryFigures Stable) Figures(EdgeRoute route)
    {
        if (route.Canary is not { } canary) return (CanaryFigures.None, CanaryFigures.None);
        var snapshot = metrics.Snapshot();
        // No baseline: the edge restarted during the canary, and its counters started from zero.
        var (canaryBase, stableBase) = _baselines.GetValueOrDefault((route.App, canary.StartedAt));
        return (CanaryJudge.Between(canaryBase, Find(snapshot, route.App, canary.Version)),
            CanaryJudge.Between(stableBase, Find(snapshot, route.App, route.Version)));
    }

    public void End(EdgeRoute route) => _baselines.TryRemove((route.App, route.Canary!.StartedAt), out _);

    private static TrafficSnapshot? Find(IEnumerable<TrafficSnapshot> snapshot, string app, string version) =>
        snapshot.FirstOrDefault(s => s.App == app && s.Version == version);
}
