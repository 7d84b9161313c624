using Slipway.Edge;
using Slipway.Edge.Contract;

namespace Slipway.Tests.Edge;

/// <summary>How a follower edge ends its canary from what its leader's route says (pure).</summary>
[Trait("Tier", "unit")]
public sealed class CanaryFollowingTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private static readonly EdgeHealthSettings Health = new("/", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), 1, 1);
    private static readonly EdgeCanary Mine = new("v2", [new EdgeTarget("new.1", "http://10.0.0.9:80")],
        new CanaryPolicy(20, TimeSpan.FromMinutes(2), 0.01, Leader: "10.0.0.2:7901"), Start, TimeSpan.FromSeconds(5));
    private static readonly DateTimeOffset During = Start + TimeSpan.FromMinutes(1);

    private static EdgeRoute Leaders(string version, EdgeCanary? canary = null, CanaryResult? last = null) =>
        new("shop", version, 80, null, [new EdgeTarget("old.1", "http://10.0.0.8:80")], Health, Start, Canary: canary, LastCanary: last);

    private static CanaryResult Ended(string outcome, string reason, string version = "v2") =>
        new(version, "v1", outcome, reason, CanaryFigures.None, CanaryFigures.None, Start, During);

    [Fact]
    public void While_the_leader_still_runs_the_canary_the_follower_watches() =>
        Assert.Equal(CanaryVerdict.Watching, CanaryFollowing.Decide(Mine, true, Leaders("v1", Mine with { StartedAt = Start.AddSeconds(-1) }), During));

    [Fact]
    public void A_leader_serving_the_canarys_version_promotes_it_with_the_leaders_reason()
    {
        var verdict = CanaryFollowing.Decide(Mine, true, Leaders("v2", last: Ended(CanaryOutcomes.Promoted, "40 request(s) with no 5xx")), During);

        Assert.Equal(CanaryOutcomes.Promoted, verdict!.Outcome);
        Assert.Equal("promoted by the edge that judges it (10.0.0.2:7901): 40 request(s) with no 5xx", verdict.Reason);
    }

    [Fact]
    public void A_leader_that_aborted_it_aborts_it_with_the_leaders_reason()
    {
        var verdict = CanaryFollowing.Decide(Mine, true, Leaders("v1", last: Ended(CanaryOutcomes.Aborted, "5xx rate 30 %")), During);

        Assert.Equal(CanaryOutcomes.Aborted, verdict!.Outcome);
        Assert.Equal("aborted by the edge that judges it (10.0.0.2:7901): 5xx rate 30 %", verdict.Reason);
    }

    [Fact]
    public void A_leader_without_the_route_or_serving_another_release_without_it_aborts_it()
    {
        Assert.Equal(CanaryOutcomes.Aborted, CanaryFollowing.Decide(Mine, true, null, During)!.Outcome);
        var other = CanaryFollowing.Decide(Mine, true, Leaders("v3", last: Ended(CanaryOutcomes.Promoted, "fine", version: "v3")), During)!;
        Assert.Equal(CanaryOutcomes.Aborted, other.Outcome);
        Assert.Contains("serves v3 without it", other.Reason);
    }

    [Fact]
    public void A_leader_out_of_reach_is_waited_for_until_the_patience_past_the_canarys_time_then_the_follower_judges()
    {
        Assert.Equal(CanaryVerdict.Watching, CanaryFollowing.Decide(Mine, false, null, Mine.EndsAt));
        Assert.Equal(CanaryVerdict.Watching, CanaryFollowing.Decide(Mine, false, null, Mine.EndsAt + CanaryFollowing.Patience - TimeSpan.FromSeconds(1)));
        Assert.Null(CanaryFollowing.Decide(Mine, false, null, Mine.EndsAt + CanaryFollowing.Patience));
    }
}
