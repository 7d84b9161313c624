using Microsoft.Extensions.Logging;
using Slipway.Edge.Contract;

namespace Slipway.Edge;

/// <summary>
/// A deploy as a load balancer gates it: health-check the new targets, swap them in atomically,
/// then drain the old ones. If any new target fails its check, nothing changes and the old release keeps serving.
/// </summary>
internal sealed class RolloutController(RouteTable routes, HealthGate gate, Drainer drainer, CertificateStore certificates, CanaryBaselines baselines,
    TimeProvider time, ILogger<RolloutController> log)
{
    public async Task<(DeployOutcome? Outcome, EdgeError? Error)> DeployAsync(string app, DeployArgs args, CancellationToken ct)
    {
        if (args.Targets.Count == 0)
            return (null, new EdgeError(EdgeErrors.InvalidRequest, "a deploy needs at least one target"));
        var tlsAsked = args.Tls ?? (args.TlsIssuer is { } issuer ? new EdgeTls("", "", issuer.RedirectFrom) : null);
        if (routes.Conflict(app, args.Port, args.Host, args.MetricsPort, tlsAsked, args.Listen) is { } conflict)
            return (null, conflict);
        if (args.Canary is { } policy && CanaryRefusal(routes.Find(app), args, policy) is { } refusal)
            return (null, new EdgeError(EdgeErrors.CanaryRefused, refusal));
        var (tls, tlsError) = await certificates.PrepareAsync(app, args, routes.Find(app), ct);
        if (tlsError is not null) return (null, tlsError);

        log.LogInformation("deploy {App} {Version}: checking {Count} target(s)", app, args.Version, args.Targets.Count);
        var failures = await gate.WaitHealthyAsync(args.Targets, args.Health, args.HealthTimeout, ct);
        if (failures.Count > 0)
        {
            log.LogWarning("deploy {App} {Version} rejected: {Reason}", app, args.Version, failures[0].LastError);
            return (null, new EdgeError(EdgeErrors.TargetFailedToBecomeHealthy,
                $"{failures.Count} of {args.Targets.Count} target(s) did not become healthy within {Slipway.Foundation.Timing.Duration.Format(args.HealthTimeout)}",
                failures));
        }

        // Past this point the cut-over completes even if the caller goes away: a half-applied swap is worse than either state.
        ct.ThrowIfCancellationRequested();
        // A canary in progress is over: this release replaces it (or it is the same release, started again).
        await EndCanaryAsync(app, null, promote: false, $"a deploy of {args.Version} replaced it", CancellationToken.None);
        var tlsKept = tls is not null ? await certificates.KeepAsync(app, tls, CancellationToken.None) : null;
        var now = time.GetUtcNow();
        if (args.Canary is { } canaryPolicy)
            return await StartCanaryAsync(app, args, canaryPolicy, tlsKept, now);
        var route = new EdgeRoute(app, args.Version, args.Port, args.Host, args.Targets, args.Health, now, MetricsPort: args.MetricsPort,
            Tls: tlsKept, Listen: args.Listen, Discovery: args.Discovery, ExpiresAt: args.ExpiresAt);
        var (previous, retired) = await routes.SwapAsync(route, CancellationToken.None);
        log.LogInformation("deploy {App}: {Old} -> {New}, draining {Count} target(s)", app, previous?.Version ?? "(none)", args.Version, retired.Count);
        var drained = await drainer.DrainAsync(retired, args.DrainTimeout, CancellationToken.None);
        if (previous?.Tls is { } replaced && replaced.CertificateFile != route.Tls?.CertificateFile) certificates.Forget(replaced); // its handshakes are over with the drain
        return (new DeployOutcome(route, previous?.Version, retired.Count, !drained), null);
    }

    /// <summary>Why a canary of this release cannot start on this route; null when it can.</summary>
    private static string? CanaryRefusal(EdgeRoute? current, DeployArgs args, CanaryPolicy policy)
    {
        if (policy.Percent is < 1 or > 99) return $"a canary takes 1 to 99 % of the requests, not {policy.Percent}";
        if (policy.Leader is { } leader && !ClusterGates.IsGate(leader)) return $"the edge that judges the canary is named host:port, not \"{leader}\"";
        if (current is null) return "nothing serves this app yet: a canary needs a release to share the requests with";
        if (current.Version == args.Version) return $"{args.Version} already serves: a canary needs another version";
        if (current.Port != args.Port || !string.Equals(current.Host, args.Host, StringComparison.OrdinalIgnoreCase))
            return "a canary shares the serving release's port and host: deploy a change of edge.port or edge.host without one";
        return null;
    }

    private async Task<(DeployOutcome?, EdgeError?)> StartCanaryAsync(string app, DeployArgs args, CanaryPolicy policy, EdgeRouteTls? tls,
        DateTimeOffset now)
    {
        var canary = new EdgeCanary(args.Version, args.Targets, policy, now, args.DrainTimeout, args.Discovery);
        var (previous, route, _) = await routes.ChangeAsync(app, current => current is null ? null : current with
        {
            // The route's settings are the new release's from now on; only its requests are shared.
            Health = args.Health, MetricsPort = args.MetricsPort, Tls = tls, Canary = canary,
        }, CancellationToken.None);
        if (route?.Canary != canary)
            return (null, new EdgeError(EdgeErrors.InvalidRequest, "the app's route was removed while its canary was starting"));
        baselines.Begin(route);
        if (previous?.Tls is { } replaced && replaced.CertificateFile != tls?.CertificateFile) certificates.Forget(replaced);
        log.LogInformation("canary {App}: {New} takes {Percent}% of the requests beside {Old} for {Duration}", app, args.Version, policy.Percent,
            route.Version, policy.Duration);
        return (new DeployOutcome(route, route.Version, 0, false), null);
    }

    /// <summary>The figures a canary is judged by: its release's traffic and the old one's since it started.</summary>
    public (CanaryFigures Canary, CanaryFigures Stable) Figures(EdgeRoute route) => baselines.Figures(route);

    /// <summary>
    /// Ends an app's canary (only the one started at <paramref name="startedAt"/>, when given): promoted, its release takes every
    /// request and the old one's targets drain; aborted, the old release takes them all back and the canary's targets drain.
    /// Returns how it ended, or null when no such canary was in progress.
    /// </summary>
    public async Task<CanaryResult?> EndCanaryAsync(string app, DateTimeOffset? startedAt, bool promote, string reason, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        CanaryResult? result = null;
        var (before, _, retired) = await routes.ChangeAsync(app, current =>
        {
            if (current?.Canary is not { } canary || (startedAt is { } wanted && canary.StartedAt != wanted)) return null;
            var (figures, stable) = baselines.Figures(current);
            result = new CanaryResult(canary.Version, current.Version, promote ? CanaryOutcomes.Promoted : CanaryOutcomes.Aborted, reason,
                figures, stable, canary.StartedAt, time.GetUtcNow());
            return promote
                ? current with { Version = canary.Version, Targets = canary.Targets, DeployedAt = result.EndedAt, Canary = null, LastCanary = result, Discovery = canary.Discovery }
                : current with { Canary = null, LastCanary = result };
        }, CancellationToken.None); // once begun, the change completes (and drains) even if the caller goes away
        if (result is null) return null;
        baselines.End(before!);
        log.LogInformation("canary {App} {Version} {Outcome}: {Reason}; draining {Count} target(s)", app, result.Version, result.Outcome, reason,
            retired.Count);
        await drainer.DrainAsync(retired, before!.Canary!.DrainTimeout, CancellationToken.None);
        return result;
    }

    public async Task<(EdgeRoute? Removed, bool Drained)> RemoveAsync(string app, TimeSpan drainTimeout, CancellationToken ct)
    {
        var (removed, retired) = await routes.RemoveAsync(app, ct);
        var drained = await drainer.DrainAsync(retired, drainTimeout, CancellationToken.None);
        if (removed?.Tls is { } tls) certificates.Forget(tls);
        return (removed, drained);
    }
}
