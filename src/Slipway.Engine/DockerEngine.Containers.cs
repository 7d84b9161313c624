using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static Slipway.Engine.EngineRequests;

namespace Slipway.Engine;
/// <summary>Containers and their networks: create, start, wait, stop, remove, list and inspect.</summary>
public sealed partial class DockerEngine
{
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
        var filters = Filters(new() { ["type"] = ["container"], ["event"] = ["die"], ["container"] = ids.ToArray() });
        var path = $"{ApiPrefix}/events?since={since.ToUnixTimeSeconds()}&filters={filters}";
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
    public Task EnsureNetworkAsync(string name, IReadOnlyDictionary<string, string> labels, CancellationToken ct) =>
        EnsureNetworkAsync(name, CreateNetworkBody(name, labels), ct);

    private async Task EnsureNetworkAsync(string name, JsonObject body, CancellationToken ct)
    {
        using (var existing = await _http.GetAsync($"{ApiPrefix}/networks/{Uri.EscapeDataString(name)}", ct))
            if (existing.IsSuccessStatusCode) return;
        using var response = await _http.PostAsync($"{ApiPrefix}/networks/create",
            new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"), ct);
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
            json["RestartCount"]?.GetValue<int>() ?? 0, state["Pid"]?.GetValue<int>() ?? 0, state["Health"]?["Status"]?.GetValue<string>(),
            DateTimeOffset.TryParse(state["FinishedAt"]?.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out var finished) && finished.Year > 1 ? finished : null);
    }

    /// <summary>
    /// A new container made exactly as <paramref name="source"/> was (image, command, env, user, limits, mounts, network), under
    /// another name and these labels; returns its ID. The source's settings travel from the engine to the engine, through memory only.
    /// </summary>
    public async Task<string> CloneContainerAsync(string source, string name, IReadOnlyDictionary<string, string> labels, CancellationToken ct)
    {
        var inspected = await GetJsonAsync($"{ApiPrefix}/containers/{Uri.EscapeDataString(source)}/json", ct);
        var body = inspected["Config"]!.DeepClone().AsObject();
        body["Labels"] = ToJson(labels);
        body.Remove("Hostname");
        body["HostConfig"] = inspected["HostConfig"]!.DeepClone();
        if (inspected["NetworkSettings"]?["Networks"] is JsonObject networks && networks.Count > 0)
        {
            var endpoints = new JsonObject();
            foreach (var (network, endpoint) in networks)
                endpoints[network] = new JsonObject { ["Aliases"] = endpoint?["Aliases"]?.DeepClone() };
            body["NetworkingConfig"] = new JsonObject { ["EndpointsConfig"] = endpoints };
        }
        using var response = await _http.PostAsync(CreateContainerPath(name), new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"), ct);
        await EnsureSuccessAsync(response, ct);
        return Str(JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!, "Id");
    }

    /// <summary>
    /// Creates and starts a clone of a created container (<see cref="CloneContainerAsync"/>), with one of its files copied in
    /// first when <paramref name="carriedFile"/> names one (a clone is made of the source's configuration, not its files). A clone
    /// that cannot be started is removed: it must not look like a run that happened.
    /// </summary>
    public async Task<string> StartCloneAsync(string source, string name, IReadOnlyDictionary<string, string> labels, string? carriedFile,
        CancellationToken ct)
    {
        var id = await CloneContainerAsync(source, name, labels, ct);
        try
        {
            if (carriedFile is { Length: > 1 }) await CopyPathAsync(source, id, carriedFile, ct);
            await StartContainerAsync(id, ct);
        }
        catch
        {
            await RemoveContainerAsync(id, CancellationToken.None);
            throw;
        }
        return id;
    }

    /// <summary>Gives a container another name (the old one is free at once for its successor).</summary>
    public Task RenameContainerAsync(string id, string name, CancellationToken ct) =>
        PostAsync($"{ApiPrefix}/containers/{id}/rename?name={Uri.EscapeDataString(name)}", ct);
}
