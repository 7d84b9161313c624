using Yarp.ReverseProxy.Model;

using Slipway.Edge.Contract;

namespace Slipway.Edge;

/// <summary>
/// Waits for the requests already in flight on retired targets to finish, up to the drain timeout,
/// as a load balancer's deregistration delay does. Returns true when every request finished. Then the direct path's
/// keep-alive connections to them are closed.
/// </summary>
internal sealed class Drainer(TimeProvider time, DirectTargets direct)
{
    /// <summary>A request may have picked a retired target just before the swap and not yet been counted.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(200);

    public async Task<bool> DrainAsync(IReadOnlyList<DestinationState> retired, TimeSpan timeout, CancellationToken ct)
    {
        if (retired.Count == 0) return true;
        try
        {
            var started = time.GetTimestamp();
            await Task.Delay(TimeSpan.FromTicks(Math.Min(Settle.Ticks, timeout.Ticks)), time, ct);
            while (retired.Any(d => direct.InFlight(d) > 0)) // by YARP's path and the direct one
            {
                if (time.GetElapsedTime(started) >= timeout) return false;
                await Task.Delay(TimeSpan.FromMilliseconds(20), time, ct);
            }
            return true;
        }
        finally
        {
            direct.Retire(retired);
        }
    }
}
