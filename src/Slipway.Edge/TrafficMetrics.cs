using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

using Slipway.Edge.Contract;

namespace Slipway.Edge;

/// <summary>
/// What the edge counts of each app's traffic, per version: requests by status class, a latency histogram and the
/// last minute's requests and errors, second by second. Lock-free: a request costs a few interlocked increments.
/// </summary>
internal sealed class TrafficMetrics(TimeProvider time)
{
    /// <summary>Upper bounds of the latency buckets, in milliseconds (the last bucket has none).</summary>
    public static readonly double[] BucketBounds = [.. LatencyBuckets.Bounds];

    private readonly ConcurrentDictionary<(string App, string Version), VersionTraffic> _traffic = new();

    public void Record(string app, string version, int status, TimeSpan elapsed) =>
        _traffic.GetOrAdd((app, version), key => new VersionTraffic(key.App, key.Version)).Record(status, elapsed, Second());

    private long Second() => time.GetUtcNow().ToUnixTimeSeconds();

    public IReadOnlyList<TrafficSnapshot> Snapshot()
    {
        var now = Second();
        return _traffic.Values.Select(t => t.Snapshot(now)).OrderBy(s => s.App, StringComparer.Ordinal).ThenBy(s => s.Version, StringComparer.Ordinal).ToList();
    }

    /// <summary>The Prometheus text exposition format (version 0.0.4).</summary>
    public static string Prometheus(IEnumerable<TrafficSnapshot> snapshots)
    {
        var text = new StringBuilder();
        text.Append("# HELP slipway_edge_requests_total Requests the edge answered, by app, version and status class.\n")
            .Append("# TYPE slipway_edge_requests_total counter\n");
        var all = snapshots.ToList();
        foreach (var s in all)
            for (var i = 0; i < s.StatusClasses.Count; i++)
                text.Append(CultureInfo.InvariantCulture, $"slipway_edge_requests_total{{app=\"{s.App}\",version=\"{s.Version}\",code=\"{i + 1}xx\"}} {s.StatusClasses[i]}\n");
        text.Append("# HELP slipway_edge_request_duration_seconds Time from the request's arrival to its response's end.\n")
            .Append("# TYPE slipway_edge_request_duration_seconds histogram\n");
        foreach (var s in all)
        {
            var labels = $"app=\"{s.App}\",version=\"{s.Version}\"";
            long cumulative = 0;
            for (var i = 0; i < s.Buckets.Count; i++)
            {
                cumulative += s.Buckets[i];
                var le = i < BucketBounds.Length ? (BucketBounds[i] / 1000).ToString(CultureInfo.InvariantCulture) : "+Inf";
                text.Append(CultureInfo.InvariantCulture, $"slipway_edge_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {cumulative}\n");
            }
            text.Append(CultureInfo.InvariantCulture, $"slipway_edge_request_duration_seconds_sum{{{labels}}} {s.SumSeconds}\n")
                .Append(CultureInfo.InvariantCulture, $"slipway_edge_request_duration_seconds_count{{{labels}}} {s.Requests}\n");
        }
        return text.ToString();
    }

    private sealed class VersionTraffic(string app, string version)
    {
        private const int Window = 60;
        private readonly long[] _classes = new long[5];
        private readonly long[] _buckets = new long[BucketBounds.Length + 1];
        private long _sumTicks;
        private readonly long[] _second = new long[Window];
        private readonly long[] _secondRequests = new long[Window];
        private readonly long[] _secondErrors = new long[Window];

        public void Record(int status, TimeSpan elapsed, long second)
        {
            Interlocked.Increment(ref _classes[Math.Clamp(status / 100, 1, 5) - 1]);
            var ms = elapsed.TotalMilliseconds;
            var bucket = 0;
            while (bucket < BucketBounds.Length && ms > BucketBounds[bucket]) bucket++;
            Interlocked.Increment(ref _buckets[bucket]);
            Interlocked.Add(ref _sumTicks, elapsed.Ticks);
            var slot = (int)(second % Window);
            var seen = Interlocked.Read(ref _second[slot]);
            if (seen != second && Interlocked.CompareExchange(ref _second[slot], second, seen) == seen)
            {
                // The slot held a second a minute old or more: it starts again (a request racing this reset may be lost; a rate tolerates it).
                Interlocked.Exchange(ref _secondRequests[slot], 0);
                Interlocked.Exchange(ref _secondErrors[slot], 0);
            }
            Interlocked.Increment(ref _secondRequests[slot]);
            if (status >= 500) Interlocked.Increment(ref _secondErrors[slot]);
        }

        public TrafficSnapshot Snapshot(long now)
        {
            long requests = 0, errors = 0;
            for (var slot = 0; slot < Window; slot++)
            {
                var second = Interlocked.Read(ref _second[slot]);
                if (second <= now - Window || second > now) continue; // only the last 60 whole seconds
                requests += Interlocked.Read(ref _secondRequests[slot]);
                errors += Interlocked.Read(ref _secondErrors[slot]);
            }
            var classes = Enumerable.Range(0, _classes.Length).Select(i => Interlocked.Read(ref _classes[i])).ToList();
            var buckets = Enumerable.Range(0, _buckets.Length).Select(i => Interlocked.Read(ref _buckets[i])).ToList();
            return new TrafficSnapshot(app, version, classes.Sum(), classes, buckets,
                TimeSpan.FromTicks(Interlocked.Read(ref _sumTicks)).TotalSeconds, requests, errors);
        }
    }
}
