using Slipway.Edge.Contract;

namespace Slipway.Edge;

/// <summary>
/// How an edge that follows another's canary (<see cref="CanaryPolicy.Leader"/>) ends its own, from what the leader's route
/// says. Pure: <see cref="CanaryWatch"/> asks the leader and acts on the verdict.
/// </summary>
internal static class CanaryFollowing
{
    /// <summary>How long past the canary's time a follower waits for a leader that does not answer before judging its own traffic.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromMinutes(1);

    /// <param name="reached">Whether the leader answered; <paramref name="leaders"/> is then its route of the app (null: it has none).</param>
    /// <returns>The verdict; null: the leader is out of reach past <see cref="Patience"/>, so this edge judges its own traffic.</returns>
    public static CanaryVerdict? Decide(EdgeCanary canary, bool reached, EdgeRoute? leaders, DateTimeOffset now)
    {
        var leader = canary.Policy.Leader;
        if (!reached) return now >= canary.EndsAt + Patience ? null : CanaryVerdict.Watching;
        if (leaders is null)
            return new CanaryVerdict(CanaryOutcomes.Aborted, $"the edge that judges it ({leader}) no longer serves the app");
        if (leaders.Canary?.Version == canary.Version) return CanaryVerdict.Watching;
        var decided = leaders.LastCanary is { } last && last.Version == canary.Version ? last : null;
        if (leaders.Version == canary.Version)
            return new CanaryVerdict(CanaryOutcomes.Promoted, $"promoted by the edge that judges it ({leader}){(decided is null ? "" : $": {decided.Reason}")}");
        return new CanaryVerdict(CanaryOutcomes.Aborted, decided?.Outcome == CanaryOutcomes.Aborted
            ? $"aborted by the edge that judges it ({leader}): {decided.Reason}"
            : $"the edge that judges it ({leader}) serves {leaders.Version} without it");
    }
}
