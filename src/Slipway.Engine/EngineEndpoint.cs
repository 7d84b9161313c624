using System.Net.Sockets;
using Slipway.Foundation;

namespace Slipway.Engine;

/// <summary>
/// Where the Docker Engine API answers and how a connection to it is made: a unix socket on this machine, TCP (with TLS
/// when asked), or ssh to a server whose engine answers there (the docker CLI's <c>docker system dial-stdio</c>).
/// Every form reaches the same HTTP API; podman's Docker-compatible socket works the same way.
/// </summary>
/// <param name="Display">How the endpoint is named to the user (never a secret: it is the address, not a credential).</param>
public sealed record EngineEndpoint(string Display, EngineDialer Dialer)
{
    public const string DefaultSocket = "/var/run/docker.sock";

    /// <summary>Requests go to this base; the dialer decides where the bytes really go.</summary>
    public Uri BaseAddress { get; } = new("http://docker");

    /// <summary>The engine runs on this machine: a folder here is a folder it can mount, a port here one it binds.</summary>
    public bool IsOnThisMachine => Dialer is UnixSocketDialer;

    /// <summary>The server's host name or address, for an engine reached over the network; null for this machine's.</summary>
    public string? RemoteHost => Dialer switch
    {
        SshDialer ssh => ssh.Target.Host,
        TcpDialer tcp => tcp.Host,
        _ => null,
    };

    public static EngineEndpoint Default { get; } = new($"unix://{DefaultSocket}", new UnixSocketDialer(DefaultSocket));

    /// <summary>
    /// A <c>DOCKER_HOST</c>-style address: <c>unix:///path</c>, <c>tcp://host:port</c> (TLS when <paramref name="tls"/> is given) or
    /// <c>ssh://[user@]host[:port]</c>. <paramref name="setting"/> names where it was written, for the error.
    /// </summary>
    public static EngineEndpoint Parse(string? address, string setting = "DOCKER_HOST", EngineTls? tls = null)
    {
        if (string.IsNullOrWhiteSpace(address)) return Default;
        var scheme = address.IndexOf("://", StringComparison.Ordinal) is var at and > 0 ? address[..at] : "";
        var rest = scheme.Length > 0 ? address[(scheme.Length + 3)..] : "";
        switch (scheme)
        {
            case "unix" when rest.Length > 0:
                return new EngineEndpoint(address, new UnixSocketDialer(rest));
            case "tcp" or "http" or "https" when TryHostPort(rest.TrimEnd('/'), tls is null && scheme != "https" ? 2375 : 2376, out var host, out var port):
                return new EngineEndpoint(address, new TcpDialer(host, port, tls ?? (scheme == "https" ? EngineTls.SystemTrust : null)));
            case "ssh" when SshTarget.TryParse(rest, out var target):
                return new EngineEndpoint(address, new SshDialer(target!));
        }
        throw new SlipwayException(ErrorCode.InvalidSetting,
            $"{setting}: \"{address}\" is not an engine address (unix:///path, tcp://host:port or ssh://user@host[:port])",
            setting == "DOCKER_HOST" ? "unset DOCKER_HOST to use /var/run/docker.sock, or fix its value" : "fix its value, or name a Docker context");
    }

    private static bool TryHostPort(string value, int defaultPort, out string host, out int port)
    {
        port = defaultPort;
        host = value;
        if (value.Length == 0 || value.Contains('/') || value.Contains('@')) return false;
        var colon = value.StartsWith('[') ? value.IndexOf("]:", StringComparison.Ordinal) + 1 : value.LastIndexOf(':');
        if (colon > 0 && !(value.Count(c => c == ':') > 1 && !value.StartsWith('[')))
        {
            if (!int.TryParse(value[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port)
                || port is < 1 or > 65535)
                return false;
            host = value[..colon];
        }
        host = host.Trim('[', ']');
        return host.Length > 0;
    }

    public HttpMessageHandler CreateHandler() => ConnectionHandler.Over(Dialer.ConnectAsync);
}

/// <summary>Makes one connection to the engine: a byte stream both ways, whose write side can be closed on its own.</summary>
public abstract record EngineDialer
{
    public abstract ValueTask<EngineConnection> ConnectAsync(CancellationToken ct);
}

/// <summary>One connection to the engine; <see cref="CloseWriteAsync"/> ends what is sent (a container's stdin) while reading goes on.</summary>
public abstract class EngineConnection : Stream
{
    public abstract ValueTask CloseWriteAsync();
}

public sealed record UnixSocketDialer(string Path) : EngineDialer
{
    public override async ValueTask<EngineConnection> ConnectAsync(CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(Path), ct);
            return new SocketConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>
/// An HTTP handler whose every connection is made by <paramref name="connect"/> (a socket, TLS, ssh, an exec in a container):
/// the engine's API and the edge's control API, whatever carries them.
/// </summary>
public static class ConnectionHandler
{
    public static SocketsHttpHandler Over(Func<CancellationToken, ValueTask<EngineConnection>> connect) => new()
    {
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        UseProxy = false,
        ConnectCallback = async (_, ct) => await connect(ct),
    };
}

/// <summary>A socket as an engine connection: closing the write side is a TCP (or unix) half-close.</summary>
internal sealed class SocketConnection(Socket socket) : StreamConnection(new NetworkStream(socket, ownsSocket: true))
{
    public override ValueTask CloseWriteAsync()
    {
        socket.Shutdown(SocketShutdown.Send);
        return ValueTask.CompletedTask;
    }
}
