namespace Slipway.Edge;

/// <summary>
/// Waits until every target of a new release passes its health check <c>HealthyThreshold</c> times in a row,
/// or reports which targets did not by the deadline. Nothing is routed to a target before it passes.
/// </summary>
public sealed class HealthGate(HealthProbe probe, TimeProvider time)
{
    public async Task<IReadOnlyList<TargetFailure>> WaitHealthyAsync(IReadOnlyList<EdgeTarget> targets,
        EdgeHealthSettings health, TimeSpan deadline, CancellationToken ct)
    {
        using var expiry = CancellationTokenSource.CreateLinkedTokenSource(ct);
        expiry.CancelAfter(deadline);
        var results = await Task.WhenAll(targets.Select(t => WaitOneAsync(t, health, expiry.Token, ct)));
        return results.OfType<TargetFailure>().ToList();
    }

    private async Task<TargetFailure?> WaitOneAsync(EdgeTarget target, EdgeHealthSettings health,
        CancellationToken expiry, CancellationToken ct)
    {
        var streak = 0;
        var lastError = "no health check completed";
        while (true)
        {
            var started = time.GetTimestamp();
            string? error;
            try
            {
                error = await probe.CheckAsync(target.Address, health.Path, health.Timeout, expiry);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return new TargetFailure(target.Id, target.Address, lastError);
            }
            if (error is null)
            {
                if (++streak >= health.HealthyThreshold) return null;
            }
            else
            {
                streak = 0;
                lastError = error;
            }
            var wait = health.Interval - time.GetElapsedTime(started);
            try
            {
                if (wait > TimeSpan.Zero) await Task.Delay(wait, time, expiry);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return new TargetFailure(target.Id, target.Address, lastError);
            }
        }
    }
}
