using System.Net.Sockets;

namespace Slipway.Edge;

/// <summary>
/// Joins stdin and stdout to a unix socket, both ways, until the socket's side ends: the engine's exec runs it inside the
/// edge's container, so a CLI that reaches the engine (over ssh, say) reaches the control socket, which never listens on a port.
/// </summary>
public static class ControlRelay
{
    public static async Task<int> RunAsync(string socketPath)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        }
        catch (SocketException e)
        {
            await Console.Error.WriteLineAsync($"error: cannot connect to {socketPath}: {e.Message}");
            return 1;
        }
        await using var connection = new NetworkStream(socket, ownsSocket: false);
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
