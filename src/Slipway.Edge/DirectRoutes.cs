using System.Collections.Frozen;

using Slipway.Edge.Contract;

namespace Slipway.Edge;

/// <summary>
/// Which app a plain HTTP request goes to, by the port it arrived on and its host name, for the direct forwarder: an index
/// rebuilt only when the routes change, so a request pays a lookup by port and, on a port shared by host names, one by name.
/// An HTTPS port is in it too (its TLS ends before the direct path); an app in maintenance is marked so the request goes the
/// full path to its page.
/// </summary>
internal sealed class DirectRoutes
{
    private volatile FrozenDictionary<int, PortRoutes> _ports = FrozenDictionary<int, PortRoutes>.Empty;

    /// <summary>One route as the direct path sees it; <see cref="Direct"/> false: its requests go the full path.</summary>
    internal sealed class Entry(string app, bool direct)
    {
        private uint _next;
        public string App { get; } = app;
        public bool Direct { get; } = direct;

        /// <summary>Round-robin over the destinations healthy at that moment.</summary>
        public int NextIndex(int count) => (int)(Interlocked.Increment(ref _next) % (uint)count);
    }

    private sealed record PortRoutes(FrozenDictionary<string, Entry> Named, Entry? CatchAll);

    public void Update(IEnumerable<EdgeRoute> routes) =>
        _ports = routes.GroupBy(r => r.Port).ToFrozenDictionary(g => g.Key, g => new PortRoutes(
            g.Where(r => r.Host is not null).ToFrozenDictionary(r => r.Host!.ToLowerInvariant(), Of, StringComparer.Ordinal),
            g.Where(r => r.Host is null).Select(Of).FirstOrDefault()));

    public bool ServesPort(int port) => _ports.ContainsKey(port);

    /// <summary>The route for a host name (ASCII, any case) on a port: a named route first, then the port's catch-all.</summary>
    public Entry? Find(int port, ReadOnlySpan<byte> hostName)
    {
        if (!_ports.TryGetValue(port, out var routes)) return null;
        if (routes.Named.Count == 0 || hostName.Length > 255) return routes.CatchAll;
        Span<char> name = stackalloc char[hostName.Length];
        for (var i = 0; i < hostName.Length; i++) name[i] = (char)(hostName[i] is >= (byte)'A' and <= (byte)'Z' ? hostName[i] + 32 : hostName[i]);
        return routes.Named.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(name, out var entry) ? entry : routes.CatchAll;
    }

    private static Entry Of(EdgeRoute route) => new(route.App, route.Maintenance is null);
}
