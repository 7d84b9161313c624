using Slipway.Edge;
using Slipway.Edge.Contract;

namespace Slipway.Tests.Edge;

[Trait("Tier", "unit")]
public sealed class CanaryJudgeTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    private static EdgeCanary Canary(double maxErrorRate = 0.01) =>
        new("v2", [], new CanaryPolicy(30, TimeSpan.FromMinutes(2), maxErrorRate), Start, TimeSpan.FromSeconds(5));

    private static readonly DateTimeOffset During = Start.AddMinutes(1);
    private static readonly DateTimeOffset After = Start.AddMinutes(2);

    [Fact]
    public void A_5xx_rate_above_the_old_releases_by_more_than_allowed_aborts_at_once()
    {
        var verdict = CanaryJudge.Judge(Canary(), new CanaryFigures(40, 12, 5), new CanaryFigures(100, 0, 5), During);

        Assert.Equal(CanaryOutcomes.Aborted, verdict.Outcome);
        Assert.Equal("5xx rate 30.0% (12 of 40) against 0.0% on the old release, more than 1.0% above it", verdict.Reason);
    }

    [Fact]
    public void The_same_5xx_rate_as_the_old_release_is_no_regression()
    {
        var verdict = CanaryJudge.Judge(Canary(), new CanaryFigures(100, 10, 5), new CanaryFigures(200, 20, 5), After);

        Assert.Equal(CanaryOutcomes.Promoted, verdict.Outcome);
    }

    [Fact]
    public void Too_few_requests_are_not_judged_before_the_time_is_up_but_are_then()
    {
        var few = new CanaryFigures(CanaryJudge.MinimumRequests - 1, 1, null);

        Assert.Null(CanaryJudge.Judge(Canary(), few, CanaryFigures.None, During).Outcome);
        Assert.Equal(CanaryOutcomes.Aborted, CanaryJudge.Judge(Canary(), few, CanaryFigures.None, After).Outcome);
    }

    [Fact]
    public void A_p99_over_twice_the_old_releases_and_50_ms_more_aborts()
    {
        Assert.Equal(CanaryOutcomes.Aborted, CanaryJudge.Judge(Canary(), new CanaryFigures(50, 0, 250), new CanaryFigures(50, 0, 100), During).Outcome);
        // Twice as slow, but by less than 50 ms: noise at small latencies.
        Assert.Null(CanaryJudge.Judge(Canary(), new CanaryFigures(50, 0, 25), new CanaryFigures(50, 0, 10), During).Outcome);
    }

    [Fact]
    public void A_canary_no_request_reached_is_promoted_on_its_health_check_when_its_time_is_up()
    {
        Assert.Null(CanaryJudge.Judge(Canary(), CanaryFigures.None, CanaryFigures.None, During).Outcome);
        var verdict = CanaryJudge.Judge(Canary(), CanaryFigures.None, CanaryFigures.None, After);

        Assert.Equal(CanaryOutcomes.Promoted, verdict.Outcome);
        Assert.Contains("health check alone", verdict.Reason);
    }

    [Fact]
    public void Figures_count_only_what_came_after_the_baseline()
    {
        TrafficSnapshot Snapshot(long ok, long errors, long slow) =>
            new("shop", "v2", ok + errors + slow, [0, ok + slow, 0, 0, errors], [ok + errors, 0, 0, 0, 0, 0, 0, 0, slow, 0, 0, 0, 0, 0], 0, 0, 0);

        var figures = CanaryJudge.Between(Snapshot(100, 5, 0), Snapshot(150, 10, 10));

        Assert.Equal(new CanaryFigures(65, 5, 500), figures);
        Assert.Equal(CanaryFigures.None, CanaryJudge.Between(null, null));
    }
}
