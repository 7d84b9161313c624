using Microsoft.Extensions.Time.Testing;
using Slipway.Foundation.Timing;
using Slipway.Tests.Support;

namespace Slipway.Tests.Foundation.Timing;

[Trait("Tier", "unit")]
public sealed class PollTests
{
    [Fact]
    public async Task Polls_until_an_attempt_is_done_and_returns_its_value()
    {
        var attempts = 0;

        var value = await Poll.UntilAsync(_ => Task.FromResult(new Attempt<int>(++attempts == 3, attempts)),
            TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), new InstantTime(), _ => new TimeoutException(), TestContext.Current.CancellationToken);

        Assert.Equal(3, value);
    }

    /// <summary>A clock that moves only when told to, and whose delays end at once.</summary>
    private sealed class SteppedClock : TimeProvider
    {
        public TimeSpan Now { get; set; }
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => Now.Ticks;
        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            System.CreateTimer(callback, state, dueTime == Timeout.InfiniteTimeSpan ? dueTime : TimeSpan.Zero, period);
    }

    [Fact]
    public async Task After_the_limit_the_callers_error_is_made_from_the_last_attempt()
    {
        var clock = new SteppedClock();
        var attempts = 0;

        var error = await Assert.ThrowsAsync<TimeoutException>(() => Poll.UntilAsync(_ =>
            {
                clock.Now += TimeSpan.FromSeconds(2); // each attempt takes 2 s
                return Task.FromResult(Attempt<int>.Pending(++attempts));
            }, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), clock, last => new TimeoutException($"still pending after attempt {last}"),
            TestContext.Current.CancellationToken));

        Assert.Equal("still pending after attempt 3", error.Message); // 2 and 4 s are within the 5 s limit, 6 s is not
    }

    [Fact]
    public async Task Cancellation_stops_the_wait()
    {
        using var cancel = new CancellationTokenSource();
        var time = new FakeTimeProvider();
        var polling = Poll.UntilAsync(_ => Task.FromResult(Attempt<int>.Pending(0)), TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(1), time,
            _ => new TimeoutException(), cancel.Token);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => polling);
    }
}
