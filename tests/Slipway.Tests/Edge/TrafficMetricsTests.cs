using Microsoft.Extensions.Time.Testing;
using Slipway.Edge;
using Slipway.Edge.Contract;

namespace Slipway.Tests.Edge;

/// <summary>The edge's counts as data, on a fake clock: status classes, latency buckets, the last minute's window.</summary>
[Trait("Tier", "unit")]
public sealed class TrafficMetricsTests
{
    [Fact]
    public void Requests_fall_into_their_status_class_and_latency_bucket_and_leave_the_last_minute_after_sixty_seconds()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));
        var metrics = new TrafficMetrics(time);

        metrics.Record("shop", "v1", 200, TimeSpan.FromMilliseconds(0.4));
        metrics.Record("shop", "v1", 201, TimeSpan.FromMilliseconds(3));
        time.Advance(TimeSpan.FromSeconds(30));
        metrics.Record("shop", "v1", 502, TimeSpan.FromSeconds(20));
        metrics.Record("shop", "v1", 302, TimeSpan.FromMilliseconds(1));

        var v1 = Assert.Single(metrics.Snapshot());
        Assert.Equal([0L, 2, 1, 0, 1], v1.StatusClasses);
        Assert.Equal(2, v1.Buckets[0]); // ≤1 ms: 0.4 and exactly 1
        Assert.Equal(1, v1.Buckets[2]); // ≤5 ms
        Assert.Equal(1, v1.Buckets[^1]); // beyond the last bound
        Assert.Equal(1, v1.PercentileMs(0.5));
        Assert.Null(v1.PercentileMs(1));
        Assert.Equal((4L, 1L), (v1.LastMinuteRequests, v1.LastMinuteErrors));

        time.Advance(TimeSpan.FromSeconds(31)); // the first two are now 61 s old
        Assert.Equal((2L, 1L), (metrics.Snapshot()[0].LastMinuteRequests, metrics.Snapshot()[0].LastMinuteErrors));
        time.Advance(TimeSpan.FromSeconds(29));
        metrics.Record("shop", "v1", 200, TimeSpan.Zero); // the slot of the second a minute before: counted afresh
        Assert.Equal((1L, 0L), (metrics.Snapshot()[0].LastMinuteRequests, metrics.Snapshot()[0].LastMinuteErrors));
        Assert.Equal(5, metrics.Snapshot()[0].Requests); // totals are since the edge started
    }
}
