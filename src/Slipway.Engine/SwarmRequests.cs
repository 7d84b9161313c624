using System.Text.Json.Nodes;

namespace Slipway.Engine;

/// <summary>Swarm requests as plain data (service, secret and overlay network bodies), unit-tested without an engine.</summary>
public static class SwarmRequests
{

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());

    private static JsonObject Map(IReadOnlyDictionary<string, string> map)
    {
        var json = new JsonObject();
        foreach (var (key, value) in map.OrderBy(e => e.Key, StringComparer.Ordinal)) json[key] = value;
        return json;
    }

    /// <summary>
    /// A service's spec. Its tasks are reached by their own addresses (<c>dnsrr</c>: no virtual IP, which needs IPVS), publish
    /// only host-mode ports, restart whenever they exit, and are replaced stop-first: traffic is the edge's to move, not the swarm's.
    /// </summary>
    public static JsonObject ServiceBody(SwarmServiceSpec spec)
    {
        var container = new JsonObject
        {
            ["Image"] = spec.Image,
            ["Labels"] = Map(spec.Labels),
            ["Env"] = Strings(spec.Environment.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}={e.Value}")),
            ["StopGracePeriod"] = EngineRequests.Nanoseconds(spec.StopGrace),
            // No process in a task may gain privileges (setuid binaries).
            ["Privileges"] = new JsonObject { ["NoNewPrivileges"] = true },
        };
        if (spec.Command is { } command) container["Args"] = Strings(command);
        if (spec.Entrypoint is { } entrypoint) container["Command"] = Strings(entrypoint);
        if (spec.User is { } user) container["User"] = user;
        if (spec.Terminal)
        {
            container["TTY"] = true;
            container["OpenStdin"] = true;
        }
        if (spec.HealthCheck is { } check)
            container["HealthCheck"] = new JsonObject
            {
                ["Test"] = Strings(check.Test.Prepend("CMD")),
                ["Interval"] = EngineRequests.Nanoseconds(check.Interval),
                ["Timeout"] = EngineRequests.Nanoseconds(check.Timeout),
                ["Retries"] = check.Retries,
                ["StartPeriod"] = EngineRequests.Nanoseconds(check.StartPeriod),
            };
        if (spec.Secrets.Count > 0)
            container["Secrets"] = new JsonArray(spec.Secrets.Select(s => (JsonNode)new JsonObject
            {
                ["SecretID"] = s.SecretId, ["SecretName"] = s.SecretName,
                ["File"] = new JsonObject { ["Name"] = s.FileName, ["UID"] = "0", ["GID"] = "0", ["Mode"] = 0x124 /* 0444 */ },
            }).ToArray());
        if (spec.Volumes.Count + spec.Binds.Count > 0)
            container["Mounts"] = new JsonArray(spec.Volumes.Select(v => (JsonNode)new JsonObject
            {
                ["Type"] = "volume", ["Source"] = v.Volume, ["Target"] = v.Target,
            }).Concat(spec.Binds.Select(b => (JsonNode)new JsonObject
            {
                ["Type"] = "bind", ["Source"] = b.Source, ["Target"] = b.Target,
            })).ToArray());
        // A task crafts no raw packets; the edge keeps only what binding low ports needs.
        container["CapabilityDrop"] = new JsonArray(spec.OnlyCapabilities is null ? "NET_RAW" : "ALL");
        if (spec.OnlyCapabilities is { Count: > 0 } capabilities) container["CapabilityAdd"] = Strings(capabilities);

        var resources = new JsonObject();
        if (spec.MemoryBytes is { } memory) resources["MemoryBytes"] = memory;
        if (spec.PidsLimit is { } pids) resources["Pids"] = pids; // honoured from API 1.41

        var body = new JsonObject
        {
            ["Name"] = spec.Name,
            ["Labels"] = Map(spec.Labels),
            ["TaskTemplate"] = new JsonObject
            {
                ["ContainerSpec"] = container,
                ["Resources"] = new JsonObject { ["Limits"] = resources },
                ["RestartPolicy"] = new JsonObject { ["Condition"] = spec.RunOnce ? "none" : "any", ["Delay"] = EngineRequests.Nanoseconds(TimeSpan.FromSeconds(2)) },
                ["Placement"] = new JsonObject { ["Constraints"] = Strings(spec.Constraints) },
                ["Networks"] = new JsonArray(spec.Networks.Select(n => (JsonNode)new JsonObject { ["Target"] = n }).ToArray()),
                ["LogDriver"] = new JsonObject
                {
                    ["Name"] = "json-file",
                    ["Options"] = new JsonObject { ["max-size"] = "10m", ["max-file"] = "3" },
                },
            },
            ["Mode"] = spec.Replicas is { } replicas
                ? new JsonObject { ["Replicated"] = new JsonObject { ["Replicas"] = replicas } }
                : new JsonObject { ["Global"] = new JsonObject() },
            ["UpdateConfig"] = new JsonObject { ["Parallelism"] = 1, ["Order"] = "stop-first", ["FailureAction"] = "pause" },
            ["EndpointSpec"] = new JsonObject
            {
                ["Mode"] = "dnsrr",
                ["Ports"] = new JsonArray(spec.Ports.Select(p => (JsonNode)new JsonObject
                {
                    ["Protocol"] = "tcp", ["TargetPort"] = p.Target, ["PublishedPort"] = p.Published, ["PublishMode"] = "host",
                }).ToArray()),
            },
        };
        return body;
    }

    /// <summary>A secret's body: its name, labels and value (base64, as the API wants it). The value is never logged.</summary>
    public static JsonObject SecretBody(string name, byte[] value, IReadOnlyDictionary<string, string> labels) => new()
    {
        ["Name"] = name, ["Labels"] = Map(labels), ["Data"] = Convert.ToBase64String(value),
    };

    /// <summary>An overlay network of one app's own, attachable (a one-off container joins it), labelled so destroy finds it.</summary>
    public static JsonObject OverlayNetworkBody(string name, IReadOnlyDictionary<string, string> labels) => new()
    {
        ["Name"] = name, ["Driver"] = "overlay", ["Attachable"] = true, ["CheckDuplicate"] = true, ["Labels"] = Map(labels),
    };

    /// <summary>A <c>filters</c> query value for tasks: those of a service, wanted running or not.</summary>
    public static string TaskFilter(string service) => EngineRequests.Filters(new() { ["service"] = [service] });
}
