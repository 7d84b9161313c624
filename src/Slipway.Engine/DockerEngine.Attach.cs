using System.Net.Sockets;
using System.Text;
using static Slipway.Engine.EngineRequests;

namespace Slipway.Engine;

/// <summary>
/// A container's stdin, stdout and stderr on one connection (<c>run -i</c>): the engine's attach endpoint upgrades the
/// HTTP connection to a raw stream, which HttpClient cannot hand over, so this one connection is made by hand.
/// </summary>
public sealed partial class DockerEngine
{
    /// <summary>
    /// Attaches to a created (not yet started) container: returns the raw stream, multiplexed into 8-byte-header
    /// frames unless the container has a terminal. Writing to it is the container's stdin; shutting the socket's
    /// send side closes it.
    /// </summary>
    public async Task<Socket> AttachAsync(string id, CancellationToken ct)
    {
        var socket = Endpoint.UnixSocketPath is not null
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (Endpoint.UnixSocketPath is { } unix) await socket.ConnectAsync(new UnixDomainSocketEndPoint(unix), ct);
            else await socket.ConnectAsync(Endpoint.BaseAddress.Host, Endpoint.BaseAddress.Port, ct);
            await socket.SendAsync(Encoding.ASCII.GetBytes(AttachRequest(id, Endpoint.BaseAddress.Host, await _api.VersionAsync(ct))), ct);
            var head = await ReadHeadAsync(socket, ct);
            if (!head.StartsWith("HTTP/1.1 101", StringComparison.Ordinal) && !head.StartsWith("HTTP/1.1 200", StringComparison.Ordinal))
                throw new EngineApiException(500, head.Split("\r\n")[0]);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The answer's status line and headers, read byte by byte so that no byte of the stream after them is taken.</summary>
    private static async Task<string> ReadHeadAsync(Socket socket, CancellationToken ct)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await socket.ReceiveAsync(one, ct) == 0) throw new EngineApiException(500, "the engine closed the attach connection");
            head.Append((char)one[0]);
            if (head.Length > 16_384) throw new EngineApiException(500, "the engine's answer to attach has no end of headers");
        }
        return head.ToString();
    }

    /// <summary>Sets a terminal container's size, as the user's terminal is.</summary>
    public Task ResizeAsync(string id, int height, int width, CancellationToken ct) =>
        PostAsync($"{ApiPrefix}/containers/{id}/resize?h={height}&w={width}", ct);
}
