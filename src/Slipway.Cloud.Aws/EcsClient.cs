using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Slipway.Cloud.Aws;

public sealed record EcsDeployment(string? Id, string? Status, string? TaskDefinition, int DesiredCount, int RunningCount,
    int FailedTasks, string? RolloutState, string? RolloutStateReason);

public sealed record EcsEvent(DateTimeOffset? CreatedAt, string? Message);

public sealed record EcsService(string? ServiceName, string? Status, int DesiredCount, int RunningCount, string? TaskDefinition,
    IReadOnlyList<EcsDeployment>? Deployments, IReadOnlyList<EcsEvent>? Events);

public sealed record EcsContainer(string? Name, string? Reason, int? ExitCode, string? RuntimeId = null);

/// <param name="StopCode">Why ECS stopped it, as a code: <c>EssentialContainerExited</c> for a container that exited of itself.</param>
/// <param name="StartedAt">When it went from PENDING to RUNNING; none for a task that never ran.</param>
public sealed record EcsTask(string? TaskArn, string? TaskDefinitionArn, string? LastStatus, string? StoppedReason, IReadOnlyList<EcsContainer>? Containers,
    string? StopCode = null, DateTimeOffset? StartedAt = null, DateTimeOffset? StoppedAt = null, string? Group = null);

/// <summary>What ExecuteCommand answers: the Session Manager session the plugin connects to (its fields as the API spells them).</summary>
public sealed record EcsExecSession(string? ClusterArn, string? TaskArn, string? ContainerName, System.Text.Json.Nodes.JsonObject? Session);

/// <summary>The ECS operations Slipway uses, over JSON 1.1 (AmazonEC2ContainerServiceV20141113).</summary>
public sealed partial class EcsClient(AwsJsonClient json)
{
    private sealed record DescribeTaskDefinitionRequest(string TaskDefinition);
    private sealed record TaskDefinitionResponse(JsonObject? TaskDefinition);
    private sealed record ForceNewDeploymentRequest(string Cluster, string Service, bool ForceNewDeployment);
    private sealed record ServiceResponse(EcsService? Service);
    private sealed record DescribeServicesRequest(string Cluster, IReadOnlyList<string> Services);
    private sealed record DescribeServicesResponse(IReadOnlyList<EcsService>? Services);
    private sealed record ListTasksRequest(string Cluster, string? ServiceName, string DesiredStatus, string? NextToken, string? Family = null);
    private sealed record ListTasksResponse(IReadOnlyList<string>? TaskArns, string? NextToken);
    private sealed record DescribeTasksRequest(string Cluster, IReadOnlyList<string> Tasks);
    private sealed record DescribeTasksResponse(IReadOnlyList<EcsTask>? Tasks);

    private sealed record RegisterTaskDefinitionResponse(JsonObject? TaskDefinition);
    private sealed record DeregisterTaskDefinitionRequest(string TaskDefinition);
    private sealed record RunTaskRequest(string Cluster, string TaskDefinition, string LaunchType, int Count, string StartedBy,
        JsonObject NetworkConfiguration, JsonObject Overrides);
    private sealed record RunTaskResponse(IReadOnlyList<EcsTask>? Tasks, IReadOnlyList<EcsFailure>? Failures);
    private sealed record EcsFailure(string? Arn, string? Reason, string? Detail);
    private sealed record StopTaskRequest(string Cluster, string Task, string Reason);
    private sealed record ExecuteCommandRequest(string Cluster, string Task, string Container, string Command, bool Interactive);

    /// <summary>The wire types' metadata, generated at build time.</summary>
    [JsonSerializable(typeof(DescribeTaskDefinitionRequest))]
    [JsonSerializable(typeof(TaskDefinitionResponse))]
    [JsonSerializable(typeof(ForceNewDeploymentRequest))]
    [JsonSerializable(typeof(ServiceResponse))]
    [JsonSerializable(typeof(DescribeServicesRequest))]
    [JsonSerializable(typeof(DescribeServicesResponse))]
    [JsonSerializable(typeof(ListTasksRequest))]
    [JsonSerializable(typeof(ListTasksResponse))]
    [JsonSerializable(typeof(DescribeTasksRequest))]
    [JsonSerializable(typeof(DescribeTasksResponse))]
    [JsonSerializable(typeof(JsonObject))]
    [JsonSerializable(typeof(RegisterTaskDefinitionResponse))]
    [JsonSerializable(typeof(DeregisterTaskDefinitionRequest))]
    [JsonSerializable(typeof(RunTaskRequest))]
    [JsonSerializable(typeof(RunTaskResponse))]
    [JsonSerializable(typeof(StopTaskRequest))]
    [JsonSerializable(typeof(ExecuteCommandRequest))]
    [JsonSerializable(typeof(EcsExecSession))]
    private sealed partial class EcsWire : JsonSerializerContext;

    public static EcsClient Create(AwsSettings settings, TimeProvider time) =>
        Over(new AwsHttp(settings, "ecs", settings.EndpointFor("ecs", "ECS"), time));

    internal static EcsClient Over(AwsHttp http) => new(new AwsJsonClient(http, "ECS", "AmazonEC2ContainerServiceV20141113", EcsWire.Default));

    public async Task<JsonObject> DescribeTaskDefinitionAsync(string taskDefinition, CancellationToken ct) =>
        (await json.CallAsync<DescribeTaskDefinitionRequest, TaskDefinitionResponse>("DescribeTaskDefinition", new(taskDefinition), ct))
        .TaskDefinition ?? throw new AwsServiceException("ECS", "ClientException", $"no task definition {taskDefinition}", 400);

    /// <summary>
    /// Starts the service's tasks anew with its own task definition and count: the one UpdateService call Slipway
    /// makes, since it changes nothing CloudFormation owns.
    /// </summary>
    public async Task<EcsService> ForceNewDeploymentAsync(string cluster, string service, CancellationToken ct) =>
        (await json.CallAsync<ForceNewDeploymentRequest, ServiceResponse>("UpdateService", new(cluster, service, true), ct)).Service
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

    private const int MaxStoppedTasks = 100; // ECS keeps stopped tasks about an hour; a report needs the recent ones

    /// <summary>The services of a cluster as ECS sees them now (ten names at most, the API's limit); those it does not know are left out.</summary>
    public async Task<IReadOnlyList<EcsService>> DescribeServicesAsync(string cluster, IReadOnlyList<string> services, CancellationToken ct)
    {
        try
        {
            var r = await json.CallAsync<DescribeServicesRequest, DescribeServicesResponse>("DescribeServices", new(cluster, services), ct);
            return (r.Services ?? []).Where(s => s.Status != "INACTIVE").ToList();
        }
        catch (AwsServiceException e) when (e.Code == "ClusterNotFoundException")
        {
            return [];
        }
    }

    /// <summary>The service's recently stopped tasks, newest first as ECS lists them (the first hundred, DescribeTasks' limit).</summary>
    public async Task<IReadOnlyList<EcsTask>> StoppedTasksAsync(string cluster, string service, CancellationToken ct)
    {
        var arns = new List<string>();
        string? next = null;
        do
        {
            var page = await json.CallAsync<ListTasksRequest, ListTasksResponse>("ListTasks", new(cluster, service, "STOPPED", next), ct);
            arns.AddRange(page.TaskArns ?? []);
            next = page.NextToken;
        } while (!string.IsNullOrEmpty(next) && arns.Count < MaxStoppedTasks);
        if (arns.Count == 0) return [];
        return (await json.CallAsync<DescribeTasksRequest, DescribeTasksResponse>("DescribeTasks", new(cluster, arns.Take(MaxStoppedTasks).ToList()), ct)).Tasks ?? [];
    }

    /// <summary>Why the service's recently stopped tasks stopped, for a failed deployment's report.</summary>
    public async Task<IReadOnlyList<string>> StoppedTaskReasonsAsync(string cluster, string service, CancellationToken ct) =>
        (await StoppedTasksAsync(cluster, service, ct)).Take(10).Select(t =>
        {
            var container = t.Containers?.FirstOrDefault(c => c.Reason is not null || c.ExitCode is not null);
            var detail = container is null ? "" : $" ({container.Name}: {container.Reason ?? $"exit code {container.ExitCode}"})";
            return $"{t.TaskArn?.Split('/').Last()}: {t.StoppedReason ?? "stopped"}{detail}";
        }).Distinct().ToList();

    /// <summary>Registers a task definition (the ECS API's own shape: camelCase keys); returns its ARN with the revision.</summary>
    public async Task<string> RegisterTaskDefinitionAsync(JsonObject definition, CancellationToken ct) =>
        (string?)(await json.CallAsync<JsonObject, RegisterTaskDefinitionResponse>("RegisterTaskDefinition", definition, ct)).TaskDefinition?["taskDefinitionArn"]
        ?? throw new AwsServiceException("ECS", "ClientException", "RegisterTaskDefinition returned no task definition", 500);

    public Task DeregisterTaskDefinitionAsync(string taskDefinitionArn, CancellationToken ct) =>
        json.CallAsync<DeregisterTaskDefinitionRequest, TaskDefinitionResponse>("DeregisterTaskDefinition", new(taskDefinitionArn), ct);

    /// <summary>Starts one Fargate task; returns its ARN, or throws with ECS's reason when it could not be placed.</summary>
    /// <param name="networkConfiguration">The <c>awsvpcConfiguration</c> (subnets, security groups, public IP) in the API's shape.</param>
    /// <param name="overrides">Container overrides in the API's shape (e.g. the command).</param>
    public async Task<string> RunTaskAsync(string cluster, string taskDefinition, JsonObject networkConfiguration, JsonObject overrides, CancellationToken ct)
    {
        var r = await json.CallAsync<RunTaskRequest, RunTaskResponse>("RunTask",
            new(cluster, taskDefinition, "FARGATE", 1, "slipway", networkConfiguration, overrides), ct);
        return r.Tasks?.FirstOrDefault()?.TaskArn
            ?? throw new AwsServiceException("ECS", "RunTaskFailed",
                string.Join("; ", (r.Failures ?? []).Select(f => $"{f.Reason}{(f.Detail is null ? "" : $" ({f.Detail})")}")) is { Length: > 0 } reasons
                    ? $"ECS started no task: {reasons}" : "ECS started no task", 400);
    }

    /// <summary>A task as ECS sees it now; null when ECS no longer knows it.</summary>
    public async Task<EcsTask?> DescribeTaskAsync(string cluster, string taskArn, CancellationToken ct) =>
        (await json.CallAsync<DescribeTasksRequest, DescribeTasksResponse>("DescribeTasks", new(cluster, [taskArn]), ct)).Tasks?.FirstOrDefault();

    public Task StopTaskAsync(string cluster, string taskArn, string reason, CancellationToken ct) =>
        json.CallAsync<StopTaskRequest, DescribeTasksResponse>("StopTask", new(cluster, taskArn, reason), ct);

    /// <summary>The latest tasks of a task definition family (running and recently stopped: the first page of each), newest first.</summary>
    public async Task<IReadOnlyList<EcsTask>> LatestTasksOfFamilyAsync(string cluster, string family, CancellationToken ct)
    {
        var arns = new List<string>();
        foreach (var status in new[] { "RUNNING", "STOPPED" })
            arns.AddRange((await json.CallAsync<ListTasksRequest, ListTasksResponse>("ListTasks", new(cluster, null, status, null, family), ct)).TaskArns?.Take(10) ?? []);
        if (arns.Count == 0) return [];
        var tasks = (await json.CallAsync<DescribeTasksRequest, DescribeTasksResponse>("DescribeTasks", new(cluster, arns), ct)).Tasks ?? [];
        return tasks.OrderByDescending(t => t.StartedAt ?? DateTimeOffset.MinValue).ToList();
    }

    /// <summary>The ARNs of the service's running tasks (the first page: enough to choose one).</summary>
    public async Task<IReadOnlyList<string>> RunningTasksAsync(string cluster, string service, CancellationToken ct) =>
        (await json.CallAsync<ListTasksRequest, ListTasksResponse>("ListTasks", new(cluster, service, "RUNNING", null), ct)).TaskArns ?? [];

    /// <summary>Opens an ECS Exec session on a task's container; the Session Manager plugin then carries it.</summary>
    public Task<EcsExecSession> ExecuteCommandAsync(string cluster, string task, string container, string command, CancellationToken ct) =>
        json.CallAsync<ExecuteCommandRequest, EcsExecSession>("ExecuteCommand", new(cluster, task, container, command, true), ct);
}
