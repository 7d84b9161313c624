using System.Text.Json.Nodes;
using Slipway.Configuration;

namespace Slipway.Platforms.Aws;

/// <summary>
/// Worker processes (<c>processes:</c>): each an ECS service of its own, without a target group, running a task
/// definition derived from the release's (same image, environment, secrets and size; its own command, no port).
/// They are derived from the release resource alone, whose metadata lists them, so carrying the deployed release
/// over whole carries its workers too, and a release rolls out and back with its workers in one stack update.
/// </summary>
/// <remarks>
/// ECS judges a worker by its task reaching RUNNING, and by its <c>check</c> as a container health check when it has
/// one; the deployment circuit breaker rejects a crash-looping release, and CloudFormation then rolls the whole
/// stack back, web and workers. <c>processes.NAME.healthy</c> becomes the health check's start period.
/// </remarks>
public static partial class StackTemplate
{
    public const string ProcessesKey = "slipway:processes";

    public static string ProcessServiceName(AppManifest app, string process) => $"{ServiceName(app)}-{process}";

    /// <summary>worker → ProcessWorker, nightly-report → ProcessNightlyReport: the logical ID's stem.</summary>
    private static string ProcessId(string process) =>
        "Process" + string.Concat(process.Split('-').Where(w => w.Length > 0).Select(w => char.ToUpperInvariant(w[0]) + w[1..]));

    /// <summary>What the release resource's metadata says of its workers: their commands, replicas, checks and healthy time.</summary>
    private static JsonObject ProcessesMetadata(AppManifest app) => new(app.Processes.Select(p =>
    {
        var spec = new JsonObject
        {
            ["Command"] = new JsonArray(p.Command.Select(c => (JsonNode)JsonValue.Create(c)!).ToArray()),
            ["Replicas"] = p.Replicas,
            ["HealthySeconds"] = (int)Math.Ceiling(p.Healthy.TotalSeconds),
        };
        if (p.Check is not null) spec["Check"] = new JsonArray(p.Check.Select(c => (JsonNode)JsonValue.Create(c)!).ToArray());
        return new KeyValuePair<string, JsonNode?>(p.Name, spec);
    }));

    /// <summary>The process names a release resource runs beside its web process, in order.</summary>
    public static IReadOnlyList<string> ProcessesOf(JsonObject? release) =>
        release?["Metadata"]?[ProcessesKey] is JsonObject processes ? processes.Select(p => p.Key).ToList() : [];

    /// <summary>
    /// A task definition of the release's for another command (a worker's, a job's): its image, environment, secrets, volumes,
    /// roles and size, under a family and container name of its own, with no port.
    /// </summary>
    private static JsonObject DerivedTaskDefinition(JsonObject release, string family, string containerName, JsonNode command)
    {
        var definition = (JsonObject)release.DeepClone();
        definition["Metadata"] = new JsonObject { [VersionKey] = release["Metadata"]?[VersionKey]?.DeepClone() };
        var properties = definition["Properties"]!.AsObject();
        properties["Family"] = family;
        var container = properties["ContainerDefinitions"]![0]!.AsObject();
        container["Name"] = containerName;
        container["Command"] = command.DeepClone();
        container.Remove("PortMappings");
        return definition;
    }

    private static IEnumerable<(string, JsonObject)> Processes(AppManifest app, JsonObject release)
    {
        if (release["Metadata"]?[ProcessesKey] is not JsonObject processes) yield break;
        foreach (var (name, spec) in processes)
        {
            var id = ProcessId(name);
            var definition = DerivedTaskDefinition(release, $"{StackName(app)}-{name}", name, spec!["Command"]!);
            var container = definition["Properties"]!["ContainerDefinitions"]![0]!.AsObject();
            if (spec["Check"] is JsonArray check)
                container["HealthCheck"] = ContainerHealthCheck(check.Select(c => c!.DeepClone()), interval: 10, timeout: 5,
                    startPeriod: Math.Clamp(spec["HealthySeconds"]?.GetValue<int>() ?? 10, 0, 300));
            yield return ($"{id}TaskDefinition", definition);
            var service = Resource("AWS::ECS::Service", new JsonObject
            {
                ["Cluster"] = Ref("Cluster"),
                ["ServiceName"] = ProcessServiceName(app, name),
                ["TaskDefinition"] = Ref($"{id}TaskDefinition"),
                ["LaunchType"] = "FARGATE",
                ["DesiredCount"] = spec["Replicas"]!.GetValue<int>(),
                ["DeploymentConfiguration"] = new JsonObject
                {
                    ["MinimumHealthyPercent"] = 100, ["MaximumPercent"] = 200,
                    ["DeploymentCircuitBreaker"] = new JsonObject { ["Enable"] = true, ["Rollback"] = true },
                },
                ["NetworkConfiguration"] = TaskNetwork(app),
            }, [.. NetworkDependencies(app), .. StorageDependencies(app, release), .. AccessoryDependencies(app)]);
            if (app.Aws().Exec) service["Properties"]!["EnableExecuteCommand"] = true;
            if (ServiceConnectClient(app) is { } client) service["Properties"]!["ServiceConnectConfiguration"] = client;
            service["Metadata"] = new JsonObject { [VersionKey] = release["Metadata"]?[VersionKey]?.DeepClone() };
            yield return ($"{id}Service", service);
        }
    }
}
