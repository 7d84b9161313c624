using Slipway.Configuration;
using Slipway.Foundation.Output;

namespace Slipway.Platforms;

/// <summary>What <c>up --canary</c> asks for: the new release's share of requests, how long it is judged, and the 5xx rate it may add.</summary>
/// <param name="MaxErrorRate">A fraction: 0.01 lets the canary's 5xx rate exceed the old release's by one percentage point.</param>
public sealed record CanaryPlan(int Percent, TimeSpan For, double MaxErrorRate)
{
    public static readonly TimeSpan DefaultFor = TimeSpan.FromMinutes(2);
    public const double DefaultMaxErrorRate = 0.01;
}

/// <summary>How a canary ended, for people and for <c>--json</c>.</summary>
/// <param name="Outcome">"promoted" or "aborted".</param>
public sealed record CanaryReport(string App, string Version, string StableVersion, string Outcome, string Reason,
    long Requests, long Errors, double? P99Ms, long StableRequests, long StableErrors, double? StableP99Ms)
{
    /// <summary>What an edge said of a canary it ended.</summary>
    public static CanaryReport From(string app, Slipway.Edge.Contract.CanaryResult result) => new(app, result.Version, result.StableVersion,
        result.Outcome, result.Reason, result.Canary.Requests, result.Canary.Errors, result.Canary.P99Ms, result.Stable.Requests,
        result.Stable.Errors, result.Stable.P99Ms);
}

/// <summary>A platform whose front door can send a share of the requests to a new release and judge it by them.</summary>
public interface ICanaryReleases
{
    /// <summary>
    /// Starts the release beside the serving one with the plan's share of requests, waits while the front door judges it, and
    /// returns once it is promoted (the old release drained and removed). Aborted, it throws with the figures, the old
    /// release serving every request again.
    /// </summary>
    Task<RolloutReport> RollOutCanaryAsync(AppManifest app, string version, CanaryPlan plan, IStageLog log,
        Func<CancellationToken, Task> beforeCutover, CancellationToken ct);

    /// <summary>Ends the app's canary by hand; null when none is in progress.</summary>
    Task<CanaryReport?> EndCanaryAsync(AppManifest app, bool promote, IStageLog log, CancellationToken ct);
}
