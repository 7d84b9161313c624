using System.Globalization;
using Microsoft.Extensions.Configuration;

using Slipway.Edge.Contract;

namespace Slipway.Edge;

/// <summary>A certificate served on a port for one host name ("*": any host the others do not name).</summary>
internal sealed record SniCertificate(string Host, string CertificateFile, string KeyFile);

/// <summary>
/// What the edge listens on: the apps' ports (HTTPS where a route has a certificate, by SNI per host name), the
/// plain ports that redirect to an HTTPS one, and the loopback ports that serve metrics.
/// </summary>
internal sealed record ListenerPlan(IReadOnlySet<int> Ports, IReadOnlySet<int> MetricsPorts,
    IReadOnlyDictionary<int, IReadOnlyList<SniCertificate>> Https, IReadOnlyDictionary<int, int> Redirects)
{
    /// <summary>The addresses a public port listens on, by port, where its routes name some (edge.listen); any other: the edge's own.</summary>
    public IReadOnlyDictionary<int, IReadOnlyList<string>> Addresses { get; init; } = new Dictionary<int, IReadOnlyList<string>>();

    public static ListenerPlan Of(IEnumerable<EdgeRoute> routes)
    {
        var all = routes.ToList();
        var ports = all.Select(r => r.Port).ToHashSet();
        // A redirect port listens where its HTTPS port does: a client that reaches one reaches the other.
        var listed = all.Where(r => r.Listen is { Count: > 0 })
            .SelectMany(r => new[] { (Port: r.Port, r.Listen) }.Concat(r.Tls?.RedirectFrom is { } redirect ? [(redirect, r.Listen)] : []))
            .GroupBy(p => p.Port)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.SelectMany(p => p.Listen!).Distinct().Order(StringComparer.Ordinal).ToList());
        return new ListenerPlan(ports,
            all.Select(r => r.MetricsPort).OfType<int>().Where(p => !ports.Contains(p)).ToHashSet(),
            all.Where(r => r.Tls is not null).GroupBy(r => r.Port).ToDictionary(g => g.Key,
                g => (IReadOnlyList<SniCertificate>)g.Select(r => new SniCertificate(r.Host ?? "*", r.Tls!.CertificateFile, r.Tls.KeyFile)).ToList()),
            all.Where(r => r.Tls?.RedirectFrom is not null).GroupBy(r => r.Tls!.RedirectFrom!.Value).ToDictionary(g => g.Key, g => g.First().Port))
        {
            Addresses = listed,
        };
    }
}

/// <summary>
/// Kestrel's public endpoints as a configuration source the edge can change at run time: Kestrel rebinds
/// on reload, so a new app's port opens (and a removed app's port closes), or starts serving HTTPS, without
/// restarting the proxy. An HTTPS port is a plain endpoint here under a name of its own ("https" and the port, so a port
/// changing role is bound anew); its TLS is <see cref="TlsTermination"/>'s, added in code before the direct path.
/// </summary>
internal sealed class ListenerConfiguration : ConfigurationProvider, IConfigurationSource
{
    public const string Section = "Kestrel";
    private readonly string _address;
    private readonly string _metricsAddress;
    private readonly TlsTermination _tls;
    private ListenerPlan _plan = new(new HashSet<int>(), new HashSet<int>(), new Dictionary<int, IReadOnlyList<SniCertificate>>(), new Dictionary<int, int>());

    /// <param name="metricsAddress">Where the metrics ports listen, whatever the apps' ports do (<see cref="EdgeOptions.MetricsAddress"/>).</param>
    public ListenerConfiguration(string address, TlsTermination tls, string metricsAddress = "127.0.0.1")
    {
        _address = address;
        _metricsAddress = metricsAddress;
        _tls = tls;
    }

    public IReadOnlySet<int> Ports => _plan.Ports;

    /// <summary>Ports where the edge serves its metrics and nothing else (on loopback unless the edge was told otherwise).</summary>
    public IReadOnlySet<int> MetricsPorts => _plan.MetricsPorts;

    /// <summary>Plain HTTP ports that redirect to an HTTPS port, by port.</summary>
    public IReadOnlyDictionary<int, int> Redirects => _plan.Redirects;

    /// <summary>Plain ports opened only while an ACME CA checks a challenge there, for a route that has none yet.</summary>
    public IReadOnlySet<int> ChallengePorts => _challengePorts;

    private IReadOnlySet<int> _challengePorts = new HashSet<int>();
    private readonly Lock _changing = new();

    public IConfigurationProvider Build(IConfigurationBuilder builder) => this;

    /// <summary>Opens a plain port for ACME's HTTP-01 check (answering challenges and nothing else) until <see cref="CloseChallengePort"/>.</summary>
    /// <param name="listen">Where the CA reaches it: the route's addresses; null: the edge's own.</param>
    public void OpenChallengePort(int port, IReadOnlyList<string>? listen = null)
    {
        lock (_changing)
        {
            _challengePorts = _challengePorts.Append(port).ToHashSet();
            _challengeAddresses = listen is { Count: > 0 } ? _challengeAddresses.SetItem(port, listen) : _challengeAddresses.Remove(port);
            Apply(_plan);
        }
    }

    /// <summary>
    /// Where a port with these addresses listens: the edge's own address (loopback, so this machine always reaches its apps)
    /// and the ones given, unless one of them is a wildcard, which covers it ("::" accepts IPv4 too).
    /// </summary>
    public IReadOnlyList<string> AddressesOf(IReadOnlyList<string>? listen) =>
        listen is not { Count: > 0 } ? [_address]
        : listen.Any(IsWildcard) ? listen.Distinct().ToList()
        : listen.Prepend(_address).Distinct().ToList();

    private static bool IsWildcard(string address) => address is "0.0.0.0" or "::";

    private System.Collections.Immutable.ImmutableDictionary<int, IReadOnlyList<string>> _challengeAddresses =
        System.Collections.Immutable.ImmutableDictionary<int, IReadOnlyList<string>>.Empty;

    public void CloseChallengePort(int port)
    {
        lock (_changing)
        {
            _challengePorts = _challengePorts.Where(p => p != port).ToHashSet();
            Apply(_plan);
        }
    }

    public void Set(ListenerPlan plan)
    {
        lock (_changing) Apply(plan);
    }

    private void Apply(ListenerPlan plan)
    {
        // Certificates first (a renewal changes only them), then the ports: a port that starts serving HTTPS has its certificates.
        _tls.Update(plan.Https);
        var data = Render(plan);
        if (Data.Count == data.Count && data.All(e => Data.TryGetValue(e.Key, out var value) && value == e.Value)) return;
        // The sets are swapped before Kestrel rebinds: a port changing its role never answers in its old one.
        _plan = plan;
        Data = data;
        OnReload();
    }

    private Dictionary<string, string?> Render(ListenerPlan plan)
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        string Text(int port) => port.ToString(CultureInfo.InvariantCulture);
        // One endpoint per address; its name carries the address's place, so a port whose addresses change is bound anew.
        void Listen(string role, int port, IReadOnlyList<string>? listen)
        {
            var addresses = AddressesOf(listen);
            for (var i = 0; i < addresses.Count; i++)
                data[$"{Section}:Endpoints:{role}{Text(port)}{(i == 0 ? "" : $"_{i}")}:Url"] = $"http://{UrlHost(addresses[i])}:{Text(port)}";
        }
        foreach (var port in plan.Ports) Listen(plan.Https.ContainsKey(port) ? "https" : "port", port, plan.Addresses.GetValueOrDefault(port));
        foreach (var port in plan.Redirects.Keys.Where(p => !plan.Ports.Contains(p))) Listen("redirect", port, plan.Addresses.GetValueOrDefault(port));
        foreach (var port in plan.MetricsPorts)
            data[$"{Section}:Endpoints:metrics{Text(port)}:Url"] = $"http://{UrlHost(_metricsAddress)}:{Text(port)}";
        foreach (var port in _challengePorts.Where(p => !plan.Ports.Contains(p) && !plan.Redirects.ContainsKey(p) && !plan.MetricsPorts.Contains(p)))
            Listen("challenge", port, _challengeAddresses.GetValueOrDefault(port));
        return data;
    }

    private static string UrlHost(string address) => address.Contains(':', StringComparison.Ordinal) ? $"[{address}]" : address;
}
