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

    public IConfigurationProvider Build(IConfigurationBuilder builder) => this;

    public void SetPorts(IEnumerable<int> ports)
    {
        var next = new SortedSet<int>(ports);
        if (next.SetEquals(Ports)) return;
        Ports = next;
        Data = next.ToDictionary(
            port => $"{Section}:Endpoints:port{port.ToString(CultureInfo.InvariantCulture)}:Url",
            port => (string?)$"http://{_address}:{port.ToString(CultureInfo.InvariantCulture)}",
            StringComparer.OrdinalIgnoreCase);
        OnReload();
    }
}
