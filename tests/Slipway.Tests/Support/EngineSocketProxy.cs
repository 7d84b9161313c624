using System.Net.Sockets;

namespace Slipway.Tests.Support;

/// <summary>
/// A unix socket of the test's that passes every connection on to the engine's, until the test cuts it: then every
/// connection is closed and new ones are refused, as when the link to the engine is lost. (A unix socket, so the engine
/// behind it is still this machine's: its edge is the state directory's.)
/// </summary>
public sealed class EngineSocketProxy : IAsyncDisposable
{
    private readonly TempDirectory _dir = new("slw-proxy");
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly string _socket;
    private readonly List<Socket> _open = [];
    private readonly Task _accepting;

    public EngineSocketProxy(string socket = "/var/run/docker.sock")
    {
        _socket = socket;
        _listener.Bind(new UnixDomainSocketEndPoint(Path.Combine(_dir.Path, "engine.sock")));
        _listener.Listen(64);
        _accepting = AcceptAsync();
    }

    /// <summary>What DOCKER_HOST is set to, to reach the engine through this proxy.</summary>
    public string DockerHost => $"unix://{Path.Combine(_dir.Path, "engine.sock")}";

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptAsync();
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
        _listener.Dispose();
        File.Delete(Path.Combine(_dir.Path, "engine.sock"));
        lock (_open)
            foreach (var socket in _open) socket.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        Cut();
        await _accepting;
        _dir.Dispose();
    }
}
