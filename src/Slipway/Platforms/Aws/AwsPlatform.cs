using System.Text.Json.Nodes;
using Slipway.Build;
using Slipway.Cloud.Aws;
using Slipway.Common;
using Slipway.Configuration;
using Slipway.Engine;
using Slipway.Output;
using Slipway.Source;

namespace Slipway.Platforms.Aws;

/// <summary>
/// Runs apps on AWS as the original script did: a CloudFormation stack (generated from the manifest), images
/// built locally and pushed to ECR, ECS Fargate tasks behind an Application Load Balancer.
/// </summary>
/// <remarks>
/// A deploy registers a new task definition revision and updates the service through the ECS API rather than
/// updating a stack parameter: it starts in seconds instead of a stack update's minutes, reports the rollout
/// (and the circuit breaker's rollback with the stopped tasks' reasons) precisely, and keeps the stack for
/// infrastructure. Every stack change passes the serving tag, so CloudFormation never moves the image back.
/// </remarks>
public sealed class AwsPlatform(CloudFormationClient cloudFormation, EcrClient ecr, EcsClient ecs, LogsClient logs, SsmClient ssm,
    DockerEngine engine, RegistryOverride registry, Func<string, bool> confirmDelete, TimeProvider time) : IPlatform, IDriftDetection
{
    private static readonly TimeSpan DeployLimit = TimeSpan.FromMinutes(30);
    private readonly StackOperations _stacks = new(cloudFormation, time);

    public PlatformKind Kind => PlatformKind.Aws;

    public Task<DriftReport> CheckDriftAsync(AppManifest app, bool repair, IStageLog log, CancellationToken ct) =>
        DriftCheck.RunAsync(this, app, repair, log, ct);

    public System.Net.IPAddress? PublicAddress => null;

    public async Task<string> EnsureInfrastructureAsync(AppManifest app, IStageLog log, CancellationToken ct)
    {
        await engine.EnsureReachableAsync(ct); // images are built locally
        var stackName = StackTemplate.StackName(app);
        var stack = await SettledStackAsync(stackName, log, ct);
        if (stack is { Status: "ROLLBACK_COMPLETE" })
        {
            // A first create that failed leaves a stack that can only be deleted before trying again.
            if (!confirmDelete($"stack {stackName} is ROLLBACK_COMPLETE after a failed first create: delete it and create it again?"))
                throw new SlipwayException(ErrorCode.ConfirmationRequired, $"stack {stackName} is ROLLBACK_COMPLETE and was left as it is",
                    "delete it (slipway destroy -e aws) or run up again with --yes");
            log.Warn($"deleting stack {stackName} (ROLLBACK_COMPLETE) to start again");
            var since = time.GetUtcNow();
            await cloudFormation.DeleteStackAsync(stackName, ct);
            await _stacks.WaitAsync(stackName, since, log, ct);
            stack = null;
        }

        if (stack?.DriftStatus == "DRIFTED")
            log.Warn($"stack {stackName} has drifted from its template (last detection): see slipway drift -e aws, repair with --repair");
        var prepared = await _stacks.PrepareAsync(stackName, create: stack is null, StackTemplate.Render(app),
            await ParametersAsync(app, stack, ct), ct);
        if (prepared is { Plan.Changes.Count: 0 } && stack is not null)
        {
            await cloudFormation.DeleteChangeSetAsync(stackName, prepared.Value.Name, ct); // nothing to apply
            prepared = null;
        }
        if (prepared is null) return $"stack {stackName}: no changes ({stack!.Status})";
        var (changeSet, plan) = prepared.Value;
        log.Info($"{(plan.Creates ? "creating" : "updating")} stack {stackName}: {plan.Changes.Count} resource change(s)");
        await _stacks.ExecuteAsync(stackName, changeSet, log, ct);
        return $"stack {stackName}: {(plan.Creates ? "created" : "updated")} ({plan.Changes.Count} change(s))";
    }

    /// <summary>The stack is the app's whether or not a deploy succeeded: nothing to take down.</summary>
    public Task ReleaseUnusedInfrastructureAsync(CancellationToken ct) => Task.CompletedTask;

    public async Task<IReadOnlyList<string>> PlanInfrastructureAsync(AppManifest app, CancellationToken ct) =>
        StackPlanRenderer.Render(StackTemplate.StackName(app), await PlanAsync(app, ct));

    /// <summary>Runs CloudFormation drift detection and waits for it; returns every modified or deleted resource.</summary>
    public async Task<IReadOnlyList<ResourceDrift>> DetectDriftAsync(AppManifest app, IStageLog log, CancellationToken ct)
    {
        var stackName = StackTemplate.StackName(app);
        _ = await cloudFormation.DescribeStackAsync(stackName, ct)
            ?? throw new SlipwayException(ErrorCode.AppNotDeployed, $"stack {stackName} does not exist", "run slipway up -e aws first");
        var detection = await cloudFormation.DetectStackDriftAsync(stackName, ct);
        var started = time.GetTimestamp();
        while (true)
        {
            var status = await cloudFormation.DescribeDriftDetectionAsync(detection, ct);
            if (status.Status == "DETECTION_COMPLETE") break;
            if (status.Status == "DETECTION_FAILED")
                throw new SlipwayException(ErrorCode.StackFailed, $"drift detection failed: {status.Reason}", "check the permissions to describe every resource of the stack");
            if (time.GetElapsedTime(started) > TimeSpan.FromMinutes(10))
                throw new SlipwayException(ErrorCode.StackFailed, "drift detection did not finish within 10 minutes", "run it again later");
            await Task.Delay(StackOperations.PollInterval, time, ct);
        }
        return await cloudFormation.DescribeResourceDriftsAsync(stackName, ct);
    }

    /// <summary>Re-applies the template to the repairable drifted resources (see <see cref="DriftRepair"/>); returns what was not repairable.</summary>
    public async Task<DriftRepairPlan> RepairDriftAsync(AppManifest app, IReadOnlyList<ResourceDrift> drifts, IStageLog log, CancellationToken ct)
    {
        var plan = DriftRepair.Plan(drifts);
        if (plan.Repairable.Count == 0) return plan;
        var stackName = StackTemplate.StackName(app);
        var stack = await cloudFormation.DescribeStackAsync(stackName, ct);
        var repair = new DriftRepairTags(time.GetUtcNow().ToString("yyyyMMddHHmmss"), plan.Repairable.Select(d => d.LogicalId).ToList());
        var prepared = await _stacks.PrepareAsync(stackName, create: false, StackTemplate.Render(app, repair), await ParametersAsync(app, stack, ct), ct);
        if (prepared is not null)
        {
            log.Info($"re-applying {string.Join(", ", repair.Resources)}");
            await _stacks.ExecuteAsync(stackName, prepared.Value.Name, log, ct);
        }
        return plan;
    }

    /// <summary>What applying the template would change, without changing anything (the change set is deleted).</summary>
    public async Task<StackPlan?> PlanAsync(AppManifest app, CancellationToken ct)
    {
        var stackName = StackTemplate.StackName(app);
        var stack = await cloudFormation.DescribeStackAsync(stackName, ct);
        if (stack is { Status: "ROLLBACK_COMPLETE" }) stack = null;
        var prepared = await _stacks.PrepareAsync(stackName, stack is null, StackTemplate.Render(app), await ParametersAsync(app, stack, ct), ct);
        if (prepared is null) return null;
        await cloudFormation.DeleteChangeSetAsync(stackName, prepared.Value.Name, ct);
        if (prepared.Value.Plan.Changes.Count == 0 && stack is not null) return null;
        if (stack is null) await cloudFormation.DeleteStackAsync(stackName, ct); // a CREATE change set leaves a REVIEW_IN_PROGRESS stack
        return prepared.Value.Plan;
    }

    public async Task<AppStatus> GetStatusAsync(AppManifest app, CancellationToken ct)
    {
        var stack = await cloudFormation.DescribeStackAsync(StackTemplate.StackName(app), ct);
        var url = stack?.Output("PublicUrl") is { } published ? new Uri(published)
            : new Uri($"http://{app.Aws.Dns?.Name ?? stack?.Output("LoadBalancerDns") ?? "not-created.invalid"}:{app.Aws.ListenerPort}/");
        var (cluster, serviceName) = (StackTemplate.ClusterName(app), StackTemplate.ServiceName(app));
        if (stack is null) return new AppStatus(app.App, Kind.Name(), url, null, [], null);
        var service = await ecs.DescribeServiceAsync(cluster, serviceName, ct);
        if (service?.TaskDefinition is null || service.DesiredCount == 0)
            return new AppStatus(app.App, Kind.Name(), url, null, [], null);
        var definition = EcsClient.CamelCase(await ecs.DescribeTaskDefinitionAsync(service.TaskDefinition, ct));
        var container = TaskDefinitionJson.Container(definition.AsObject(), StackTemplate.ContainerName(app));
        var version = container is null ? null
            : TaskDefinitionJson.Environment(container, "SLIPWAY_VERSION") is { Length: > 0 } v && v != "none" ? v : null;
        var fingerprint = container is null ? null : TaskDefinitionJson.Environment(container, "SLIPWAY_FINGERPRINT");
        var replicas = Enumerable.Range(1, service.RunningCount)
            .Select(i => new ReplicaStatus($"{serviceName}-task-{i}", version ?? "?", "RUNNING", "healthy", null, fingerprint)).ToList();
        return new AppStatus(app.App, Kind.Name(), url, version, replicas, service.Events?.FirstOrDefault()?.CreatedAt);
    }

    public async Task<bool> HasImageAsync(AppManifest app, string version, CancellationToken ct) =>
        registry.Host is not null
            ? await registry.HasTagAsync(StackTemplate.RepositoryName(app), version, ct)
            : await ecr.HasTagAsync(StackTemplate.RepositoryName(app), version, ct);

    public async Task<string> PublishImageAsync(AppManifest app, SourceSnapshot source, IStageLog log, CancellationToken ct)
    {
        var local = await new ImageBuilder(engine).ExistsAsync(app, source.Version, ct)
            ? ImageBuilder.ImageReference(app.App, source.Version)
            : await new ImageBuilder(engine).BuildAsync(app, source, log.Info, log.Warn, ct);
        var repository = await RepositoryAsync(app, ct);
        await engine.TagImageAsync(local, repository, source.Version, ct);
        RegistryCredentials? credentials = null;
        if (registry.Host is null)
        {
            var login = await ecr.GetAuthorizationAsync(ct);
            credentials = new RegistryCredentials(login.Username, login.Password, login.ProxyEndpoint);
        }
        log.Info($"pushing {repository}:{source.Version}");
        try
        {
            await engine.PushImageAsync(repository, source.Version, credentials, status => { }, ct);
        }
        catch (EngineApiException e)
        {
            throw new SlipwayException(ErrorCode.BuildFailed, $"push of {repository}:{source.Version} failed: {e.Message}",
                registry.Host is null ? "check the ECR permissions (ecr:*LayerUpload*, ecr:PutImage)" : $"check that the registry {registry.Host} answers");
        }
        return $"{repository}:{source.Version}";
    }

    public Task<int> RemoveLeftoversAsync(AppManifest app, IStageLog log, CancellationToken ct) => Task.FromResult(0);

    /// <summary>The tags in the repository; registries keep no deploy order, so rollback orders them by the release history.</summary>
    public async Task<IReadOnlyList<string>> AvailableVersionsAsync(AppManifest app, CancellationToken ct)
    {
        var tags = registry.Host is not null
            ? await registry.ListTagsAsync(StackTemplate.RepositoryName(app), ct)
            : (await ecr.ListImagesAsync(StackTemplate.RepositoryName(app), ct)).Select(i => i.ImageTag).OfType<string>().ToList();
        return tags.Distinct().ToList();
    }

    public async Task<RolloutReport> RollOutAsync(AppManifest app, string version, IStageLog log, Func<CancellationToken, Task> beforeCutover,
        CancellationToken ct)
    {
        var (cluster, serviceName) = (StackTemplate.ClusterName(app), StackTemplate.ServiceName(app));
        var service = await ecs.DescribeServiceAsync(cluster, serviceName, ct)
            ?? throw new SlipwayException(ErrorCode.AppNotDeployed, $"service {serviceName} is missing from cluster {cluster}", "run slipway up -e aws");
        var previous = (await GetStatusAsync(app, ct)).Version;

        var current = Completed(await ecs.DescribeTaskDefinitionAsync(service.TaskDefinition!, ct), app);
        var image = $"{await RepositoryAsync(app, ct)}:{version}";
        // Secrets go to SSM Parameter Store as SecureStrings; the task definition names them, ECS injects the values.
        foreach (var (name, value) in SecretResolver.Resolve(app, Environment.GetEnvironmentVariable))
            await ssm.PutSecretAsync(StackTemplate.SecretParameter(app, name), value, ct);
        var revision = await ecs.RegisterRevisionAsync(ForRelease(current, app, version), StackTemplate.ContainerName(app), image, version, ct);
        log.Info($"registered {revision.Split('/').Last()} ({image})");
        await beforeCutover(ct); // ECS moves traffic itself once the service is updated
        // With autoscaling, the scaler owns the task count: keep what it chose.
        var desired = app.Aws.Autoscaling is { } scaling ? Math.Clamp(service.DesiredCount, scaling.Min, scaling.Max) : app.Replicas;
        await ecs.UpdateServiceAsync(cluster, serviceName, revision, desired, ct);

        var started = time.GetTimestamp();
        var lastSummary = "";
        while (true)
        {
            var now = await ecs.DescribeServiceAsync(cluster, serviceName, ct);
            var verdict = now is null ? new DeploymentVerdict(DeploymentState.Failed, "the service disappeared")
                : DeploymentProgress.Evaluate(now, revision, desired);
            if (verdict.Summary != lastSummary) log.Info(verdict.Summary);
            lastSummary = verdict.Summary;
            switch (verdict.State)
            {
                case DeploymentState.Completed:
                    return new RolloutReport(version, previous, desired, DrainTimedOut: false);
                case DeploymentState.RolledBack or DeploymentState.Failed:
                    var reasons = await ecs.StoppedTaskReasonsAsync(cluster, serviceName, ct);
                    throw new SlipwayException(ErrorCode.ReleaseUnhealthy,
                        $"release rejected: {verdict.Summary}" + (reasons.Count > 0 ? $"{Environment.NewLine}  stopped tasks:{Environment.NewLine}    " + string.Join($"{Environment.NewLine}    ", reasons) : ""),
                        $"see the logs (CloudWatch group /slipway/{app.App}); check port {app.Port} and {app.HealthCheck.Path}");
            }
            if (time.GetElapsedTime(started) > DeployLimit)
                throw new SlipwayException(ErrorCode.DeploymentFailed, $"the deployment of {version} did not finish within {DeployLimit.TotalMinutes} minutes: {verdict.Summary}",
                    "watch it in the ECS console; run up again to resume waiting");
            await Task.Delay(StackOperations.PollInterval, time, ct);
        }
    }

    /// <summary>CloudWatch Logs of the app's group; the replica is the task's log stream. Following polls every 2 s.</summary>
    public async Task StreamLogsAsync(AppManifest app, LogQuery query, Action<LogLine> onLine, CancellationToken ct)
    {
        var group = $"/slipway/{app.App}";
        long? start = query.Since is { } window ? (time.GetUtcNow() - window).ToUnixTimeMilliseconds() : null;
        while (true)
        {
            var events = await logs.FilterAsync(group, start, ct);
            var shown = query.Tail is { } tail && start is null ? events.TakeLast(tail) : events;
            foreach (var e in shown.OrderBy(e => e.Timestamp))
            {
                var stream = e.LogStreamName ?? "?";
                onLine(new LogLine(DateTimeOffset.FromUnixTimeMilliseconds(e.Timestamp), stream[(stream.LastIndexOf('/') + 1)..], e.Message?.TrimEnd() ?? ""));
            }
            if (!query.Follow) return;
            if (events.Count > 0) start = events.Max(e => e.Timestamp) + 1;
            await Task.Delay(StackOperations.PollInterval, time, ct);
        }
    }

    public async Task<DestroyReport> DestroyAsync(AppManifest app, IStageLog log, CancellationToken ct)
    {
        var removed = new List<string>();
        var problems = new List<string>();
        var stackName = StackTemplate.StackName(app);
        if (app.Secrets.Count > 0)
        {
            await ssm.DeleteAsync(app.Secrets.Keys.Select(name => StackTemplate.SecretParameter(app, name)).ToList(), ct);
            removed.Add($"{app.Secrets.Count} secret parameter(s) under /slipway/{app.App}/");
        }
        // The repository must be empty before the stack can delete it.
        if (await ecr.DeleteRepositoryAsync(StackTemplate.RepositoryName(app), ct)) removed.Add($"repository {StackTemplate.RepositoryName(app)} and its images");
        var stack = await cloudFormation.DescribeStackAsync(stackName, ct);
        if (stack is not null)
        {
            var since = time.GetUtcNow();
            try
            {
                await cloudFormation.DeleteStackAsync(stackName, ct);
            }
            catch (AwsServiceException e) when (!e.IsAccessDenied && !e.IsThrottling)
            {
                // Some endpoints answer the delete with an error about one resource (an emulator: a repository
                // deleted above, a VPC's dependencies) and delete the stack anyway: read back what happened.
                log.Warn($"the delete answered {e.Code}: {e.AwsMessage}");
            }
            var final = await _stacks.WaitAsync(stackName, since, log, ct);
            if (final is null || final.Status == "DELETE_COMPLETE") removed.Add($"stack {stackName}");
            else problems.Add((await _stacks.FailureAsync(stackName, final, since, ct)).Message);
        }
        return new DestroyReport(removed, problems);
    }

    private async Task<Stack?> SettledStackAsync(string stackName, IStageLog log, CancellationToken ct)
    {
        var stack = await cloudFormation.DescribeStackAsync(stackName, ct);
        if (stack is { IsInProgress: true } && stack.Status != "REVIEW_IN_PROGRESS")
        {
            log.Info($"stack {stackName} is {stack.Status}: waiting for it to settle");
            stack = await _stacks.WaitAsync(stackName, time.GetUtcNow(), log, ct);
        }
        if (stack is { Status: "REVIEW_IN_PROGRESS" })
        {
            // Left by a CREATE change set that was never executed (a killed run or a plan): start again.
            await cloudFormation.DeleteStackAsync(stackName, ct);
            stack = await _stacks.WaitAsync(stackName, time.GetUtcNow(), log, ct);
        }
        return stack;
    }

    /// <summary>ImageTag = the version serving (or a placeholder before the first deploy); DesiredCount = 0 until then.</summary>
    private async Task<IReadOnlyList<StackParameter>> ParametersAsync(AppManifest app, Stack? stack, CancellationToken ct)
    {
        var serving = stack is null ? null : (await GetStatusAsync(app, ct)).Version;
        return
        [
            new(StackTemplate.ImageTagParameter, serving ?? "none"),
            new(StackTemplate.DesiredCountParameter, serving is null ? "0" : app.Replicas.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ];
    }

    private async Task<string> RepositoryAsync(AppManifest app, CancellationToken ct)
    {
        if (registry.Host is not null) return $"{registry.Host}/{StackTemplate.RepositoryName(app)}";
        return await ecr.RepositoryUriAsync(StackTemplate.RepositoryName(app), ct)
            ?? throw new SlipwayException(ErrorCode.AppNotDeployed, $"stack {StackTemplate.StackName(app)} has no repository yet", "run slipway up -e aws");
    }

    /// <summary>
    /// The service's current definition with anything missing filled in from the manifest: the app's container
    /// and the Fargate settings. Real ECS answers need nothing; an emulator's may lack them after a stack update.
    /// </summary>
    private static JsonObject Completed(JsonObject described, AppManifest app)
    {
        var definition = (JsonObject)EcsClient.CamelCase(described);
        definition["family"] ??= StackTemplate.StackName(app);
        definition["cpu"] ??= app.Aws.Cpu.ToString(System.Globalization.CultureInfo.InvariantCulture);
        definition["memory"] ??= app.Aws.Memory.ToString(System.Globalization.CultureInfo.InvariantCulture);
        definition["networkMode"] = "awsvpc";
        definition["requiresCompatibilities"] ??= new JsonArray("FARGATE");
        var containers = definition["containerDefinitions"]?.AsArray() ?? [];
        definition["containerDefinitions"] = containers;
        if (TaskDefinitionJson.Container(definition, StackTemplate.ContainerName(app)) is null)
        {
            containers.Clear();
            containers.Add(new JsonObject
            {
                ["name"] = StackTemplate.ContainerName(app),
                ["image"] = "",
                ["essential"] = true,
                ["portMappings"] = new JsonArray(new JsonObject { ["containerPort"] = app.Port, ["protocol"] = "tcp" }),
                ["environment"] = new JsonArray(app.Env.OrderBy(e => e.Key, StringComparer.Ordinal)
                    .Append(new("SLIPWAY_APP", app.App))
                    .Select(e => (JsonNode)new JsonObject { ["name"] = e.Key, ["value"] = e.Value }).ToArray()),
            });
        }
        return definition;
    }

    /// <summary>
    /// The release's own settings in the app's container: its fingerprint, and its secrets read from their SSM
    /// parameters (so no value is in the definition). Edits <paramref name="definition"/>, a fresh copy from <see cref="Completed"/>.
    /// </summary>
    private static JsonObject ForRelease(JsonObject definition, AppManifest app, string version)
    {
        var container = TaskDefinitionJson.Container(definition, StackTemplate.ContainerName(app))!;
        TaskDefinitionJson.SetEnvironment(container, "SLIPWAY_FINGERPRINT", ReleaseFingerprint.Of(app, version));
        var environment = container["environment"]!.AsArray();
        foreach (var clash in environment.Where(e => app.Secrets.ContainsKey(e?["name"]?.GetValue<string>() ?? "")).ToList()) environment.Remove(clash);
        if (app.Secrets.Count == 0) container.Remove("secrets");
        else container["secrets"] = new JsonArray(app.Secrets.Keys.Order(StringComparer.Ordinal)
            .Select(name => (JsonNode)new JsonObject { ["name"] = name, ["valueFrom"] = StackTemplate.SecretParameter(app, name) }).ToArray());
        return definition;
    }
}
