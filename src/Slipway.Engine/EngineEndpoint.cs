using System.Net.Sockets;

namespace Slipway.Engine;

/// <summary>
/// Where the Docker Engine API answers: <c>DOCKER_HOST</c> (<c>unix:///path</c> or <c>tcp://host:port</c>),
/// else the default socket. podman's Docker-compatible socket works the same way.
/// </summary>
public sealed record EngineEndpoint(string Display, Uri BaseAddress, string? UnixSocketPath)
{
    public const string DefaultSocket = "/var/run/docker.sock";

    public static EngineEndpoint FromEnvironment() => Parse(Environment.GetEnvironmentVariable("DOCKER_HOST"));

    public static EngineEndpoint Parse(string? dockerHost)
    {
        if (string.IsNullOrWhiteSpace(dockerHost))
            return new EngineEndpoint($"unix://{DefaultSocket}", new Uri("http://docker"), DefaultSocket);
        if (dockerHost.StartsWith("unix://", StringComparison.Ordinal))
            return new EngineEndpoint(dockerHost, new Uri("http://docker"), dockerHost["unix://".Length..]);
        if (dockerHost.StartsWith("tcp://", StringComparison.Ordinal) || dockerHost.StartsWith("http://", StringComparison.Ordinal))
            return new EngineEndpoint(dockerHost, new Uri("http://" + dockerHost[(dockerHost.IndexOf("://", StringComparison.Ordinal) + 3)..].TrimEnd('/')), null);
        throw new Foundation.SlipwayException(Foundation.ErrorCode.InvalidSetting, $"DOCKER_HOST: \"{dockerHost}\" is neither unix://<socket> nor tcp://<host>:<port>",
            "unset DOCKER_HOST to use /var/run/docker.sock, or fix its value");
    }

    public HttpMessageHandler CreateHandler() => UnixSocket.Handler(UnixSocketPath);
}

/// <summary>An HTTP handler that talks over a unix socket when given one (engine API, edge control API).</summary>
public static class UnixSocket
{
    public static SocketsHttpHandler Handler(string? socketPath)
    {
        var handler = new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30), UseProxy = false };
        if (socketPath is not null)
        {
            handler.ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }
        return handler;
    }
}
