using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using static Slipway.Engine.EngineRequests;

namespace Slipway.Engine;

/// <summary>
/// A small typed client for the Docker Engine API: exactly the calls Slipway makes, nothing else.
/// Works against dockerd and podman's Docker-compatible service.
/// </summary>
public sealed partial class DockerEngine : IDisposable
{
    /// <summary>How long a call may wait for the engine to start answering (a stop waits out its grace period first).</summary>
    public static readonly TimeSpan DefaultAnswerTimeout = TimeSpan.FromSeconds(60);

    private readonly HttpClient _http;
    private readonly ApiVersionHandler _api;

    public DockerEngine(EngineEndpoint endpoint, TimeSpan? answerTimeout = null)
    {
        Endpoint = endpoint;
        _api = new ApiVersionHandler(endpoint) { InnerHandler = endpoint.CreateHandler() };
        var handler = new AnswerTimeoutHandler(endpoint.Display, answerTimeout ?? DefaultAnswerTimeout) { InnerHandler = _api };
        _http = new HttpClient(handler) { BaseAddress = endpoint.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
    }

    public EngineEndpoint Endpoint { get; }

    public async Task<EngineVersion> VersionAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        var json = await GetJsonAsync($"{ApiPrefix}/version", timeout.Token);
        var name = json["Components"]?.AsArray().FirstOrDefault()?["Name"]?.GetValue<string>() ?? "engine";
        return new EngineVersion(Str(json, "Version"), Str(json, "ApiVersion"), Str(json, "Os"), name, (await _api.VersionAsync(ct)).ToString());
    }

    /// <summary>
    /// The engine's version, from its ping's <c>Server</c> header ("Docker/20.10.24+dfsg1 (linux)", "Libpod/4.3.1 (linux)") where it
    /// sends one, else from <c>/version</c>; a clear error naming the endpoint when no engine answers there.
    /// </summary>
    public async Task<EngineVersion> EnsureReachableAsync(CancellationToken ct)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            // Through every handler, as any request: an ssh failure, a refused version or no answer each get their own line.
            using var ping = await _http.GetAsync($"{ApiPrefix}/_ping", timeout.Token);
            await EnsureSuccessAsync(ping, ct);
            return EngineServer.Parse(ping.Headers.TryGetValues("Server", out var server) ? string.Join(' ', server) : null) is { } named
                   && ping.Headers.TryGetValues("Api-Version", out var speaks)
                ? new EngineVersion(named.Version, speaks.First(), named.Os, named.Name, (await _api.VersionAsync(ct)).ToString())
                : await VersionAsync(ct);
        }
        catch (Exception e) when (e is HttpRequestException or System.Net.Sockets.SocketException or EngineTimeoutException
                                   || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            throw new Foundation.SlipwayException(Foundation.ErrorCode.EngineUnreachable, $"no container engine answers at {Endpoint.Display}",
                "start one (as root: scripts/install.sh), or set DOCKER_HOST to its socket");
        }
    }

    private async Task PostAsync(string path, CancellationToken ct)
    {
        using var response = await _http.PostAsync(path, content: null, ct);
        if (response.StatusCode is HttpStatusCode.NotModified or HttpStatusCode.NotFound) return;
        await EnsureSuccessAsync(response, ct);
    }

    private async Task<JsonNode> GetJsonAsync(string path, CancellationToken ct)
    {
        using var response = await _http.GetAsync(path, ct);
        await EnsureSuccessAsync(response, ct);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!;
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode) return;
        var body = await response.Content.ReadAsStringAsync(ct);
        string message;
        try { message = JsonNode.Parse(body)?["message"]?.GetValue<string>() ?? body; }
        catch (JsonException) { message = body; }
        throw new EngineApiException((int)response.StatusCode, message.Trim());
    }

    private static string Str(JsonNode node, string key) => node[key]?.GetValue<string>() ?? "";

    private static IReadOnlyDictionary<string, string> Labels(JsonNode? node) =>
        node is JsonObject labels
            ? labels.ToDictionary(l => l.Key, l => l.Value?.GetValue<string>() ?? "")
            : new Dictionary<string, string>();

    public void Dispose() => _http.Dispose();
}
