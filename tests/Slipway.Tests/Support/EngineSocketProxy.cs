using System.Net;
using System.Net.Sockets;

namespace Slipway.Tests.Support;

/// <summary>
/// A TCP port on loopback that passes every connection on to the engine's unix socket, until the test cuts it: then every
/// connection is closed and new ones are refused, as when a remote engine's link is lost.
/// </summary>
public sealed class EngineSocketProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _socket;
    private readonly List<Socket> _open = [];
    private readonly Task _accepting;

    public EngineSocketProxy(string socket = "/var/run/docker.sock")
    {
        _socket = socket;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>What DOCKER_HOST is set to, to reach the engine through this proxy.</summary>
    public string DockerHost => $"tcp://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptSocketAsync();
                var engine = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await engine.ConnectAsync(new UnixDomainSocketEndPoint(_socket));
                lock (_open) _open.AddRange([client, engine]);
                _ = PipeAsync(client, engine);
                _ = PipeAsync(engine, client);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
    }

    private static async Task PipeAsync(Socket from, Socket to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer)) > 0) await to.SendAsync(buffer.AsMemory(0, read));
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
    }

    /// <summary>Closes every connection and refuses new ones.</summary>
    public void Cut()
    {
        _listener.Stop();
        lock (_open)
            foreach (var socket in _open) socket.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        Cut();
        await _accepting;
    }
}
