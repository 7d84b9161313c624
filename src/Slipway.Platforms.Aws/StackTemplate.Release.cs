using System.Text.Json.Nodes;
using Slipway.Configuration;

namespace Slipway.Platforms.Aws;

/// <summary>The release rendered into the template: the task definition's container (image, environment, secret names, size, architecture) and the version and fingerprint it carries.</summary>
public static partial class StackTemplate
{
    /// <summary>
    /// The task definition resource of one release: the image of <paramref name="version"/>, the manifest's
    /// environment, the secrets by name (ECS reads their values from SSM when a task starts), the Fargate size and
    /// architecture. Its metadata names the release, so the deployed template says what serves.
    /// </summary>
    /// <param name="registry">A registry to pull from instead of the stack's ECR repository (tests use a local one).</param>
    public static JsonObject Release(AppManifest app, string version, string fingerprint, string? registry = null)
    {
        var resource = Resource("AWS::ECS::TaskDefinition", new JsonObject
        {
            ["Family"] = StackName(app),
            ["Cpu"] = app.Aws().Cpu.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Memory"] = app.Aws().Memory.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["NetworkMode"] = "awsvpc",
            ["RequiresCompatibilities"] = new JsonArray("FARGATE"),
            ["RuntimePlatform"] = new JsonObject
            {
                ["CpuArchitecture"] = app.Aws().Architecture.EcsName(), ["OperatingSystemFamily"] = "LINUX",
            },
            ["ExecutionRoleArn"] = GetAtt("ExecutionRole", "Arn"),
            ["ContainerDefinitions"] = new JsonArray(Container(app, version, fingerprint, registry)),
        });
        if (app.Aws().Exec || app.Volumes.Count > 0) resource["Properties"]!["TaskRoleArn"] = GetAtt("TaskRole", "Arn");
        AddVolumes(app, resource["Properties"]!.AsObject(), resource["Properties"]!["ContainerDefinitions"]![0]!.AsObject());
        resource["Metadata"] = new JsonObject { [VersionKey] = version, [FingerprintKey] = fingerprint };
        if (app.Processes.Count > 0) resource["Metadata"]![ProcessesKey] = ProcessesMetadata(app); // absent otherwise: existing stacks stay unchanged
        if (app.Jobs.Count > 0) resource["Metadata"]![JobsKey] = JobsMetadata(app);
        return resource;
    }

    /// <summary>The version and fingerprint a task definition resource of <see cref="Release"/> carries; null for none.</summary>
    public static ServingRelease? ReleaseOf(JsonObject? release) =>
        release?["Metadata"]?[VersionKey]?.GetValue<string>() is { } version
            ? new ServingRelease(version, release["Metadata"]?[FingerprintKey]?.GetValue<string>() ?? "")
            : null;

    /// <summary>The task definition resource of a deployed template (as GetTemplate returns it); null when it has none.</summary>
    /// <summary>
    /// The stack as the infrastructure stage applies it: the manifest's infrastructure around the deployed release and its
    /// maintenance rule. Where the manifest moved the app's port, the port-bound resources (target group, security group,
    /// the service's load balancer) stay on the deployed release's port: the release that listens on the new one moves
    /// them with it, as ECS requires the service's container port to be one the task definition maps.
    /// </summary>
    public static JsonObject Infrastructure(AppManifest app, string? deployedTemplate)
    {
        if (deployedTemplate is null) return Build(app, null);
        var release = ReleaseIn(deployedTemplate);
        var servingPort = (int?)release?["Properties"]?["ContainerDefinitions"]?[0]?["PortMappings"]?[0]?["ContainerPort"];
        var around = servingPort is { } port && port != app.Port ? app with { Port = port } : app;
        return Build(around, release, maintenance: MaintenanceIn(deployedTemplate));
    }

    public static JsonObject? ReleaseIn(string templateBody) =>
        JsonNode.Parse(templateBody)?["Resources"]?["TaskDefinition"] is JsonObject resource ? (JsonObject)resource.DeepClone() : null;

    private static JsonObject Container(AppManifest app, string version, string fingerprint, string? registry)
    {
        var container = new JsonObject
        {
            ["Name"] = ContainerName(app),
            ["Image"] = registry is null
                ? new JsonObject { ["Fn::Sub"] = "${Repository.RepositoryUri}:" + version }
                : JsonValue.Create($"{registry}/{RepositoryName(app)}:{version}"),
            ["Essential"] = true,
            ["PortMappings"] = new JsonArray(new JsonObject { ["ContainerPort"] = app.Port, ["Protocol"] = "tcp" }),
            ["Environment"] = new JsonArray(Environment(app, version, fingerprint)
                .Select(e => (JsonNode)new JsonObject { ["Name"] = e.Key, ["Value"] = e.Value }).ToArray()),
            ["LogConfiguration"] = LogConfiguration(app),
        };
        if (app.User is { } user) container["User"] = user;
        if (app.Secrets.Count > 0)
            container["Secrets"] = new JsonArray(app.Secrets.Keys.Order(StringComparer.Ordinal)
                .Select(name => (JsonNode)new JsonObject { ["Name"] = name, ["ValueFrom"] = app.Secrets[name].FromSsm ?? SecretParameter(app, name) }).ToArray());
        return container;
    }

    /// <summary>A container's logs: the app's log group, in streams APP/CONTAINER/TASK (so a worker's, a job's or an accessory's are told apart by name).</summary>
    private static JsonObject LogConfiguration(AppManifest app) => new()
    {
        ["LogDriver"] = "awslogs",
        ["Options"] = new JsonObject
        {
            ["awslogs-group"] = Ref("LogGroup"), ["awslogs-region"] = new JsonObject { ["Ref"] = "AWS::Region" },
            ["awslogs-stream-prefix"] = app.App,
        },
    };

    /// <summary>A container's health check: its command run in the container, ECS's retries, and the seconds given.</summary>
    private static JsonObject ContainerHealthCheck(IEnumerable<JsonNode> command, int interval, int timeout, int startPeriod) => new()
    {
        ["Command"] = new JsonArray(command.Prepend(JsonValue.Create("CMD")).ToArray()),
        ["Interval"] = interval, ["Timeout"] = timeout, ["Retries"] = 3, ["StartPeriod"] = startPeriod,
    };

    /// <summary>Environment of the container: the manifest's plain env plus the release's identity.</summary>
    private static IEnumerable<KeyValuePair<string, JsonNode>> Environment(AppManifest app, string version, string fingerprint)
    {
        foreach (var (key, value) in app.Env.Where(e => !app.Secrets.ContainsKey(e.Key)).OrderBy(e => e.Key, StringComparer.Ordinal))
            yield return new(key, JsonValue.Create(value)!);
        yield return new("SLIPWAY_APP", JsonValue.Create(app.App)!);
        yield return new("SLIPWAY_VERSION", JsonValue.Create(version)!);
        yield return new("SLIPWAY_FINGERPRINT", JsonValue.Create(fingerprint)!);
    }
}
