namespace Slipway.Tests.Support;

/// <summary>
/// The system clock, except that every delay and timer is due at once: code that polls at an interval runs its
/// polls back to back, so a test of a scripted sequence of answers neither waits nor depends on timing.
/// </summary>
public sealed class InstantTime : TimeProvider
{
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        System.CreateTimer(callback, state, dueTime == Timeout.InfiniteTimeSpan ? dueTime : TimeSpan.Zero, period);
}
