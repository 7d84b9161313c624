using Microsoft.Extensions.Logging;
namespace Slipway.Edge;

/// <summary>
/// A deploy as a load balancer gates it: health-check the new targets, swap them in atomically,
/// then drain the old ones. If any new target fails its check, nothing changes and the old release keeps serving.
/// </summary>
public sealed class RolloutController(RouteTable routes, HealthGate gate, Drainer drainer, TimeProvider time,
    ILogger<RolloutController> log)
{
    public async Task<(DeployOutcome? Outcome, EdgeError? Error)> DeployAsync(string app, DeployArgs args, CancellationToken ct)
    {
        if (args.Targets.Count == 0)
            return (null, new EdgeError(EdgeErrors.InvalidRequest, "a deploy needs at least one target"));
        if (routes.Conflict(app, args.Port, args.Host, args.MetricsPort) is { } conflict)
            return (null, conflict);

        log.LogInformation("deploy {App} {Version}: checking {Count} target(s)", app, args.Version, args.Targets.Count);
        var failures = await gate.WaitHealthyAsync(args.Targets, args.Health, args.HealthTimeout, ct);
        if (failures.Count > 0)
        {
            log.LogWarning("deploy {App} {Version} rejected: {Reason}", app, args.Version, failures[0].LastError);
            return (null, new EdgeError(EdgeErrors.TargetFailedToBecomeHealthy,
                $"{failures.Count} of {args.Targets.Count} target(s) did not become healthy within {Common.Duration.Format(args.HealthTimeout)}",
                failures));
        }

        // Past this point the cut-over completes even if the caller goes away: a half-applied swap is worse than either state.
        ct.ThrowIfCancellationRequested();
        var route = new EdgeRoute(app, args.Version, args.Port, args.Host, args.Targets, args.Health, time.GetUtcNow(), MetricsPort: args.MetricsPort);
        var (previous, retired) = await routes.SwapAsync(route, CancellationToken.None);
        log.LogInformation("deploy {App}: {Old} -> {New}, draining {Count} target(s)", app, previous?.Version ?? "(none)", args.Version, retired.Count);
        var drained = await drainer.DrainAsync(retired, args.DrainTimeout, CancellationToken.None);
        return (new DeployOutcome(route, previous?.Version, retired.Count, !drained), null);
    }

    public async Task<(EdgeRoute? Removed, bool Drained)> RemoveAsync(string app, TimeSpan drainTimeout, CancellationToken ct)
    {
        var (removed, retired) = await routes.RemoveAsync(app, ct);
        var drained = await drainer.DrainAsync(retired, drainTimeout, CancellationToken.None);
        return (removed, drained);
    }
}
