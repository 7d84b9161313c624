using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using static Slipway.Engine.EngineRequests;

namespace Slipway.Engine;

/// <summary>Swarm mode through a manager's engine: membership, nodes, services and their tasks, secrets and overlay networks.</summary>
public sealed partial class DockerEngine
{
    public async Task<SwarmMembership> SwarmAsync(CancellationToken ct)
    {
        var swarm = (await GetJsonAsync($"{ApiPrefix}/info", ct))["Swarm"];
        return new SwarmMembership(swarm?["NodeID"]?.GetValue<string>() ?? "", swarm?["LocalNodeState"]?.GetValue<string>() ?? "inactive",
            swarm?["ControlAvailable"]?.GetValue<bool>() ?? false);
    }

    public async Task<IReadOnlyList<SwarmNode>> ListNodesAsync(CancellationToken ct) =>
        (await GetJsonAsync($"{ApiPrefix}/nodes", ct)).AsArray().Select(n => new SwarmNode(
            Str(n!, "ID"), n!["Description"]?["Hostname"]?.GetValue<string>() ?? "", n["Spec"]?["Role"]?.GetValue<string>() ?? "",
            n["Spec"]?["Availability"]?.GetValue<string>() ?? "", n["Status"]?["State"]?.GetValue<string>() ?? "",
            n["Status"]?["Addr"]?.GetValue<string>() ?? "", Labels(n["Spec"]?["Labels"]))).ToList();

    /// <summary>Creates a service; returns its ID.</summary>
    public async Task<string> CreateServiceAsync(SwarmServiceSpec spec, CancellationToken ct) =>
        Str(await PostJsonAsync($"{ApiPrefix}/services/create", SwarmRequests.ServiceBody(spec), ct), "ID");

    /// <summary>Replaces a service's spec; <paramref name="version"/> is the one it was read at, so a concurrent change is refused, not lost.</summary>
    public async Task UpdateServiceAsync(string id, long version, JsonObject spec, CancellationToken ct) =>
        await PostJsonAsync($"{ApiPrefix}/services/{Uri.EscapeDataString(id)}/update?version={version.ToString(CultureInfo.InvariantCulture)}", spec, ct);

    /// <summary>A service by name or ID; null when there is none.</summary>
    public async Task<SwarmService?> InspectServiceAsync(string nameOrId, CancellationToken ct)
    {
        using var response = await _http.GetAsync($"{ApiPrefix}/services/{Uri.EscapeDataString(nameOrId)}", ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        await EnsureSuccessAsync(response, ct);
        return ServiceOf(JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!);
    }

    public async Task<IReadOnlyList<SwarmService>> ListServicesAsync(IReadOnlyDictionary<string, string> labels, CancellationToken ct) =>
        (await GetJsonAsync($"{ApiPrefix}/services?filters={LabelFilter(labels)}", ct)).AsArray().Select(s => ServiceOf(s!)).ToList();

    private static SwarmService ServiceOf(JsonNode json)
    {
        var spec = json["Spec"]!.AsObject();
        return new SwarmService(Str(json, "ID"), spec["Name"]?.GetValue<string>() ?? "", json["Version"]?["Index"]?.GetValue<long>() ?? 0,
            Labels(spec["Labels"]), spec["Mode"]?["Replicated"]?["Replicas"]?.GetValue<int>(), (JsonObject)spec.DeepClone(), Time(json["CreatedAt"]));
    }

    /// <summary>Removes a service (its tasks stop); a missing one is fine.</summary>
    public async Task RemoveServiceAsync(string nameOrId, CancellationToken ct)
    {
        using var response = await _http.DeleteAsync($"{ApiPrefix}/services/{Uri.EscapeDataString(nameOrId)}", ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return;
        await EnsureSuccessAsync(response, ct);
    }

    /// <summary>Every task of a service the swarm still knows, current and past, with its address on each network; none for a missing service.</summary>
    public async Task<IReadOnlyList<SwarmTask>> ListTasksAsync(string service, CancellationToken ct)
    {
        using var response = await _http.GetAsync($"{ApiPrefix}/tasks?filters={SwarmRequests.TaskFilter(service)}", ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return [];
        await EnsureSuccessAsync(response, ct);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!.AsArray().Select(t =>
        {
            var status = t!["Status"];
            var addresses = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var attachment in t["NetworksAttachments"]?.AsArray() ?? [])
                if (attachment?["Network"]?["Spec"]?["Name"]?.GetValue<string>() is { } network
                    && attachment["Addresses"]?.AsArray().FirstOrDefault()?.GetValue<string>() is { } address)
                    addresses[network] = address.Split('/')[0];
            return new SwarmTask(Str(t, "ID"), Str(t, "ServiceID"), Str(t, "NodeID"), t["Slot"]?.GetValue<int>(),
                status?["State"]?.GetValue<string>() ?? "", Str(t, "DesiredState"), status?["Err"]?.GetValue<string>(),
                status?["ContainerStatus"]?["ExitCode"]?.GetValue<int>(), status?["ContainerStatus"]?["ContainerID"]?.GetValue<string>(),
                addresses, Time(t["UpdatedAt"]));
        }).ToList();
    }

    /// <summary>The engine's RFC 3339 times carry nanoseconds, two digits more than .NET parses: they are cut to ticks.</summary>
    public static DateTimeOffset Time(JsonNode? value)
    {
        var text = value?.GetValue<string>() ?? "";
        var fraction = System.Text.RegularExpressions.Regex.Match(text, @"\.(\d{8,})");
        if (fraction.Success) text = text.Remove(fraction.Index + 8, fraction.Length - 8);
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : DateTimeOffset.MinValue;
    }

    /// <summary>
    /// A service's log lines from every task on every node, through the manager (each with its time and task); with
    /// <paramref name="follow"/> until cancelled.
    /// </summary>
    public async Task StreamServiceLogsAsync(string service, DateTimeOffset? since, int? tail, bool follow,
        Action<DateTimeOffset, string, string> onLine, CancellationToken ct)
    {
        var path = $"{ApiPrefix}/services/{Uri.EscapeDataString(service)}/logs?stdout=1&stderr=1&timestamps=1&details=1"
                   + (follow ? "&follow=1" : "") + (since is { } from ? $"&since={from.ToUnixTimeSeconds()}" : "")
                   + (tail is { } lines ? $"&tail={lines}" : "");
        using var response = await _http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return;
        await EnsureSuccessAsync(response, ct);
        await ReadMultiplexedLinesAsync(await response.Content.ReadAsStreamAsync(ct), raw =>
        {
            // "<time> <details> <text>": the details (comma-separated) name the task by its ID.
            var first = raw.IndexOf(' ');
            if (first < 0 || !DateTimeOffset.TryParse(raw[..first], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)) return;
            var rest = raw[(first + 1)..];
            var second = rest.IndexOf(' ');
            var details = second < 0 ? rest : rest[..second];
            var task = details.Split(',').Select(d => d.Split('=', 2)).FirstOrDefault(d => d[0] == "com.docker.swarm.task.id") is { Length: 2 } named
                ? $"task {named[1][..Math.Min(12, named[1].Length)]}" : service;
            onLine(at, task, second < 0 ? "" : rest[(second + 1)..]);
        }, ct);
    }

    /// <summary>Creates a secret; returns its ID. Swarm secrets cannot change: a new value is a new secret, with a new name.</summary>
    public async Task<string> CreateSecretAsync(string name, byte[] value, IReadOnlyDictionary<string, string> labels, CancellationToken ct) =>
        Str(await PostJsonAsync($"{ApiPrefix}/secrets/create", SwarmRequests.SecretBody(name, value, labels), ct), "ID");

    /// <summary>The secrets carrying every given label: name and ID (the values never leave the swarm).</summary>
    public async Task<IReadOnlyList<(string Id, string Name, IReadOnlyDictionary<string, string> Labels)>> ListSecretsAsync(
        IReadOnlyDictionary<string, string> labels, CancellationToken ct) =>
        (await GetJsonAsync($"{ApiPrefix}/secrets?filters={LabelFilter(labels)}", ct)).AsArray()
            .Select(s => (Str(s!, "ID"), s!["Spec"]?["Name"]?.GetValue<string>() ?? "", Labels(s["Spec"]?["Labels"]))).ToList();

    /// <summary>Removes a secret; a missing one is fine, one a service still uses is refused (409).</summary>
    public async Task RemoveSecretAsync(string nameOrId, CancellationToken ct)
    {
        using var response = await _http.DeleteAsync($"{ApiPrefix}/secrets/{Uri.EscapeDataString(nameOrId)}", ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return;
        await EnsureSuccessAsync(response, ct);
    }

    /// <summary>Creates the overlay network unless it exists; a network made by a concurrent run is fine.</summary>
    public Task EnsureOverlayNetworkAsync(string name, IReadOnlyDictionary<string, string> labels, CancellationToken ct) =>
        EnsureNetworkAsync(name, SwarmRequests.OverlayNetworkBody(name, labels), ct);

    private async Task<JsonNode> PostJsonAsync(string path, JsonNode body, CancellationToken ct)
    {
        using var response = await _http.PostAsync(path, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"), ct);
        await EnsureSuccessAsync(response, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        return text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!;
    }
}
