using Slipway.Edge.Contract;

namespace Slipway.Edge;

/// <summary>
/// Waits until every target of a new release passes its health check <c>HealthyThreshold</c> times in a row,
/// or reports, for each target that did not by the deadline, what its probes saw. Nothing is routed to a
/// target before it passes.
/// </summary>
internal sealed class HealthGate(HealthProbe probe, TimeProvider time)
{
    public async Task<IReadOnlyList<TargetFailure>> WaitHealthyAsync(IReadOnlyList<EdgeTarget> targets,
        EdgeHealthSettings health, TimeSpan deadline, CancellationToken ct)
    {
        using var expiry = new CancellationTokenSource(deadline, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, expiry.Token);
        var results = await Task.WhenAll(targets.Select(t => WaitOneAsync(t, health, linked.Token, ct)));
        return results.OfType<TargetFailure>().ToList();
    }

    private async Task<TargetFailure?> WaitOneAsync(EdgeTarget target, EdgeHealthSettings health,
        CancellationToken expiry, CancellationToken ct)
    {
        var record = new ProbeRecord(time.GetTimestamp());
        var streak = 0;
        while (true)
        {
            var started = time.GetTimestamp();
            ProbeResult result;
            try
            {
                result = await probe.CheckAsync(target.Address, health.Path, health.Timeout, expiry);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return record.Failure(target);
            }
            record.Add(result, time.GetElapsedTime(record.Start));
            if (result.Healthy)
            {
                if (++streak >= health.HealthyThreshold) return null;
            }
            else
            {
                streak = 0;
            }
            var wait = health.Interval - time.GetElapsedTime(started);
            try
            {
                if (wait > TimeSpan.Zero) await Task.Delay(wait, time, expiry);
                else expiry.ThrowIfCancellationRequested();
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return record.Failure(target);
            }
        }
    }

    /// <summary>What one target's probes saw so far.</summary>
    private sealed class ProbeRecord(long start)
    {
        public long Start { get; } = start;
        private int _probes, _answers, _timeouts;
        private int? _lastStatus;
        private TimeSpan? _firstAnswer;
        private string _lastError = "no probe completed";

        public void Add(ProbeResult result, TimeSpan elapsed)
        {
            _probes++;
            if (result.Kind is ProbeKind.Healthy or ProbeKind.HttpStatus)
            {
                _answers++;
                _firstAnswer ??= elapsed;
            }
            if (result.Healthy) return;
            if (result.Kind == ProbeKind.HttpStatus) _lastStatus = result.Status;
            if (result.Kind == ProbeKind.TimedOut) _timeouts++;
            _lastError = result.Description;
        }

        public TargetFailure Failure(EdgeTarget target)
        {
            var outcome = _lastStatus is not null ? TargetOutcomes.UnhealthyStatus
                : _timeouts > 0 ? TargetOutcomes.TimedOut
                : TargetOutcomes.NeverAnswered;
            return new TargetFailure(target.Id, target.Address, outcome, _lastError, _probes, _answers, _lastStatus, _firstAnswer);
        }
    }
}
