using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Slipway.Edge;

/// <summary>
/// Kestrel's public endpoints as a configuration source the edge can change at run time: Kestrel rebinds
/// on reload, so a new app's port opens (and a removed app's port closes) without restarting the proxy.
/// </summary>
public sealed class ListenerConfiguration : ConfigurationProvider, IConfigurationSource
{
    public const string Section = "Kestrel";
    private readonly string _address;

    public ListenerConfiguration(string address) => _address = address;

    public IReadOnlySet<int> Ports { get; private set; } = new SortedSet<int>();

    /// <summary>Ports on loopback where the edge serves its metrics and nothing else.</summary>
    public IReadOnlySet<int> MetricsPorts { get; private set; } = new SortedSet<int>();

    public IConfigurationProvider Build(IConfigurationBuilder builder) => this;

    public void SetPorts(IEnumerable<int> ports) => SetPorts(ports, MetricsPorts);

    public void SetPorts(IEnumerable<int> ports, IEnumerable<int> metricsPorts)
    {
        var next = new SortedSet<int>(ports);
        var metrics = new SortedSet<int>(metricsPorts.Where(p => !next.Contains(p)));
        if (next.SetEquals(Ports) && metrics.SetEquals(MetricsPorts)) return;
        // The set of metrics ports is swapped before Kestrel rebinds: a port moving out of it never serves metrics as a public one.
        MetricsPorts = metrics;
        Ports = next;
        Data = next.ToDictionary(
                port => $"{Section}:Endpoints:port{port.ToString(CultureInfo.InvariantCulture)}:Url",
                port => (string?)$"http://{_address}:{port.ToString(CultureInfo.InvariantCulture)}",
                StringComparer.OrdinalIgnoreCase)
            .Concat(metrics.Select(port => new KeyValuePair<string, string?>(
                $"{Section}:Endpoints:metrics{port.ToString(CultureInfo.InvariantCulture)}:Url",
                $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}")))
            .ToDictionary(e => e.Key, e => e.Value, StringComparer.OrdinalIgnoreCase);
        OnReload();
    }
}
