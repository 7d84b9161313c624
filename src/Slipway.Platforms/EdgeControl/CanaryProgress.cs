using Slipway.Foundation;
using Slipway.Foundation.Timing;
using Slipway.Edge.Contract;
using Slipway.Platforms.EdgeControl;
using Slipway.Foundation.Output;

namespace Slipway.Platforms.EdgeControl;

/// <summary>
/// Follows a canary the edge judges until it ends, with a line of figures now and then. The edge decides; if it has not
/// within a grace period after the canary's time, or this run is interrupted, the canary is aborted from here, so an
/// interrupted <c>up</c> leaves the serving release serving every request.
/// </summary>
public sealed class CanaryProgress(EdgeClient edge, TimeProvider time)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    public async Task<CanaryResult> WaitAsync(string app, EdgeCanary canary, IStageLog log, CancellationToken ct)
    {
        var nextReport = time.GetUtcNow() + ReportInterval;
        try
        {
            while (true)
            {
                await Task.Delay(PollInterval, time, ct);
                var route = (await edge.RouteAsync(app, ct))?.Route
                    ?? throw new SlipwayException(ErrorCode.CanaryAborted, $"canary {canary.Version} ended with the app's route: it was removed",
                        "deploy it again with slipway up");
                if (route.Canary?.StartedAt != canary.StartedAt)
                    return route.LastCanary is { } result && result.StartedAt == canary.StartedAt
                        ? result
                        : throw new SlipwayException(ErrorCode.CanaryAborted, $"canary {canary.Version} was replaced by another deploy of {app}",
                            "see slipway status; one deploy at a time is what the app lock is for");
                var now = time.GetUtcNow();
                if (now >= canary.EndsAt + Grace)
                {
                    if (await edge.EndCanaryAsync(app, promote: false, CancellationToken.None) is { } late) return late;
                    continue;
                }
                if (now >= nextReport)
                {
                    nextReport = now + ReportInterval;
                    log.Info($"canary {canary.Version}: {Duration.Format(canary.EndsAt - now < TimeSpan.Zero ? TimeSpan.Zero : canary.EndsAt - now)} left; "
                        + Describe(await FiguresAsync(app, route, ct)));
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await edge.EndCanaryAsync(app, promote: false, CancellationToken.None);
            throw;
        }
    }

    private async Task<(TrafficRate Canary, TrafficRate Stable)> FiguresAsync(string app, EdgeRoute route, CancellationToken ct)
    {
        var metrics = (await edge.MetricsAsync(ct)).Where(m => m.App == app).ToList();
        TrafficRate Of(string version) => metrics.FirstOrDefault(m => m.Version == version) is { } m
            ? new TrafficRate(version, m.LastMinuteRequests, m.LastMinuteErrors) : new TrafficRate(version, 0, 0);
        return (Of(route.Canary!.Version), Of(route.Version));
    }

    private static string Describe((TrafficRate Canary, TrafficRate Stable) figures) =>
        $"last minute {figures.Canary.Requests} request(s), {Percent.Format(figures.Canary.ErrorRate ?? 0)} 5xx (serving {figures.Stable.Version}: "
        + $"{figures.Stable.Requests}, {Percent.Format(figures.Stable.ErrorRate ?? 0)} 5xx)";
}
