using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Model;

using Slipway.Edge.Contract;

namespace Slipway.Edge;

/// <summary>
/// Sends a canary its share of a route's requests. The share is exact, not drawn at random: the n-th new client goes to the
/// canary when n × percent / 100 passes a whole number. A client is kept on its side by a cookie; one that sends none (a
/// load tester, a health probe) is a new client each time. The cookie is signed with a key only this edge holds, so a client
/// cannot pick its side (and, by sending failing requests to the canary, get a healthy release aborted): a cookie the edge did
/// not issue is ignored, and its client split like a new one. The split reads the cluster's own configuration (metadata set by
/// <see cref="ProxyConfigBuilder"/>), so it always matches the destinations that request sees.
/// </summary>
internal sealed class CanarySplit(CanarySplit.CookieKey key)
{
    public const string CookiePrefix = "slipway-canary-";
    private readonly ConcurrentDictionary<(string App, string Canary), Counter> _counters = new();

    /// <summary>The key canary cookies are signed with: made once per edge directory (0600), so cookies outlive an edge restart.</summary>
    internal sealed record CookieKey(byte[] Bytes)
    {
        public static CookieKey LoadOrCreate(EdgePaths paths)
        {
            var file = Path.Combine(paths.Directory, "canary-cookie.key");
            if (File.Exists(file) && File.ReadAllBytes(file) is { Length: 32 } existing) return new CookieKey(existing);
            var bytes = RandomNumberGenerator.GetBytes(32);
            var temporary = file + ".tmp";
            File.WriteAllBytes(temporary, []);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.WriteAllBytes(temporary, bytes);
            File.Move(temporary, file, overwrite: true);
            return new CookieKey(bytes);
        }
    }

    /// <summary>Narrows the request's destinations to one release's; a route without a canary is left as it is.</summary>
    public void Choose(HttpContext context, IReverseProxyFeature proxy)
    {
        var metadata = proxy.Cluster.Config.Metadata;
        if (metadata is null || !metadata.TryGetValue(ProxyConfigBuilder.CanaryVersionMetadata, out var canary)) return;
        var app = proxy.Route.Config.RouteId;
        var cookie = CookiePrefix + app;
        bool toCanary;
        if (context.Request.Cookies.TryGetValue(cookie, out var kept) && Side(app, kept, canary) is { } side)
        {
            toCanary = side;
        }
        else
        {
            var percent = int.Parse(metadata[ProxyConfigBuilder.CanaryPercentMetadata], CultureInfo.InvariantCulture);
            toCanary = _counters.GetOrAdd((app, canary), _ => new Counter()).Next(percent);
            context.Response.Cookies.Append(cookie, Issue(app, canary, toCanary), new CookieOptions
            {
                Path = "/", HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = context.Request.IsHttps,
            });
        }
        var version = toCanary ? canary : metadata[ProxyConfigBuilder.StableVersionMetadata];
        var chosen = proxy.AvailableDestinations.Where(d => VersionOf(d) == version).ToList();
        if (chosen.Count > 0) proxy.AvailableDestinations = chosen; // none healthy on that side: any healthy one answers
    }

    /// <summary>The cookie's value: the canary, the side (c or s) and their signature.</summary>
    public string Issue(string app, string canary, bool toCanary)
    {
        var sides = $"{canary}.{(toCanary ? 'c' : 's')}";
        return $"{sides}.{Signature(app, sides)}";
    }

    /// <summary>
    /// Which side a cookie keeps its client on (true: the canary); null when it was set for another canary, or not by this edge.
    /// </summary>
    public bool? Side(string app, string value, string canary)
    {
        var sides = canary.Length + 2;
        if (value.Length <= sides || !value.StartsWith(canary, StringComparison.Ordinal) || value[canary.Length] != '.' || value[sides] != '.')
            return null;
        var expected = Encoding.ASCII.GetBytes(Signature(app, value[..sides]));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(value[(sides + 1)..]))) return null;
        return value[sides - 1] switch { 'c' => true, 's' => false, _ => null };
    }

    private string Signature(string app, string sides) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(key.Bytes, Encoding.UTF8.GetBytes($"{app}\n{sides}")).AsSpan(0, 16));

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
