using Slipway.Edge.Contract;

namespace Slipway.Edge;

/// <summary>What the judge decided: keep watching (<see cref="Outcome"/> null), or promote or abort, and why.</summary>
internal sealed record CanaryVerdict(string? Outcome, string Reason)
{
    public static readonly CanaryVerdict Watching = new(null, "");
}

/// <summary>
/// Judges a canary by its real traffic against the release it shares with. Pure: the figures come from the edge's metrics.
/// A canary is aborted as soon as it has enough requests to show a 5xx rate or a p99 latency worse than the old release's
/// by more than its policy allows; it is promoted when its time is up without either.
/// </summary>
internal static class CanaryJudge
{
    /// <summary>Fewer requests than this show nothing about latency, and a rate only at the end of the canary's time.</summary>
    public const int MinimumRequests = 20;

    /// <summary>A p99 this much slower is noise at small latencies, whatever the ratio.</summary>
    public const double LatencySlackMs = 50;

    public static CanaryVerdict Judge(EdgeCanary canary, CanaryFigures figures, CanaryFigures stable, DateTimeOffset now)
    {
        var timeUp = now >= canary.EndsAt;
        var allowed = (stable.ErrorRate ?? 0) + canary.Policy.MaxErrorRate;
        if ((figures.Requests >= MinimumRequests || timeUp) && figures.ErrorRate > allowed)
            return new CanaryVerdict(CanaryOutcomes.Aborted,
                $"5xx rate {Slipway.Foundation.Output.Percent.Format(figures.ErrorRate ?? 0)} ({figures.Errors} of {figures.Requests}) against {Slipway.Foundation.Output.Percent.Format(stable.ErrorRate ?? 0)} on the old release, more than {Slipway.Foundation.Output.Percent.Format(canary.Policy.MaxErrorRate)} above it");
        if (figures.Requests >= MinimumRequests && stable.Requests >= MinimumRequests
            && figures.P99Ms is { } p99 && stable.P99Ms is { } stableP99
            && p99 > Math.Max(stableP99 * canary.Policy.MaxLatencyRatio, stableP99 + LatencySlackMs))
            return new CanaryVerdict(CanaryOutcomes.Aborted,
                $"p99 latency {CanaryFigures.Latency(p99)} against {CanaryFigures.Latency(stableP99)} on the old release, more than {canary.Policy.MaxLatencyRatio.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture)}× it");
        if (!timeUp) return CanaryVerdict.Watching;
        return new CanaryVerdict(CanaryOutcomes.Promoted, figures.Requests == 0
            ? $"no request reached it in {Slipway.Foundation.Timing.Duration.Format(canary.Policy.Duration)}: promoted on its health check alone"
            : $"{figures.Requests} request(s) in {Slipway.Foundation.Timing.Duration.Format(canary.Policy.Duration)} with no 5xx or latency regression");
    }

    /// <summary>A release's traffic between two snapshots of its counters (null: none counted yet).</summary>
    public static CanaryFigures Between(TrafficSnapshot? before, TrafficSnapshot? now)
    {
        if (now is null) return CanaryFigures.None;
        var requests = now.Requests - (before?.Requests ?? 0);
        var errors = now.StatusClasses[4] - (before?.StatusClasses[4] ?? 0);
        var buckets = now.Buckets.Select((count, i) => count - (before?.Buckets[i] ?? 0)).ToList();
        return new CanaryFigures(requests, errors, requests < MinimumRequests ? null : Percentile(buckets, requests, 0.99));
    }

    private static double? Percentile(IReadOnlyList<long> buckets, long requests, double quantile)
    {
        long seen = 0;
        for (var i = 0; i < buckets.Count; i++)
        {
            seen += buckets[i];
            // Beyond the last bound: twice it, a finite figure (JSON has no infinity) that compares as slower than any bound.
            if (seen >= quantile * requests) return i < TrafficMetrics.BucketBounds.Length ? TrafficMetrics.BucketBounds[i] : 2 * TrafficMetrics.BucketBounds[^1];
        }
        return null;
    }
}
