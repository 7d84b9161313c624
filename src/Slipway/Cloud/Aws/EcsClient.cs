using System.Text.Json.Nodes;

namespace Slipway.Cloud.Aws;

public sealed record EcsDeployment(string? Id, string? Status, string? TaskDefinition, int DesiredCount, int RunningCount,
    int FailedTasks, string? RolloutState, string? RolloutStateReason);

public sealed record EcsEvent(DateTimeOffset? CreatedAt, string? Message);

public sealed record EcsService(string? ServiceName, string? Status, int DesiredCount, int RunningCount, string? TaskDefinition,
    IReadOnlyList<EcsDeployment>? Deployments, IReadOnlyList<EcsEvent>? Events);

public sealed record EcsContainer(string? Name, string? Reason, int? ExitCode);

public sealed record EcsTask(string? TaskArn, string? TaskDefinitionArn, string? LastStatus, string? StoppedReason, IReadOnlyList<EcsContainer>? Containers);

/// <summary>The ECS operations Slipway uses, over JSON 1.1 (AmazonEC2ContainerServiceV20141113).</summary>
public sealed class EcsClient(AwsJsonClient json)
{
    private sealed record DescribeTaskDefinitionRequest(string TaskDefinition);
    private sealed record TaskDefinitionResponse(JsonObject? TaskDefinition);
    private sealed record UpdateServiceRequest(string Cluster, string Service, string TaskDefinition, int DesiredCount);
    private sealed record ServiceResponse(EcsService? Service);
    private sealed record DescribeServicesRequest(string Cluster, IReadOnlyList<string> Services);
    private sealed record DescribeServicesResponse(IReadOnlyList<EcsService>? Services);
    private sealed record ListTasksRequest(string Cluster, string ServiceName, string DesiredStatus);
    private sealed record ListTasksResponse(IReadOnlyList<string>? TaskArns);
    private sealed record DescribeTasksRequest(string Cluster, IReadOnlyList<string> Tasks);
    private sealed record DescribeTasksResponse(IReadOnlyList<EcsTask>? Tasks);

    /// <summary>Fields of a described task definition that RegisterTaskDefinition accepts back.</summary>
    private static readonly string[] RegisterFields =
    [
        "family", "taskRoleArn", "executionRoleArn", "networkMode", "containerDefinitions", "volumes", "placementConstraints",
        "requiresCompatibilities", "cpu", "memory", "runtimePlatform", "ephemeralStorage",
    ];

    public static EcsClient Create(AwsSettings settings, TimeProvider time) =>
        new(new AwsJsonClient(new AwsHttp(settings, "ecs", settings.EndpointFor("ecs", "ECS"), time), "ECS",
            "AmazonEC2ContainerServiceV20141113"));

    public async Task<JsonObject> DescribeTaskDefinitionAsync(string taskDefinition, CancellationToken ct) =>
        (await json.CallAsync<DescribeTaskDefinitionRequest, TaskDefinitionResponse>("DescribeTaskDefinition", new(taskDefinition), ct))
        .TaskDefinition ?? throw new AwsServiceException("ECS", "ClientException", $"no task definition {taskDefinition}", 400);

    /// <summary>A new revision of <paramref name="current"/> with one container's image replaced; returns its ARN.</summary>
    public async Task<string> RegisterRevisionAsync(JsonObject current, string container, string image, string version, CancellationToken ct)
    {
        var request = BuildRevision(current, container, image, version);
        var response = await json.CallAsync<JsonObject, TaskDefinitionResponse>("RegisterTaskDefinition", request, ct);
        return response.TaskDefinition?["taskDefinitionArn"]?.GetValue<string>()
            ?? throw new AwsServiceException("ECS", "ClientException", "RegisterTaskDefinition returned no ARN", 500);
    }

    /// <summary>Pure: the RegisterTaskDefinition request for a described definition with a new image and SLIPWAY_VERSION.</summary>
    public static JsonObject BuildRevision(JsonObject current, string container, string image, string version)
    {
        var request = new JsonObject();
        var described = (JsonObject)CamelCase(current);
        foreach (var field in RegisterFields)
            if (described[field] is { } value) request[field] = value.DeepClone();
        var target = TaskDefinitionJson.Container(request, container) ?? throw new ArgumentException($"no container named {container}");
        target["image"] = image;
        TaskDefinitionJson.SetEnvironment(target, "SLIPWAY_VERSION", version);
        return request;
    }

    /// <summary>
    /// API spelling for a definition an emulator echoes in CloudFormation's spelling (<c>Name</c>, <c>PortMappings</c>);
    /// a no-op for real ECS answers. Keys inside free-form maps (log options, docker labels) are left alone.
    /// </summary>
    public static JsonNode CamelCase(JsonNode node) => node switch
    {
        JsonObject obj => new JsonObject(obj.Select(p => new KeyValuePair<string, JsonNode?>(
            char.ToLowerInvariant(p.Key[0]) + p.Key[1..],
            p.Value is null ? null
                : p.Key is "options" or "Options" or "dockerLabels" or "DockerLabels" ? p.Value.DeepClone() : CamelCase(p.Value)))),
        JsonArray array => new JsonArray(array.Select(item => item is null ? null : CamelCase(item)).ToArray()),
        _ => node.DeepClone(),
    };

    public async Task<EcsService> UpdateServiceAsync(string cluster, string service, string taskDefinition, int desiredCount, CancellationToken ct) =>
        (await json.CallAsync<UpdateServiceRequest, ServiceResponse>("UpdateService", new(cluster, service, taskDefinition, desiredCount), ct)).Service
        ?? throw new AwsServiceException("ECS", "ServiceNotFoundException", service, 400);

    public async Task<EcsService?> DescribeServiceAsync(string cluster, string service, CancellationToken ct)
    {
        try
        {
            var r = await json.CallAsync<DescribeServicesRequest, DescribeServicesResponse>("DescribeServices", new(cluster, [service]), ct);
            return r.Services?.FirstOrDefault(s => s.Status != "INACTIVE");
        }
        catch (AwsServiceException e) when (e.Code == "ClusterNotFoundException")
        {
            return null;
        }
    }

    /// <summary>Why the service's recently stopped tasks stopped, for a failed deployment's report.</summary>
    public async Task<IReadOnlyList<string>> StoppedTaskReasonsAsync(string cluster, string service, CancellationToken ct)
    {
        var list = await json.CallAsync<ListTasksRequest, ListTasksResponse>("ListTasks", new(cluster, service, "STOPPED"), ct);
        if (list.TaskArns is not { Count: > 0 } arns) return [];
        var tasks = await json.CallAsync<DescribeTasksRequest, DescribeTasksResponse>("DescribeTasks", new(cluster, arns.Take(10).ToList()), ct);
        return (tasks.Tasks ?? []).Select(t =>
        {
            var container = t.Containers?.FirstOrDefault(c => c.Reason is not null || c.ExitCode is not null);
            var detail = container is null ? "" : $" ({container.Name}: {container.Reason ?? $"exit code {container.ExitCode}"})";
            return $"{t.TaskArn?.Split('/').Last()}: {t.StoppedReason ?? "stopped"}{detail}";
        }).Distinct().ToList();
    }
}
