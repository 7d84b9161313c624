using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Slipway.Edge.Contract;

namespace Slipway.Edge;

/// <summary>
/// The cluster's other edges, asked through their <see cref="ControlGate"/>s over the cluster's network, each connection
/// greeted with the cluster's token as a relay does: the edge that judges a canary for its route of the app, the edge that
/// gets a route's certificate for that certificate, and the peers for the answer to an ACME CA's check that one of them
/// asked for. An edge without a control gate (one machine's) has no token and reaches none.
/// </summary>
internal sealed class ClusterGates : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    /// <summary>How many peers one challenge is asked of, and how many challenges are asked about at once: a CA's checks are few.</summary>
    public const int MaxPeers = 16;
    public const int MaxChallengesInFlight = 4;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient? _http;
    private readonly (string Name, int Port)? _peers;
    private readonly SemaphoreSlim _challenges = new(MaxChallengesInFlight);

    public ClusterGates(EdgeOptions options)
    {
        if (options.ControlGate is not { } gate) return;
        if (gate.Peers is { } peers && IsGate(peers) && new Uri($"http://{peers}/") is var uri) _peers = (uri.IdnHost, uri.Port);
        var greeting = Encoding.ASCII.GetBytes(ControlGate.Greeting).Concat(gate.Token).Append((byte)'\n').ToArray();
        var handler = new SocketsHttpHandler
        {
            // Pooled per edge (the request's host and port); each new connection proves the token first.
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

    /// <summary>Whether <paramref name="gate"/> names a control gate as <c>host:port</c>.</summary>
    public static bool IsGate(string gate) => Uri.TryCreate($"http://{gate}/", UriKind.Absolute, out var uri)
                                               && uri.Port is > 0 and < 65536 && gate.EndsWith($":{uri.Port}", StringComparison.Ordinal)
                                               && uri.AbsolutePath == "/";

    /// <summary>The leader's route of <paramref name="app"/>: (true, route) when it answered (route null: it has none); (false, null) when it did not.</summary>
    public async Task<(bool Reached, EdgeRoute? Route)> RouteAsync(string leader, string app, CancellationToken ct)
    {
        if (_http is null) return (false, null);
        using var request = Request(leader, $"/routes/{Uri.EscapeDataString(app)}");
        try
        {
            using var response = await _http.SendAsync(request, ct);
            if (response.StatusCode == HttpStatusCode.NotFound)
                // Only the route's own 404 says the leader has none; another (a path or host it does not serve) says nothing.
                return (await response.Content.ReadFromJsonAsync<EdgeError>(Json, ct))?.Error == EdgeErrors.RouteNotFound ? (true, null) : (false, null);
            if (!response.IsSuccessStatusCode) return (false, null);
            return (true, (await response.Content.ReadFromJsonAsync<RouteStatus>(Json, ct))?.Route);
        }
        catch (Exception e) when (Unanswered(e, ct))
        {
            return (false, null);
        }
    }

    /// <summary>The certificate and key <paramref name="leader"/> serves for <paramref name="app"/>; throws with why when it has none or does not answer.</summary>
    public async Task<EdgeTls> CertificateAsync(string leader, string app, CancellationToken ct)
    {
        if (_http is null) throw new CertificateIssuingException($"the edge that gets the certificate ({leader}) is out of reach: this edge has no control gate");
        using var request = Request(leader, $"/routes/{Uri.EscapeDataString(app)}/certificate");
        try
        {
            using var response = await _http.SendAsync(request, ct);
            if (!response.IsSuccessStatusCode)
            {
                var error = response.Content.Headers.ContentType?.MediaType == "application/json"
                    ? (await response.Content.ReadFromJsonAsync<EdgeError>(Json, ct))?.Message : null;
                throw new CertificateIssuingException($"the edge that gets the certificate ({leader}) has none for {app}: {error ?? $"HTTP {(int)response.StatusCode}"}");
            }
            return await response.Content.ReadFromJsonAsync<EdgeTls>(Json, ct)
                   ?? throw new CertificateIssuingException($"the edge that gets the certificate ({leader}) answered nothing for {app}");
        }
        catch (Exception e) when (Unanswered(e, ct))
        {
            throw new CertificateIssuingException($"the edge that gets the certificate ({leader}) did not answer: {e.Message}", e);
        }
    }

    /// <summary>
    /// The answer to an ACME CA's HTTP-01 check that another edge of the cluster is proving (its CA may check any edge node):
    /// asked of every peer the cluster's name lists; null when none has it, when this edge has no peers, or when as many
    /// checks as <see cref="MaxChallengesInFlight"/> are being asked about already (a flood of made-up tokens reaches no peer).
    /// </summary>
    public async Task<string?> ChallengeAnswerAsync(string token, CancellationToken ct)
    {
        if (_http is null || _peers is null || !AcmeChallenges.IsToken(token) || !await _challenges.WaitAsync(TimeSpan.Zero, ct)) return null;
        try
        {
            IPAddress[] peers;
            try
            {
                using var lookup = CancellationTokenSource.CreateLinkedTokenSource(ct);
                lookup.CancelAfter(Timeout);
                peers = await Dns.GetHostAddressesAsync(_peers.Value.Name, lookup.Token);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
            {
                return null;
            }
            var asked = peers.Take(MaxPeers).Select(async peer =>
            {
                var gate = peer.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{peer}]:{_peers.Value.Port}" : $"{peer}:{_peers.Value.Port}";
                using var request = Request(gate, $"/acme-challenges/{token}");
                try
                {
                    using var response = await _http.SendAsync(request, ct);
                    return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync(ct) : null;
                }
                catch (Exception e) when (Unanswered(e, ct))
                {
                    return null;
                }
            }).ToList();
            return (await Task.WhenAll(asked)).FirstOrDefault(a => a is not null);
        }
        finally
        {
            _challenges.Release();
        }
    }

    private static HttpRequestMessage Request(string gate, string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"http://{gate}{EdgeControlApi.Prefix}{path}");
        request.Headers.Host = EdgeControlApi.Host;
        return request;
    }

    private static bool Unanswered(Exception e, CancellationToken ct) =>
        e is HttpRequestException or IOException or SocketException or JsonException or NotSupportedException
            or TaskCanceledException && !ct.IsCancellationRequested;

    public void Dispose()
    {
        _http?.Dispose();
        _challenges.Dispose();
    }
}
