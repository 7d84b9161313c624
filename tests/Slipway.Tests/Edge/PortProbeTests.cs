using System.Net;
using System.Net.Sockets;
using Slipway.Edge;

namespace Slipway.Tests.Edge;

/// <summary><c>slipway-edge probe</c>, which doctor runs on a swarm's manager: one line per port, what a connection saw.</summary>
[Trait("Tier", "edge")]
public sealed class PortProbeTests
{
    [Fact]
    public async Task A_listening_port_is_open_and_a_closed_one_refused_each_on_its_own_line_in_the_order_given()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var open = ((IPEndPoint)listener.LocalEndpoint).Port;
        // Bound but not listening: refused, and held, so that no test beside this one can take the port meanwhile.
        using var held = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        held.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var closed = ((IPEndPoint)held.LocalEndPoint!).Port;
        var output = new StringWriter();

        var exit = await PortProbe.RunAsync([$"127.0.0.1:{closed}", $"127.0.0.1:{open}"], output);

        Assert.Equal(0, exit);
        Assert.Equal([$"127.0.0.1:{closed} refused", $"127.0.0.1:{open} open"], output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Something_that_is_not_an_address_and_port_is_refused_with_exit_2() =>
        Assert.Equal(2, await PortProbe.RunAsync(["node-1:7946"], new StringWriter()));
}
