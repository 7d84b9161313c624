using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Slipway.Edge.Contract;

namespace Slipway.Edge;

/// <summary>
/// Asks the edge that judges a canary (another edge of the cluster) for its route of the app: over the cluster's network, to
/// its <see cref="ControlGate"/>, greeted with the cluster's token as a relay does. An edge without a control gate (one
/// machine's) has no token and reaches no leader.
/// </summary>
internal sealed class CanaryLeaders : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient? _http;

    public CanaryLeaders(EdgeOptions options)
    {
        if (options.ControlGate is not { } gate) return;
        var greeting = Encoding.ASCII.GetBytes(ControlGate.Greeting).Concat(gate.Token).Append((byte)'\n').ToArray();
        var handler = new SocketsHttpHandler
        {
            // Pooled per leader (the request's host and port); each new connection proves the token first.
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    var stream = new NetworkStream(socket, ownsSocket: true);
                    await stream.WriteAsync(greeting, ct);
                    return stream;
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(10),
            UseProxy = false,
        };
        _http = new HttpClient(handler) { Timeout = Timeout };
    }

    /// <summary>Whether <paramref name="leader"/> names a control gate as <c>host:port</c>.</summary>
    public static bool IsGate(string leader) => Uri.TryCreate($"http://{leader}/", UriKind.Absolute, out var uri)
                                               && uri.Port is > 0 and < 65536 && leader.EndsWith($":{uri.Port}", StringComparison.Ordinal)
                                               && uri.AbsolutePath == "/";

    /// <summary>The leader's route of <paramref name="app"/>: (true, route) when it answered (route null: it has none); (false, null) when it did not.</summary>
    public async Task<(bool Reached, EdgeRoute? Route)> RouteAsync(string leader, string app, CancellationToken ct)
    {
        if (_http is null) return (false, null);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{leader}{EdgeControlApi.Prefix}/routes/{Uri.EscapeDataString(app)}");
        request.Headers.Host = EdgeControlApi.Host;
        try
        {
            using var response = await _http.SendAsync(request, ct);
            if (response.StatusCode == HttpStatusCode.NotFound)
                // Only the route's own 404 says the leader has none; another (a path or host it does not serve) says nothing.
                return (await response.Content.ReadFromJsonAsync<EdgeError>(Json, ct))?.Error == EdgeErrors.RouteNotFound ? (true, null) : (false, null);
            if (!response.IsSuccessStatusCode) return (false, null);
            return (true, (await response.Content.ReadFromJsonAsync<RouteStatus>(Json, ct))?.Route);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or SocketException or JsonException
                                      or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return (false, null);
        }
    }

    public void Dispose() => _http?.Dispose();
}
