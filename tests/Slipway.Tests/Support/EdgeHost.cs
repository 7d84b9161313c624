using System.Net;
using Slipway.Edge;
using Slipway.Edge.Contract;
using Slipway.Platforms.EdgeControl;

namespace Slipway.Tests.Support;

/// <summary>A real edge proxy in this process, with its own directory, control socket and ports.</summary>
public sealed class EdgeHost : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task<int> _run;

    private EdgeHost(EdgePaths paths, TimeProvider? time, EdgeOptions options)
    {
        Paths = paths;
        Client = new EdgeClient(paths);
        _run = Task.Run(() => EdgeServer.RunAsync(paths, IPAddress.Loopback, _stop.Token, time, options));
    }

    public EdgePaths Paths { get; }
    public EdgeClient Client { get; }

    /// <param name="time">The edge's clock (a fake one brings renewals due); null: the system's.</param>
    /// <param name="directForwarding">False: every request takes YARP's path, as with SLIPWAY_EDGE_DIRECT=0.</param>
    /// <param name="maxConnectionsPerClient">The edge's bound on one client's connections; null: the default.</param>
    /// <param name="controlGate">A control gate beside the control socket, as on a cluster; null: none.</param>
    public static async Task<EdgeHost> StartAsync(string directory, TimeProvider? time = null, bool directForwarding = true,
        int? maxConnectionsPerClient = null, ControlGateOptions? controlGate = null)
    {
        var options = new EdgeOptions(directForwarding, maxConnectionsPerClient ?? EdgeOptions.DefaultMaxConnectionsPerClient) { ControlGate = controlGate };
        var host = new EdgeHost(new EdgePaths(directory), time, options);
        for (var i = 0; i < 100; i++)
        {
            if (await host.Client.InfoAsync(CancellationToken.None) is not null) return host;
            if (host._run.IsCompleted) await host._run;
            await Task.Delay(50);
        }
        throw new TimeoutException("edge did not start");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try { await _run; } catch (OperationCanceledException) { }
        Client.Dispose();
    }
}
