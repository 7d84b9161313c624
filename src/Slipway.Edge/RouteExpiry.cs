using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Slipway.Edge;

/// <summary>
/// Removes each route whose time is up (a preview environment's, its TTL counted from its last deploy), draining it as a
/// destroy does; the scheduler removes what the preview left on the engine. Decided on the edge's clock, with no CLI.
/// </summary>
internal sealed class RouteExpiry(RouteTable routes, RolloutController rollout, TimeProvider time, ILogger<RouteExpiry> log) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Drain = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Interval, time, stoppingToken);
                await RemoveExpiredAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                log.LogError(e, "removing expired routes failed; trying again");
            }
        }
    }

    /// <summary>One pass: every route past its expiry removed; returns their apps.</summary>
    public async Task<IReadOnlyList<string>> RemoveExpiredAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var expired = routes.Routes.Where(r => r.ExpiresAt is { } at && at <= now).Select(r => r.App).ToList();
        foreach (var app in expired)
        {
            log.LogInformation("route {App} expired: removing it", app);
            await rollout.RemoveAsync(app, Drain, ct);
        }
        return expired;
    }
}
