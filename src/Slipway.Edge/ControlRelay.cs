using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Slipway.Edge;

/// <summary>
/// Joins stdin and stdout to the control socket, both ways, until the socket's side ends: the engine's exec runs it inside
/// the edge's container, so a CLI that reaches the engine (over ssh, say) reaches the control socket, which never listens on
/// a port. On a cluster it runs beside the manager's engine and reaches an edge on another node through that edge's
/// <see cref="ControlGate"/>, greeting it with the cluster's token (a file the swarm mounts: it never passes through the CLI).
/// </summary>
public static class ControlRelay
{
    public static async Task<int> RunAsync(string socketPath)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        return await RelayAsync(socket, new UnixDomainSocketEndPoint(socketPath), socketPath, greeting: []);
    }

    /// <param name="gate">The edge's control gate, <c>host:port</c>.</param>
    public static async Task<int> RunAsync(string gate, string tokenFile)
    {
        byte[] token;
        try
        {
            token = Encoding.ASCII.GetBytes(File.ReadAllText(tokenFile).Trim());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"error: cannot read the token {tokenFile}: {e.Message}");
            return 1;
        }
        var separator = gate.LastIndexOf(':');
        if (separator <= 0 || !int.TryParse(gate[(separator + 1)..], out var port))
        {
            await Console.Error.WriteLineAsync($"error: --connect: \"{gate}\" is not host:port");
            return 2;
        }
        var host = gate[..separator].Trim('[', ']');
        EndPoint endpoint = IPAddress.TryParse(host, out var address) ? new IPEndPoint(address, port) : new DnsEndPoint(host, port);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        return await RelayAsync(socket, endpoint, gate, [.. Encoding.ASCII.GetBytes(ControlGate.Greeting), .. token, (byte)'\n']);
    }

    private static async Task<int> RelayAsync(Socket socket, EndPoint endpoint, string display, byte[] greeting)
    {
        using var owned = socket;
        try
        {
            await socket.ConnectAsync(endpoint);
        }
        catch (SocketException e)
        {
            await Console.Error.WriteLineAsync($"error: cannot connect to {display}: {e.Message}");
            return 1;
        }
        await using var connection = new NetworkStream(socket, ownsSocket: false);
        if (greeting.Length > 0) await connection.WriteAsync(greeting);
        await using var stdin = Console.OpenStandardInput();
        await using var stdout = Console.OpenStandardOutput();
        _ = Task.Run(async () =>
        {
            try
            {
                await stdin.CopyToAsync(connection);
                socket.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                // the socket's side ended first
            }
        });
        await connection.CopyToAsync(stdout);
        await stdout.FlushAsync();
        return 0;
    }
}
