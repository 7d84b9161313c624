namespace Slipway.Foundation.Timing;

/// <summary>What one attempt of a poll found: done with a value, or not yet.</summary>
public readonly record struct Attempt<T>(bool Done, T Value)
{
    public static Attempt<T> Finished(T value) => new(true, value);
    public static Attempt<T> Pending(T value) => new(false, value);
}

/// <summary>
/// The one poll-until-deadline loop: a check run at an interval on the injected clock, stopped by what it
/// finds, by the caller's cancellation, or after a limit with the caller's error (which sees the last attempt).
/// </summary>
public static class Poll
{
    public static async Task<T> UntilAsync<T>(Func<CancellationToken, Task<Attempt<T>>> check, TimeSpan interval, TimeSpan limit,
        TimeProvider time, Func<T, Exception> timedOut, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        while (true)
        {
            var attempt = await check(ct);
            if (attempt.Done) return attempt.Value;
            if (time.GetElapsedTime(started) >= limit) throw timedOut(attempt.Value);
            await Task.Delay(interval, time, ct);
        }
    }
}
