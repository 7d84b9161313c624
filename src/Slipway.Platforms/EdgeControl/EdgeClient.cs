using System.Net.Http.Json;
using System.Net.Sockets;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Slipway.Edge.Contract;
using Slipway.Engine;

namespace Slipway.Platforms.EdgeControl;

/// <summary>
/// The edge's typed control client: over its unix socket on this machine, or through the engine (an exec of the edge's relay
/// in its container) when the edge runs on a server.
/// </summary>
public sealed class EdgeClient : IDisposable
{
    private static EdgeContractJson Json => EdgeContractJson.Default;
    private readonly HttpClient _http;
    private readonly bool _local;
    /// <summary>How long <see cref="InfoAsync"/> waits for an answer before it reads as "not running".</summary>
    private readonly TimeSpan _answerWithin;

    /// <summary>The edge whose state is <paramref name="paths"/> on this machine, over its control socket there.</summary>
    public EdgeClient(EdgePaths paths) : this(paths, ConnectionHandler.Over(new UnixSocketDialer(paths.ControlSocket).ConnectAsync), local: true,
        TimeSpan.FromSeconds(3))
    {
    }

    private EdgeClient(EdgePaths paths, HttpMessageHandler handler, bool local, TimeSpan answerWithin)
    {
        Paths = paths;
        _local = local;
        _answerWithin = answerWithin;
        _http = new HttpClient(handler)
        {
            BaseAddress = new Uri($"http://{EdgeControlApi.Host}{EdgeControlApi.Prefix}/"),
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>The edge in <paramref name="container"/> on <paramref name="engine"/>'s machine, through the engine's exec.</summary>
    /// <remarks>
    /// Whether a server's one edge is up is asked through an exec of the relay (a program to start) over a link that may
    /// need a new ssh login: seconds on a busy server, where 3 s once read as "not running" just after a reboot. A cluster's
    /// edges keep 3 s (<see cref="ThroughRelay"/>): one lost with its node must not hold up every command.
    /// </remarks>
    public static EdgeClient ThroughEngine(DockerEngine engine, string container) =>
        ThroughRelay(engine, container, ["relay", "--socket", new EdgePaths(EdgeImage.StateFolder).ControlSocket], reuse: true,
            answerWithin: TimeSpan.FromSeconds(15));

    /// <summary>
    /// An edge reached through a relay the engine's exec runs in <paramref name="container"/> (the edge's own, or on a cluster
    /// a relay beside the manager that greets another node's edge at its control gate).
    /// </summary>
    /// <param name="relay">The edge program's arguments that relay stdin and stdout to the control socket.</param>
    /// <param name="reuse">
    /// Whether one relay carries several requests. A relay through a cluster's control gate carries one (an exec more per
    /// request) until pooled ones are proven there: an idle pooled relay used to fail its next request, which was the exec
    /// stream taking HttpClient's zero-byte read for its end (fixed in <c>StdoutConnection</c>).
    /// </param>
    /// <param name="answerWithin">How long a question whether it runs waits (3 s when not given).</param>
    public static EdgeClient ThroughRelay(DockerEngine engine, string container, IReadOnlyList<string> relay, bool reuse = false,
        TimeSpan? answerWithin = null)
    {
        var handler = ConnectionHandler.Over(ct => new ValueTask<EngineConnection>(
            engine.ExecConnectAsync(container, [EdgeImage.Program, .. relay], ct)));
        if (!reuse) handler.PooledConnectionLifetime = TimeSpan.Zero;
        return new EdgeClient(new EdgePaths(EdgeImage.StateFolder), handler, local: false, answerWithin ?? TimeSpan.FromSeconds(3));
    }

    /// <summary>The edge's files as the edge sees them (on a server: inside its container).</summary>
    public EdgePaths Paths { get; }

    /// <summary>Null when no edge answers.</summary>
    public async Task<EdgeInfo?> InfoAsync(CancellationToken ct)
    {
        if (_local && !File.Exists(Paths.ControlSocket)) return null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_answerWithin);
        try
        {
            return await _http.GetFromJsonAsync("info", Json.EdgeInfo, timeout.Token);
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or EngineApiException or JsonException
                                   || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return null;
        }
    }

    /// <summary>Every app version's traffic through the edge since it started.</summary>
    /// <remarks>None from an edge started by a Slipway without metrics (it answers 404) until it is restarted.</remarks>
    public async Task<IReadOnlyList<TrafficSnapshot>> MetricsAsync(CancellationToken ct)
    {
        using var response = await _http.GetAsync("metrics", ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return [];
        return await ReadAsync(response, Json.ListTrafficSnapshot, ct) ?? [];
    }

    /// <summary>The same, in Prometheus's text format (empty from an edge without metrics).</summary>
    public async Task<string> PrometheusAsync(CancellationToken ct)
    {
        using var response = await _http.GetAsync("metrics/prometheus", ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return "";
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync(ct);
    }

    public async Task<IReadOnlyList<RouteStatus>> RoutesAsync(CancellationToken ct) =>
        await _http.GetFromJsonAsync("routes", Json.ListRouteStatus, ct) ?? [];

    public async Task<RouteStatus?> RouteAsync(string app, CancellationToken ct)
    {
        using var response = await _http.GetAsync($"routes/{app}", ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        return await ReadAsync(response, Json.RouteStatus, ct);
    }

    /// <summary>Blocks until the edge has gated, cut over and drained, or rejected the release.</summary>
    public async Task<DeployOutcome> DeployAsync(string app, DeployArgs args, CancellationToken ct)
    {
        using var response = await _http.PostAsJsonAsync($"routes/{app}/deploy", args, Json.DeployArgs, ct);
        return await ReadAsync(response, Json.DeployOutcome, ct);
    }

    public async Task<bool> RemoveAsync(string app, TimeSpan drain, CancellationToken ct)
    {
        using var response = await _http.DeleteAsync($"routes/{app}?drainSeconds={drain.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}", ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return false;
        await ReadAsync(response, Json.JsonElement, ct);
        return true;
    }

    /// <summary>Puts the app in maintenance (null: out of it); false when the edge has no route for it.</summary>
    public async Task<bool> SetMaintenanceAsync(string app, MaintenanceMode? mode, CancellationToken ct)
    {
        using var response = await _http.PutAsJsonAsync($"routes/{app}/maintenance", mode, Json.MaintenanceMode, ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return false;
        await ReadAsync(response, Json.JsonElement, ct);
        return true;
    }

    /// <summary>
    /// Opens a plain port answering ACME CA checks (asked of the cluster's other edges) and nothing else, for at most
    /// <paramref name="open"/>: while another edge gets a certificate, the CA may check this one.
    /// </summary>
    public async Task OpenChallengePortAsync(int port, TimeSpan open, CancellationToken ct)
    {
        using var response = await _http.PutAsync($"challenge-ports/{port}?seconds={(int)open.TotalSeconds}", null, ct);
        await ReadAsync(response, Json.JsonElement, ct);
    }

    public async Task CloseChallengePortAsync(int port, CancellationToken ct)
    {
        using var response = await _http.DeleteAsync($"challenge-ports/{port}", ct);
        await ReadAsync(response, Json.JsonElement, ct);
    }

    /// <summary>Promotes or aborts the app's canary; null when none is in progress.</summary>
    public async Task<CanaryResult?> EndCanaryAsync(string app, bool promote, CancellationToken ct)
    {
        using var response = await _http.PostAsync($"routes/{app}/canary/{(promote ? "promote" : "abort")}", null, ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        return await ReadAsync(response, Json.CanaryResult, ct);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> type, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode)
            return (await response.Content.ReadFromJsonAsync(type, ct))!;
        EdgeError? error = null;
        try { error = await response.Content.ReadFromJsonAsync(Json.EdgeError, ct); }
        catch (JsonException) { }
        throw new EdgeRequestException(error ?? new EdgeError("http_" + (int)response.StatusCode, response.ReasonPhrase ?? "edge request failed"));
    }

    public void Dispose() => _http.Dispose();
}

public sealed class EdgeRequestException(EdgeError error) : Exception(error.Message)
{
    public EdgeError Error { get; } = error;
}
