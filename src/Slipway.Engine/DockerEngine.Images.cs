using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using static Slipway.Engine.EngineRequests;

namespace Slipway.Engine;
/// <summary>Images: inspect, build, tag, push, list and remove.</summary>
public sealed partial class DockerEngine
{
    /// <summary>The user an image's processes run as ("" when it sets none: root), or null when there is no such image.</summary>
    public async Task<string?> ImageUserAsync(string reference, CancellationToken ct)
    {
        using var response = await _http.GetAsync($"{ApiPrefix}/images/{reference}/json", ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        await EnsureSuccessAsync(response, ct);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!["Config"]?["User"]?.GetValue<string>() ?? "";
    }

    public async Task<bool> ImageExistsAsync(string reference, CancellationToken ct) => await ImageLabelsAsync(reference, ct) is not null;

    /// <summary>The image's ID (sha256:...), or null when there is no such image.</summary>
    public async Task<string?> ImageIdAsync(string reference, CancellationToken ct)
    {
        using var response = await _http.GetAsync($"{ApiPrefix}/images/{reference}/json", ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        await EnsureSuccessAsync(response, ct);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!["Id"]?.GetValue<string>();
    }

    /// <summary>Pulls <c>repository:tag</c> from its registry (anonymously); throws with the engine's words when it cannot.</summary>
    public async Task PullImageAsync(string reference, CancellationToken ct)
    {
        var at = reference.LastIndexOf(':');
        var (repository, tag) = at > reference.LastIndexOf('/') && at > 0 ? (reference[..at], reference[(at + 1)..]) : (reference, "latest");
        using var message = new HttpRequestMessage(HttpMethod.Post,
            $"{ApiPrefix}/images/create?fromImage={Uri.EscapeDataString(repository)}&tag={Uri.EscapeDataString(tag)}");
        using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct);
        await EnsureSuccessAsync(response, ct);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        while (await reader.ReadLineAsync(ct) is { } raw)
        {
            if (raw.Length > 0 && JsonNode.Parse(raw)?["error"]?.GetValue<string>() is { } error) throw new EngineApiException(500, error.Trim());
        }
    }

    /// <summary>What the image runs: its ENTRYPOINT and CMD (each empty when unset); null when there is no such image.</summary>
    public async Task<(IReadOnlyList<string> Entrypoint, IReadOnlyList<string> Command)?> ImageProgramAsync(string reference, CancellationToken ct)
    {
        using var response = await _http.GetAsync($"{ApiPrefix}/images/{reference}/json", ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        await EnsureSuccessAsync(response, ct);
        var config = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!["Config"];
        static IReadOnlyList<string> Strings(JsonNode? node) => node is JsonArray array ? array.Select(v => v!.GetValue<string>()).ToList() : [];
        return (Strings(config?["Entrypoint"]), Strings(config?["Cmd"]));
    }

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
    /// of this request; they are never logged. Reports each progress status line once. Returns the digest the registry
    /// stored it under (null from an engine that does not say).
    /// </summary>
    public async Task<string?> PushImageAsync(string repository, string tag, RegistryCredentials? credentials, Action<string> onStatus, CancellationToken ct)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, $"{ApiPrefix}/images/{repository}/push?tag={Uri.EscapeDataString(tag)}");
        message.Headers.Add("X-Registry-Auth", EngineRequests.RegistryAuthHeader(credentials));
        using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct);
        await EnsureSuccessAsync(response, ct);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        string? last = null;
        string? digest = null;
        while (await reader.ReadLineAsync(ct) is { } raw)
        {
            if (raw.Length == 0) continue;
            var line = JsonNode.Parse(raw);
            if (line?["error"]?.GetValue<string>() is { } error) throw new EngineApiException(500, error.Trim());
            if (line?["aux"]?["Digest"]?.GetValue<string>() is { } pushed) digest = pushed;
            var status = line?["status"]?.GetValue<string>();
            if (status is null || status == last || line?["progressDetail"]?["current"] is not null) continue;
            last = status;
            onStatus(line?["id"]?.GetValue<string>() is { } id ? $"{id}: {status}" : status);
        }
        return digest;
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
}
