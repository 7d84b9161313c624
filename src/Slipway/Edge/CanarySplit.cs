using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Model;

namespace Slipway.Edge;

/// <summary>
/// Sends a canary its share of a route's requests. The share is exact, not drawn at random: the n-th new client goes to the
/// canary when n × percent / 100 passes a whole number. A client is kept on its side by a cookie; one that sends none (a
/// load tester, a health probe) is a new client each time. The split reads the cluster's own configuration (metadata set by
/// <see cref="ProxyConfigBuilder"/>), so it always matches the destinations that request sees.
/// </summary>
internal sealed class CanarySplit
{
    public const string CookiePrefix = "slipway-canary-";
    private readonly ConcurrentDictionary<(string App, string Canary), Counter> _counters = new();

    /// <summary>Narrows the request's destinations to one release's; a route without a canary is left as it is.</summary>
    public void Choose(HttpContext context, IReverseProxyFeature proxy)
    {
        var metadata = proxy.Cluster.Config.Metadata;
        if (metadata is null || !metadata.TryGetValue(ProxyConfigBuilder.CanaryVersionMetadata, out var canary)) return;
        var app = proxy.Route.Config.RouteId;
        var cookie = CookiePrefix + app;
        bool toCanary;
        if (context.Request.Cookies.TryGetValue(cookie, out var kept) && Side(kept, canary) is { } side)
        {
            toCanary = side;
        }
        else
        {
            var percent = int.Parse(metadata[ProxyConfigBuilder.CanaryPercentMetadata], CultureInfo.InvariantCulture);
            toCanary = _counters.GetOrAdd((app, canary), _ => new Counter()).Next(percent);
            context.Response.Cookies.Append(cookie, $"{canary}.{(toCanary ? 'c' : 's')}", new CookieOptions
            {
                Path = "/", HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = context.Request.IsHttps,
            });
        }
        var version = toCanary ? canary : metadata[ProxyConfigBuilder.StableVersionMetadata];
        var chosen = proxy.AvailableDestinations.Where(d => VersionOf(d) == version).ToList();
        if (chosen.Count > 0) proxy.AvailableDestinations = chosen; // none healthy on that side: any healthy one answers
    }

    /// <summary>Which side a cookie keeps its client on (true: the canary), or null when it was set for another canary.</summary>
    public static bool? Side(string value, string canary) =>
        value.Length == canary.Length + 2 && value.StartsWith(canary, StringComparison.Ordinal) && value[canary.Length] == '.'
            ? value[^1] switch { 'c' => true, 's' => false, _ => null }
            : null;

    /// <summary>Forgets the counters of canaries no route has any more.</summary>
    public void Retain(IEnumerable<EdgeRoute> routes)
    {
        var live = routes.Where(r => r.Canary is not null).Select(r => (r.App, r.Canary!.Version)).ToHashSet();
        foreach (var key in _counters.Keys.Where(k => !live.Contains(k))) _counters.TryRemove(key, out _);
    }

    private static string? VersionOf(DestinationState destination) =>
        destination.Model.Config.Metadata?.GetValueOrDefault(ProxyConfigBuilder.VersionMetadata);

    internal sealed class Counter
    {
        private long _clients;

        /// <summary>True when the next client goes to the canary: exactly <paramref name="percent"/> of every 100 do.</summary>
        public bool Next(int percent)
        {
            var n = Interlocked.Increment(ref _clients);
            return n * percent / 100 != (n - 1) * percent / 100;
        }
    }
}
