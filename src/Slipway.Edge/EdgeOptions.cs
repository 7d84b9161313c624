using Slipway.Edge.Contract;

namespace Slipway.Edge;

/// <summary>The edge's settings other than its routes: read from its environment (SLIPWAY_EDGE_*) at start, fixed for its life.</summary>
/// <param name="DirectForwarding">Whether plain HTTP/1.1 requests take the direct path (<see cref="DirectForwarder"/>); false: YARP's for all.</param>
/// <param name="MaxConnectionsPerClient">How many connections one client address may hold open at once (0: no limit).</param>
public sealed record EdgeOptions(bool DirectForwarding = true, int MaxConnectionsPerClient = EdgeOptions.DefaultMaxConnectionsPerClient)
{
    /// <summary>
    /// Far more than a browser opens (6 per host) or a proxy in front needs for one user, and few enough that one client
    /// cannot hold a slow connection per file descriptor the edge has.
    /// </summary>
    public const int DefaultMaxConnectionsPerClient = 256;

    public static EdgeOptions FromEnvironment(Func<string, string?> environment) => new(
        environment("SLIPWAY_EDGE_DIRECT") != "0",
        int.TryParse(environment("SLIPWAY_EDGE_MAX_CONNECTIONS_PER_CLIENT"), out var max) && max >= 0 ? max : DefaultMaxConnectionsPerClient);

    /// <summary>On a cluster: the port of the <see cref="Edge.ControlGate"/> and its token; null: the control socket alone.</summary>
    public ControlGateOptions? ControlGate { get; init; }

    /// <summary>
    /// Where the apps' metrics ports listen: loopback on a machine; on a cluster every address of the edge's container (its
    /// overlay networks, where a Prometheus beside it scrapes each edge; no node publishes the port).
    /// </summary>
    public System.Net.IPAddress MetricsAddress { get; init; } = System.Net.IPAddress.Loopback;
}

/// <param name="Port">Listened on every address of the edge's container (its cluster networks: nothing publishes it).</param>
/// <param name="Peers">
/// Every edge's control gate as a DNS name listing them and their port (<c>tasks.slipway-edge:7901</c>), asked for the answers
/// to an ACME CA's checks.
/// </param>
public sealed record ControlGateOptions(int Port, byte[] Token, string? Peers = null);
