using System.Text.Json;
using System.Text.Json.Nodes;

namespace Slipway.Engine;

/// <summary>
/// Builds Docker Engine API requests as plain data (paths, query strings, JSON bodies), so what Slipway asks
/// the engine for is unit-tested without an engine, as Kamal does with its command lines.
/// </summary>
public static class EngineRequests
{
    /// <summary>
    /// The version the requests are written against (Debian 12's dockerd 20.10 speaks it); <see cref="ApiVersionHandler"/> sends
    /// them under the version negotiated with the engine.
    /// </summary>
    public const string ApiPrefix = "/v1.41";

    public static JsonObject CreateContainerBody(ContainerSpec spec)
    {
        var port = $"{spec.ContainerPort}/tcp";
        var body = new JsonObject
        {
            ["Image"] = spec.Image,
            ["Labels"] = ToJson(spec.Labels),
            ["Env"] = new JsonArray(spec.Environment.OrderBy(e => e.Key, StringComparer.Ordinal)
                .Select(e => (JsonNode)JsonValue.Create($"{e.Key}={e.Value}")).ToArray()),
            ["ExposedPorts"] = new JsonObject { [port] = new JsonObject() },
            ["HostConfig"] = new JsonObject
            {
                ["PortBindings"] = new JsonObject
                {
                    [port] = new JsonArray(new JsonObject { ["HostIp"] = spec.HostIp, ["HostPort"] = spec.HostPort?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "" }),
                },
                ["RestartPolicy"] = new JsonObject { ["Name"] = spec.RestartPolicy },
                ["LogConfig"] = new JsonObject
                {
                    ["Type"] = "json-file",
                    ["Config"] = new JsonObject { ["max-size"] = "10m", ["max-file"] = "3" },
                },
                // No process in a replica may gain privileges (setuid binaries), nor craft raw packets.
                ["SecurityOpt"] = new JsonArray("no-new-privileges"),
                ["CapDrop"] = new JsonArray("NET_RAW"),
            },
        };
        var host = body["HostConfig"]!.AsObject();
        if (spec.MemoryBytes is { } memory)
        {
            host["Memory"] = memory;
            host["MemorySwap"] = memory; // no swap beyond the limit
        }
        if (spec.PidsLimit is { } pids) host["PidsLimit"] = pids;
        if (spec.Network is { } network) host["NetworkMode"] = network;
        if (spec.User is { } user) body["User"] = user;
        if (spec.Command is { } command) body["Cmd"] = new JsonArray(command.Select(c => (JsonNode)JsonValue.Create(c)).ToArray());
        if (spec.Entrypoint is { } entrypoint) body["Entrypoint"] = new JsonArray(entrypoint.Select(c => (JsonNode)JsonValue.Create(c)).ToArray());
        if (spec.OpenStdin)
        {
            body["OpenStdin"] = true;
            body["StdinOnce"] = true;
            body["AttachStdin"] = true;
        }
        if (spec.Tty) body["Tty"] = true;
        if (spec.Binds is { } binds) host["Binds"] = new JsonArray(binds.Select(b => (JsonNode)JsonValue.Create(b)).ToArray());
        if (spec.OnlyCapabilities is { } capabilities)
        {
            host["CapDrop"] = new JsonArray("ALL");
            host["CapAdd"] = new JsonArray(capabilities.Select(c => (JsonNode)JsonValue.Create(c)).ToArray());
        }
        if (spec.NetworkAliases is { Count: > 0 } aliases && spec.Network is { } aliased)
            body["NetworkingConfig"] = new JsonObject
            {
                ["EndpointsConfig"] = new JsonObject
                {
                    [aliased] = new JsonObject { ["Aliases"] = new JsonArray(aliases.Select(a => (JsonNode)JsonValue.Create(a)).ToArray()) },
                },
            };
        if (spec.HealthCheck is { } check)
            body["Healthcheck"] = new JsonObject
            {
                ["Test"] = new JsonArray(new[] { "CMD" }.Concat(check.Test).Select(c => (JsonNode)JsonValue.Create(c)).ToArray()),
                ["Interval"] = Nanoseconds(check.Interval),
                ["Timeout"] = Nanoseconds(check.Timeout),
                ["Retries"] = check.Retries,
                ["StartPeriod"] = Nanoseconds(check.StartPeriod),
            };
        if (!spec.PublishPort)
        {
            body.Remove("ExposedPorts");
            host.Remove("PortBindings");
        }
        return body;
    }

    /// <summary>A duration as the Engine API takes it.</summary>
    internal static long Nanoseconds(TimeSpan span) => span.Ticks * 100;

    /// <summary>A named volume, labelled so status and destroy find it.</summary>
    public static JsonObject CreateVolumeBody(string name, IReadOnlyDictionary<string, string> labels) => new()
    {
        ["Name"] = name,
        ["Driver"] = "local",
        ["Labels"] = ToJson(labels),
    };

    /// <summary>A bridge network of one app's own, labelled so destroy finds it.</summary>
    public static JsonObject CreateNetworkBody(string name, IReadOnlyDictionary<string, string> labels) => new()
    {
        ["Name"] = name,
        ["Driver"] = "bridge",
        ["CheckDuplicate"] = true,
        ["Labels"] = ToJson(labels),
    };

    /// <summary>The request that turns the connection into the container's stdin, stdout and stderr (the engine answers 101).</summary>
    /// <param name="replay">Whether the output the container wrote before the attach comes first (it is already running).</param>
    public static string AttachRequest(string id, string host, ApiVersion version, bool replay = false) =>
        $"POST /v{version}/containers/{id}/attach?stream=1&stdin=1&stdout=1&stderr=1{(replay ? "&logs=1" : "")} HTTP/1.1\r\nHost: {host}\r\n" +
        "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n";

    /// <summary>The request that starts an exec and turns the connection into its stdin and (multiplexed) stdout and stderr.</summary>
    public static string ExecStartRequest(string execId, string host, ApiVersion version)
    {
        const string body = """{"Detach":false,"Tty":false}""";
        return $"POST /v{version}/exec/{execId}/start HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n" +
            $"Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: {body.Length}\r\n\r\n{body}";
    }

    public static string CreateContainerPath(string name) => $"{ApiPrefix}/containers/create?name={Uri.EscapeDataString(name)}";

    public static string BuildPath(ImageBuildRequest request) =>
        $"{ApiPrefix}/build?t={Uri.EscapeDataString(request.Tag)}" +
        $"&dockerfile={Uri.EscapeDataString(request.DockerfilePath)}" +
        $"&labels={Uri.EscapeDataString(ToJson(request.Labels).ToJsonString())}" +
        $"&buildargs={Uri.EscapeDataString(ToJson(request.BuildArgs).ToJsonString())}" +
        (request.Platform is { } platform ? $"&platform={Uri.EscapeDataString(platform)}" : "") +
        "&rm=1&forcerm=1";

    /// <summary>The X-Registry-Auth header: base64url of the JSON credentials ("{}" for an anonymous registry).</summary>
    public static string RegistryAuthHeader(RegistryCredentials? credentials)
    {
        var json = credentials is null ? "{}" : new JsonObject
        {
            ["username"] = credentials.Username, ["password"] = credentials.Password, ["serveraddress"] = credentials.ServerAddress,
        }.ToJsonString();
        return Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(json)).Replace('+', '-').Replace('/', '_');
    }

    /// <summary>A <c>filters</c> query value selecting objects that carry every given label.</summary>
    public static string LabelFilter(IReadOnlyDictionary<string, string> labels) => Filters(new()
    {
        // An empty value asks for the label's presence, whatever its value.
        ["label"] = labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Value.Length == 0 ? l.Key : $"{l.Key}={l.Value}").ToArray(),
    });

    /// <summary>A <c>filters</c> query value, escaped: each filter's name and the values any of which matches.</summary>
    public static string Filters(Dictionary<string, string[]> filters) =>
        Uri.EscapeDataString(JsonSerializer.Serialize(filters, EngineJson.Default.DictionaryStringStringArray));

    internal static JsonObject ToJson(IReadOnlyDictionary<string, string> map)
    {
        var json = new JsonObject();
        foreach (var (key, value) in map.OrderBy(e => e.Key, StringComparer.Ordinal)) json[key] = value;
        return json;
    }
}
