using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static Slipway.Engine.EngineRequests;

namespace Slipway.Engine;

/// <summary>
/// A small typed client for the Docker Engine API: exactly the calls Slipway makes, nothing else.
/// Works against dockerd and podman's Docker-compatible service.
/// </summary>
public sealed class DockerEngine : IDisposable
{
    /// <summary>How long a call may wait for the engine to start answering (a stop waits out its grace period first).</summary>
    public static readonly TimeSpan DefaultAnswerTimeout = TimeSpan.FromSeconds(60);

    private readonly HttpClient _http;

    public DockerEngine(EngineEndpoint endpoint, TimeSpan? answerTimeout = null)
    {
        Endpoint = endpoint;
        var handler = new AnswerTimeoutHandler(endpoint.Display, answerTimeout ?? DefaultAnswerTimeout) { InnerHandler = endpoint.CreateHandler() };
        _http = new HttpClient(handler) { BaseAddress = endpoint.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
    }

    public EngineEndpoint Endpoint { get; }

    public async Task<EngineVersion> VersionAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        var json = await GetJsonAsync($"{ApiPrefix}/version", timeout.Token);
        var name = json["Components"]?.AsArray().FirstOrDefault()?["Name"]?.GetValue<string>() ?? "engine";
        return new EngineVersion(Str(json, "Version"), Str(json, "ApiVersion"), Str(json, "Os"), name);
    }

    /// <summary>The engine's version; a clear error naming the endpoint when no engine answers there.</summary>
    public async Task<EngineVersion> EnsureReachableAsync(CancellationToken ct)
    {
        try
        {
            return await VersionAsync(ct);
        }
        catch (Exception e) when (e is HttpRequestException or System.Net.Sockets.SocketException or EngineTimeoutException
                                   || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            throw new Common.SlipwayException(Common.ErrorCode.EngineUnreachable, $"no container engine answers at {Endpoint.Display}",
                "start one (as root: scripts/install.sh), or set DOCKER_HOST to its socket");
        }
    }

    /// <summary>The user an image's processes run as ("" when it sets none: root), or null when there is no such image.</summary>
    public async Task<string?> ImageUserAsync(string reference, CancellationToken ct)
    {
        using var response = await _http.GetAsync($"{ApiPrefix}/images/{reference}/json", ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        await EnsureSuccessAsync(response, ct);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!["Config"]?["User"]?.GetValue<string>() ?? "";
    }

    public async Task<bool> ImageExistsAsync(string reference, CancellationToken ct) => await ImageLabelsAsync(reference, ct) is not null;

    /// <summary>The labels of an image, or null when there is no such image.</summary>
    public async Task<IReadOnlyDictionary<string, string>?> ImageLabelsAsync(string reference, CancellationToken ct)
    {
        using var response = await _http.GetAsync($"{ApiPrefix}/images/{reference}/json", ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        await EnsureSuccessAsync(response, ct);
        return Labels(JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!["Config"]?["Labels"]);
    }

    /// <summary>
    /// Builds an image from a tar context, reporting each output line. Returns the full output;
    /// throws <see cref="EngineApiException"/> with the engine's error when a step fails.
    /// </summary>
    public async Task<IReadOnlyList<string>> BuildImageAsync(Stream context, ImageBuildRequest request,
        Action<string> onOutput, CancellationToken ct)
    {
        using var content = new StreamContent(context);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        using var message = new HttpRequestMessage(HttpMethod.Post, BuildPath(request)) { Content = content };
        using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct);
        await EnsureSuccessAsync(response, ct);

        var lines = new List<string>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        var partial = new StringBuilder();
        while (await reader.ReadLineAsync(ct) is { } raw)
        {
            if (raw.Length == 0) continue;
            var message1 = JsonNode.Parse(raw);
            if (message1?["error"]?.GetValue<string>() is { } error)
                throw new EngineApiException(500, error.Trim());
            if (message1?["stream"]?.GetValue<string>() is not { } text) continue;
            partial.Append(text);
            var buffered = partial.ToString();
            var newline = buffered.LastIndexOf('\n');
            if (newline < 0) continue;
            foreach (var line in buffered[..newline].Split('\n'))
            {
                lines.Add(line);
                onOutput(line);
            }
            partial.Clear().Append(buffered[(newline + 1)..]);
        }
        return lines;
    }

    public Task TagImageAsync(string source, string repository, string tag, CancellationToken ct) =>
        PostAsync($"{ApiPrefix}/images/{source}/tag?repo={Uri.EscapeDataString(repository)}&tag={Uri.EscapeDataString(tag)}", ct);

    /// <summary>
    /// Pushes <c>repository:tag</c> to its registry. The credentials travel only in the X-Registry-Auth header
    /// of this request; they are never logged. Reports each progress status line once.
    /// </summary>
    public async Task PushImageAsync(string repository, string tag, RegistryCredentials? credentials, Action<string> onStatus, CancellationToken ct)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, $"{ApiPrefix}/images/{repository}/push?tag={Uri.EscapeDataString(tag)}");
        message.Headers.Add("X-Registry-Auth", EngineRequests.RegistryAuthHeader(credentials));
        using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct);
        await EnsureSuccessAsync(response, ct);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        string? last = null;
        while (await reader.ReadLineAsync(ct) is { } raw)
        {
            if (raw.Length == 0) continue;
            var line = JsonNode.Parse(raw);
            if (line?["error"]?.GetValue<string>() is { } error) throw new EngineApiException(500, error.Trim());
            var status = line?["status"]?.GetValue<string>();
            if (status is null || status == last || line?["progressDetail"]?["current"] is not null) continue;
            last = status;
            onStatus(line?["id"]?.GetValue<string>() is { } id ? $"{id}: {status}" : status);
        }
    }

    public async Task<IReadOnlyList<ImageSummary>> ListImagesAsync(IReadOnlyDictionary<string, string> labels, CancellationToken ct)
    {
        var json = await GetJsonAsync($"{ApiPrefix}/images/json?filters={LabelFilter(labels)}", ct);
        return json.AsArray().Select(image => new ImageSummary(
            Str(image!, "Id"),
            image!["RepoTags"]?.AsArray().Select(t => t!.GetValue<string>()).Where(t => t != "<none>:<none>").ToArray() ?? [],
            Labels(image["Labels"]),
            DateTimeOffset.FromUnixTimeSeconds(image["Created"]?.GetValue<long>() ?? 0))).ToList();
    }

    public async Task RemoveImageAsync(string reference, CancellationToken ct)
    {
        using var response = await _http.DeleteAsync($"{ApiPrefix}/images/{reference}?force=1", ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return;
        await EnsureSuccessAsync(response, ct);
    }

    public async Task<string> CreateContainerAsync(ContainerSpec spec, CancellationToken ct)
    {
        using var response = await _http.PostAsync(CreateContainerPath(spec.Name),
            new StringContent(CreateContainerBody(spec).ToJsonString(), Encoding.UTF8, "application/json"), ct);
        await EnsureSuccessAsync(response, ct);
        return Str(JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!, "Id");
    }

    /// <summary>
    /// Waits until one of the containers dies and returns which, with its exit code. It reads the engine's
    /// events from <paramref name="since"/>, so a death before this call is seen too, and each event carries
    /// its own exit code (an inspect, or the wait endpoint, may already see the restarted process and say 0).
    /// </summary>
    public async Task<(string Id, int ExitCode)> WaitForFirstDeathAsync(IReadOnlyList<string> ids, DateTimeOffset since, CancellationToken ct)
    {
        var filters = JsonSerializer.Serialize(new Dictionary<string, string[]>
        {
            ["type"] = ["container"], ["event"] = ["die"], ["container"] = ids.ToArray(),
        });
        var path = $"{ApiPrefix}/events?since={since.ToUnixTimeSeconds()}&filters={Uri.EscapeDataString(filters)}";
        using var response = await _http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, ct);
        await EnsureSuccessAsync(response, ct);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Length == 0) continue;
            var message = JsonNode.Parse(line);
            var id = message?["Actor"]?["ID"]?.GetValue<string>() ?? message?["id"]?.GetValue<string>();
            if (id is null || !ids.Any(i => id.StartsWith(i, StringComparison.Ordinal) || i.StartsWith(id, StringComparison.Ordinal))) continue;
            var code = message?["Actor"]?["Attributes"]?["exitCode"]?.GetValue<string>();
            return (ids.First(i => id.StartsWith(i, StringComparison.Ordinal) || i.StartsWith(id, StringComparison.Ordinal)),
                int.TryParse(code, out var exit) ? exit : -1);
        }
        throw new EngineApiException(500, "the engine's event stream ended");
    }

    /// <summary>Creates the network unless it exists; a network made by a concurrent run is fine.</summary>
    public async Task EnsureNetworkAsync(string name, IReadOnlyDictionary<string, string> labels, CancellationToken ct)
    {
        using (var existing = await _http.GetAsync($"{ApiPrefix}/networks/{Uri.EscapeDataString(name)}", ct))
            if (existing.IsSuccessStatusCode) return;
        using var response = await _http.PostAsync($"{ApiPrefix}/networks/create",
            new StringContent(CreateNetworkBody(name, labels).ToJsonString(), Encoding.UTF8, "application/json"), ct);
        if (response.StatusCode == HttpStatusCode.Conflict) return;
        await EnsureSuccessAsync(response, ct);
    }

    /// <summary>Removes a network; a missing one is fine. Returns whether there was one.</summary>
    public async Task<bool> RemoveNetworkAsync(string name, CancellationToken ct)
    {
        using var response = await _http.DeleteAsync($"{ApiPrefix}/networks/{Uri.EscapeDataString(name)}", ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return false;
        await EnsureSuccessAsync(response, ct);
        return true;
    }

    /// <summary>Waits for a container (without a restart policy) to exit; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(string id, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{ApiPrefix}/containers/{id}/wait");
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct); // the answer comes at the exit
        await EnsureSuccessAsync(response, ct);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))?["StatusCode"]?.GetValue<int>() ?? -1;
    }

    public Task StartContainerAsync(string id, CancellationToken ct) => PostAsync($"{ApiPrefix}/containers/{id}/start", ct);

    /// <summary>True for the engine's answer when a published host port was taken between choosing and binding it.</summary>
    public static bool IsPortConflict(EngineApiException e) =>
        e.Message.Contains("port is already allocated", StringComparison.OrdinalIgnoreCase)
        || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase);

    /// <summary>Stops gracefully (SIGTERM, then SIGKILL after the grace period); a missing or stopped container is fine.</summary>
    public Task StopContainerAsync(string id, TimeSpan grace, CancellationToken ct) =>
        PostAsync($"{ApiPrefix}/containers/{id}/stop?t={(int)Math.Ceiling(grace.TotalSeconds)}", ct);

    public async Task RemoveContainerAsync(string id, CancellationToken ct)
    {
        using var response = await _http.DeleteAsync($"{ApiPrefix}/containers/{id}?force=1&v=1", ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return;
        await EnsureSuccessAsync(response, ct);
    }

    public async Task<IReadOnlyList<ContainerSummary>> ListContainersAsync(IReadOnlyDictionary<string, string> labels, CancellationToken ct)
    {
        var json = await GetJsonAsync($"{ApiPrefix}/containers/json?all=1&filters={LabelFilter(labels)}", ct);
        return json.AsArray().Select(c => new ContainerSummary(
            Str(c!, "Id"),
            c!["Names"]?.AsArray().FirstOrDefault()?.GetValue<string>().TrimStart('/') ?? "",
            Str(c, "Image"), Str(c, "State"), Str(c, "Status"), Labels(c["Labels"]))).ToList();
    }

    public async Task<ContainerDetails?> InspectContainerAsync(string id, CancellationToken ct)
    {
        using var response = await _http.GetAsync($"{ApiPrefix}/containers/{id}/json", ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        await EnsureSuccessAsync(response, ct);
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!;
        var state = json["State"]!;
        int? hostPort = null;
        var ports = json["NetworkSettings"]?["Ports"]?.AsObject();
        if (ports is not null)
        {
            foreach (var (_, bindings) in ports)
            {
                var first = bindings?.AsArray().FirstOrDefault()?["HostPort"]?.GetValue<string>();
                if (int.TryParse(first, out var port)) { hostPort = port; break; }
            }
        }
        var error = state["Error"]?.GetValue<string>();
        return new ContainerDetails(Str(json, "Id"), Str(json, "Name").TrimStart('/'),
            state["Running"]?.GetValue<bool>() ?? false, state["ExitCode"]?.GetValue<int>() ?? 0,
            Str(state, "Status"), string.IsNullOrEmpty(error) ? null : error, hostPort,
            Labels(json["Config"]?["Labels"]), state["OOMKilled"]?.GetValue<bool>() ?? false,
            json["RestartCount"]?.GetValue<int>() ?? 0);
    }

    /// <summary>The last lines of a container's stdout and stderr, demultiplexed.</summary>
    public async Task<IReadOnlyList<string>> LogTailAsync(string id, int lines, CancellationToken ct)
    {
        using var response = await _http.GetAsync($"{ApiPrefix}/containers/{id}/logs?stdout=1&stderr=1&tail={lines}", ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return [];
        await EnsureSuccessAsync(response, ct);
        var bytes = await response.Content.ReadAsByteArrayAsync(ct);
        return LogStream.Demultiplex(bytes).Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).TakeLast(lines).ToList();
    }

    /// <summary>
    /// Streams a container's stdout and stderr with the engine's timestamps, line by line; with
    /// <paramref name="follow"/> it keeps streaming until the container stops or <paramref name="ct"/> fires.
    /// </summary>
    public async Task StreamLogsAsync(string id, DateTimeOffset? since, int? tail, bool follow,
        Action<DateTimeOffset, string> onLine, CancellationToken ct)
    {
        var query = $"stdout=1&stderr=1&timestamps=1&follow={(follow ? 1 : 0)}&tail={(tail?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "all")}"
                    + (since is { } s ? $"&since={s.ToUnixTimeSeconds()}" : "");
        using var response = await _http.GetAsync($"{ApiPrefix}/containers/{id}/logs?{query}", HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return;
        await EnsureSuccessAsync(response, ct);
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        await ReadMultiplexedLinesAsync(stream, line =>
        {
            var space = line.IndexOf(' ');
            if (space > 0 && DateTimeOffset.TryParse(line[..space], System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.AssumeUniversal, out var at))
                onLine(at, line[(space + 1)..]);
            else
                onLine(DateTimeOffset.MinValue, line);
        }, ct);
    }

    /// <summary>
    /// Runs a command inside a running container (the engine's exec), streaming its stdout and stderr line by line;
    /// returns its exit code.
    /// </summary>
    public async Task<int> ExecAsync(string containerId, IReadOnlyList<string> command, Action<string> onLine, CancellationToken ct)
    {
        var create = new JsonObject
        {
            ["AttachStdout"] = true, ["AttachStderr"] = true,
            ["Cmd"] = new JsonArray(command.Select(c => (JsonNode)JsonValue.Create(c)).ToArray()),
        };
        using var created = await _http.PostAsync($"{ApiPrefix}/containers/{containerId}/exec",
            new StringContent(create.ToJsonString(), Encoding.UTF8, "application/json"), ct);
        await EnsureSuccessAsync(created, ct);
        var execId = Str(JsonNode.Parse(await created.Content.ReadAsStringAsync(ct))!, "Id");
        using (var start = new HttpRequestMessage(HttpMethod.Post, $"{ApiPrefix}/exec/{execId}/start")
               {
                   Content = new StringContent("""{"Detach":false,"Tty":false}""", Encoding.UTF8, "application/json"),
               })
        using (var response = await _http.SendAsync(start, HttpCompletionOption.ResponseHeadersRead, ct))
        {
            await EnsureSuccessAsync(response, ct);
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            await ReadMultiplexedLinesAsync(stream, onLine, ct);
        }
        var inspected = await GetJsonAsync($"{ApiPrefix}/exec/{execId}/json", ct);
        return inspected["ExitCode"]?.GetValue<int>() ?? -1;
    }

    /// <summary>Reads a multiplexed stdout/stderr stream (8-byte frame headers) as lines; a last line without a newline counts.</summary>
    private static async Task ReadMultiplexedLinesAsync(Stream stream, Action<string> onLine, CancellationToken ct)
    {
        var header = new byte[8];
        var pending = new StringBuilder();
        while (await ReadExactlyOrEndAsync(stream, header, ct))
        {
            var size = (header[4] << 24) | (header[5] << 16) | (header[6] << 8) | header[7];
            var payload = new byte[size];
            if (!await ReadExactlyOrEndAsync(stream, payload, ct)) break;
            pending.Append(Encoding.UTF8.GetString(payload));
            var text = pending.ToString();
            var end = text.LastIndexOf('\n');
            if (end < 0) continue;
            foreach (var line in text[..end].Split('\n')) onLine(line.TrimEnd('\r'));
            pending.Clear().Append(text[(end + 1)..]);
        }
        if (pending.Length > 0) onLine(pending.ToString().TrimEnd('\r'));
    }

    private static async Task<bool> ReadExactlyOrEndAsync(Stream stream, byte[] buffer, CancellationToken ct)
    {
        try
        {
            await stream.ReadExactlyAsync(buffer, ct);
            return true;
        }
        catch (EndOfStreamException)
        {
            return false;
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

/// <summary>
/// Bounds the wait for the engine's answer to each request (its status and headers; a build's or a log's
/// stream may then go on as long as it needs), so an engine that accepts connections and never answers
/// fails the call with a clear error instead of hanging the CLI.
/// </summary>
internal sealed class AnswerTimeoutHandler(string endpoint, TimeSpan timeout) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(timeout);
        try
        {
            return await base.SendAsync(request, bounded.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new EngineTimeoutException(
                $"the container engine at {endpoint} did not answer {request.Method} {request.RequestUri?.AbsolutePath} within {Common.Duration.Format(timeout)}");
        }
    }
}

public sealed class EngineTimeoutException(string message) : TimeoutException(message);

/// <summary>Docker multiplexes stdout and stderr of a non-TTY container into 8-byte-header frames.</summary>
public static class LogStream
{
    public static string Demultiplex(ReadOnlySpan<byte> data)
    {
        var text = new StringBuilder();
        while (data.Length >= 8 && data[0] <= 2 && data[1] == 0 && data[2] == 0 && data[3] == 0)
        {
            var size = (data[4] << 24) | (data[5] << 16) | (data[6] << 8) | data[7];
            var frame = data.Slice(8, Math.Min(size, data.Length - 8));
            text.Append(Encoding.UTF8.GetString(frame));
            data = data[(8 + frame.Length)..];
        }
        if (data.Length > 0) text.Append(Encoding.UTF8.GetString(data)); // a TTY container's raw stream
        return text.ToString();
    }
}
