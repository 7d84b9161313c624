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
    public static ListenerPlan Of(IEnumerable<EdgeRoute> routes)
    {
        var all = routes.ToList();
        var ports = all.Select(r => r.Port).ToHashSet();
        return new ListenerPlan(ports,
            all.Select(r => r.MetricsPort).OfType<int>().Where(p => !ports.Contains(p)).ToHashSet(),
            all.Where(r => r.Tls is not null).GroupBy(r => r.Port).ToDictionary(g => g.Key,
                g => (IReadOnlyList<SniCertificate>)g.Select(r => new SniCertificate(r.Host ?? "*", r.Tls!.CertificateFile, r.Tls.KeyFile)).ToList()),
            all.Where(r => r.Tls?.RedirectFrom is not null).GroupBy(r => r.Tls!.RedirectFrom!.Value).ToDictionary(g => g.Key, g => g.First().Port));
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
    private readonly TlsTermination _tls;
    private ListenerPlan _plan = new(new HashSet<int>(), new HashSet<int>(), new Dictionary<int, IReadOnlyList<SniCertificate>>(), new Dictionary<int, int>());

    public ListenerConfiguration(string address, TlsTermination tls)
    {
        _address = address;
        _tls = tls;
    }

    public IReadOnlySet<int> Ports => _plan.Ports;

    /// <summary>Ports on loopback where the edge serves its metrics and nothing else.</summary>
    public IReadOnlySet<int> MetricsPorts => _plan.MetricsPorts;

    /// <summary>Plain HTTP ports that redirect to an HTTPS port, by port.</summary>
    public IReadOnlyDictionary<int, int> Redirects => _plan.Redirects;

    /// <summary>Plain ports opened only while an ACME CA checks a challenge there, for a route that has none yet.</summary>
    public IReadOnlySet<int> ChallengePorts => _challengePorts;

    private IReadOnlySet<int> _challengePorts = new HashSet<int>();
    private readonly Lock _changing = new();

    public IConfigurationProvider Build(IConfigurationBuilder builder) => this;

    /// <summary>Opens a plain port for ACME's HTTP-01 check (answering challenges and nothing else) until <see cref="CloseChallengePort"/>.</summary>
    public void OpenChallengePort(int port)
    {
        lock (_changing)
        {
            _challengePorts = _challengePorts.Append(port).ToHashSet();
            Apply(_plan);
        }
    }

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
        foreach (var port in plan.Ports)
        {
            var role = plan.Https.ContainsKey(port) ? "https" : "port";
            data[$"{Section}:Endpoints:{role}{Text(port)}:Url"] = $"http://{_address}:{Text(port)}";
        }
        foreach (var port in plan.Redirects.Keys.Where(p => !plan.Ports.Contains(p)))
            data[$"{Section}:Endpoints:redirect{Text(port)}:Url"] = $"http://{_address}:{Text(port)}";
        foreach (var port in plan.MetricsPorts)
            data[$"{Section}:Endpoints:metrics{Text(port)}:Url"] = $"http://127.0.0.1:{Text(port)}";
        foreach (var port in _challengePorts.Where(p => !plan.Ports.Contains(p) && !plan.Redirects.ContainsKey(p) && !plan.MetricsPorts.Contains(p)))
            data[$"{Section}:Endpoints:challenge{Text(port)}:Url"] = $"http://{_address}:{Text(port)}";
        return data;
    }
}
