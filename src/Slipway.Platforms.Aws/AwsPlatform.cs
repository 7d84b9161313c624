using System.Text.Json.Nodes;
using Slipway.Cloud.Aws;
using Slipway.Foundation;
using Slipway.Foundation.Timing;
using Slipway.Configuration;
using Slipway.Engine;
using Slipway.Foundation.Output;
using Slipway.Source;

namespace Slipway.Platforms.Aws;

/// <summary>
/// Runs apps on AWS: a CloudFormation stack generated from the manifest, images
/// built locally and pushed to ECR, ECS Fargate tasks behind an Application Load Balancer.
/// </summary>
/// <remarks>
/// CloudFormation is the one owner of the service, its task definition and its count (see <see cref="StackTemplate"/>):
/// the infrastructure stage re-applies the template with the release the stack already serves, copied from the
/// deployed template, so it never moves the image; the deploy stage (<see cref="ReleaseRollout"/>) is a stack
/// update with the new release. Slipway calls the ECS API only to read, and to restart a release's tasks.
/// </remarks>
public sealed partial class AwsPlatform(CloudFormationClient cloudFormation, EcrClient ecr, EcsClient ecs, LogsClient logs, SsmClient ssm,
    DockerEngine engine, AwsEndpointProfile profile, AppSecrets secrets, EcsExec exec, Func<string, bool> confirmDelete, TimeProvider time,
    IReadOnlyDictionary<string, string>? stackTags = null, string? notifyWebhook = null)
    : IPlatform, IDriftDetection, ITemplatePackaging, IWorkerProcesses, IReleasePhase, IOneOffCommands, IMaintenance, IAppData, IInputCheck
{
    private readonly StackOperations _stacks = new(cloudFormation, time, profile, stackTags,
        notifyWebhook is null ? null : new Dictionary<string, string> { [StackTemplate.NotifyWebhookParameter] = notifyWebhook });
    private readonly AwsImages _images = new(ecr, engine, profile);
    private readonly OneOffTasks _tasks = new(cloudFormation, ecs, logs, time, profile);

    public string Name => AwsModule.PlatformName;

    /// <summary>Images built for the architecture Fargate runs (whatever this machine is); with autoscaling, as many tasks as the scaler chose.</summary>
    public ReleaseTraits TraitsOf(AppManifest app) => Traits(app);

    public static ReleaseTraits Traits(AppManifest app)
    {
        var settings = app.Aws();
        var part = new System.Text.StringBuilder();
        if (settings.Exec) part.Append("exec=true\n"); // the task role is part of the release
        // The task's size is the task definition's: a change is a new release. Written only when not the default, so that
        // releases made before it was part of the fingerprint keep theirs.
        if (settings.Cpu != new AwsSpec().Cpu || settings.Memory != new AwsSpec().Memory)
            part.Append("cpu=").Append(settings.Cpu).Append("\nmemory=").Append(settings.Memory).Append('\n');
        return new ReleaseTraits(settings.Architecture.BuildPlatform(), part.ToString(),
            settings.Autoscaling?.Min ?? app.Replicas, settings.Autoscaling?.Max ?? app.Replicas);
    }

    public Task<DriftReport> CheckDriftAsync(AppManifest app, bool repair, IStageLog log, CancellationToken ct) =>
        DriftCheck.RunAsync(this, app, repair, log, ct);

    public System.Net.IPAddress? PublicAddress => null;

    public async Task<string> EnsureInfrastructureAsync(AppManifest app, IStageLog log, CancellationToken ct)
    {
        await engine.EnsureReachableAsync(ct); // images are built locally
        await DataStack.EnsureAsync(app, log, ct); // before the stack that mounts its file system
        await PutAccessorySecretsAsync(app, ct); // before the accessories' tasks read them
        var stackName = StackTemplate.StackName(app);
        var stack = await SettledStackAsync(stackName, log, ct);
        if (stack is { Status: "ROLLBACK_COMPLETE" })
        {
            // A first create that failed leaves a stack that can only be deleted before trying again.
            if (!confirmDelete($"stack {stackName} is ROLLBACK_COMPLETE after a failed first create: delete it and create it again?"))
                throw new SlipwayException(ErrorCode.ConfirmationRequired, $"stack {stackName} is ROLLBACK_COMPLETE and was left as it is",
                    "delete it (slipway destroy -e aws) or run up again with --yes");
            log.Warn($"deleting stack {stackName} (ROLLBACK_COMPLETE) to start again");
            await _stacks.DeleteAsync(stackName, log, ct);
            stack = null;
        }

        if (stack?.DriftStatus == "DRIFTED")
            log.Warn($"stack {stackName} has drifted from its template (last detection): see slipway drift -e aws, repair with --repair");
        var deployed = stack is null ? null : await DeployedTemplateAsync(app, ct);
        var template = StackTemplate.Infrastructure(app, deployed);
        if (deployed is not null && JsonNode.DeepEquals(JsonNode.Parse(deployed), template))
            return $"stack {stackName}: no changes ({stack!.Status})"; // not even a change set
        var prepared = await _stacks.PrepareAsync(stackName, create: stack is null, template.ToJsonString(), ct);
        if (prepared is { Plan.Changes.Count: 0 } && stack is not null)
        {
            await cloudFormation.DeleteChangeSetAsync(stackName, prepared.Value.Name, ct); // nothing to apply
            prepared = null;
        }
        if (prepared is null) return $"stack {stackName}: no changes ({stack!.Status})";
        var (changeSet, plan) = prepared.Value;
        log.Info($"{(plan.Creates ? "creating" : "updating")} stack {stackName}: {plan.Changes.Count} resource change(s)");
        await _stacks.ExecuteAsync(stackName, changeSet, log, ct, new RolloutWatch(ecs, app).CrashingServiceAsync);
        return $"stack {stackName}: {(plan.Creates ? "created" : "updated")} ({plan.Changes.Count} change(s))";
    }

    /// <summary>The stack is the app's whether or not a deploy succeeded: nothing to take down.</summary>
    public Task ReleaseUnusedInfrastructureAsync(CancellationToken ct) => Task.CompletedTask;

    public async Task<IReadOnlyList<string>> PlanInfrastructureAsync(AppManifest app, CancellationToken ct) =>
        StackPlanRenderer.Render(StackTemplate.StackName(app), await PlanAsync(app, ct));

    public string RenderTemplate(AppManifest app, string version) =>
        StackTemplate.Render(app, StackTemplate.Release(app, version, ReleaseFingerprint.Of(app, version, secrets, Traits(app)), profile.Registry),
            indented: true);

    public string RenderDeployPolicy(AppManifest app) => DeployPolicy.For(app);

    /// <summary>Runs CloudFormation drift detection and waits for it; returns every modified or deleted resource.</summary>
    public async Task<IReadOnlyList<ResourceDrift>> DetectDriftAsync(AppManifest app, IStageLog log, CancellationToken ct)
    {
        var stackName = StackTemplate.StackName(app);
        _ = await cloudFormation.DescribeStackAsync(stackName, ct)
            ?? throw new SlipwayException(ErrorCode.AppNotDeployed, $"stack {stackName} does not exist", "run slipway up -e aws first");
        var detection = await cloudFormation.DetectStackDriftAsync(stackName, ct);
        await Poll.UntilAsync(async token =>
        {
            var status = await cloudFormation.DescribeDriftDetectionAsync(detection, token);
            if (status.Status == "DETECTION_FAILED")
                throw new SlipwayException(ErrorCode.StackFailed, $"drift detection failed: {status.Reason}", "check the permissions to describe every resource of the stack");
            return new Attempt<DriftDetection>(status.Status == "DETECTION_COMPLETE", status);
        }, StackOperations.PollInterval, TimeSpan.FromMinutes(10), time,
            _ => new SlipwayException(ErrorCode.StackFailed, "drift detection did not finish within 10 minutes", "run it again later"), ct);
        return await cloudFormation.DescribeResourceDriftsAsync(stackName, ct);
    }

    /// <summary>Re-applies the template to the repairable drifted resources (see <see cref="DriftRepair"/>); returns what was not repairable.</summary>
    public async Task<DriftRepairPlan> RepairDriftAsync(AppManifest app, IReadOnlyList<ResourceDrift> drifts, IStageLog log, CancellationToken ct)
    {
        var plan = DriftRepair.Plan(drifts);
        if (plan.Repairable.Count == 0) return plan;
        var stackName = StackTemplate.StackName(app);
        var repair = new DriftRepairTags(time.GetUtcNow().ToString("yyyyMMddHHmmss"), plan.Repairable.Select(d => d.LogicalId).ToList());
        var deployed = await DeployedTemplateAsync(app, ct);
        var prepared = await _stacks.PrepareAsync(stackName, create: false, StackTemplate.Render(app, deployed is null ? null : StackTemplate.ReleaseIn(deployed), repair,
            deployed is null ? null : StackTemplate.MaintenanceIn(deployed)), ct);
        if (prepared is not null)
        {
            log.Info($"re-applying {string.Join(", ", repair.Resources)}");
            await _stacks.ExecuteAsync(stackName, prepared.Value.Name, log, ct);
        }
        return plan;
    }

    /// <summary>What applying the template would change: the deployed template and the wanted one compared, nothing created or changed.</summary>
    public async Task<StackPlan?> PlanAsync(AppManifest app, CancellationToken ct)
    {
        var deployed = await DeployedTemplateAsync(app, ct);
        return TemplateDiff.Between(deployed, StackTemplate.Infrastructure(app, deployed).ToJsonString());
    }

    public async Task<AppStatus> GetStatusAsync(AppManifest app, CancellationToken ct)
    {
        var stack = await cloudFormation.DescribeStackAsync(StackTemplate.StackName(app), ct);
        var url = stack?.Output("PublicUrl") is { } published ? new Uri(published)
            : new Uri($"http://{app.Aws().Dns?.Name ?? stack?.Output("LoadBalancerDns") ?? "not-created.invalid"}:{app.Aws().ListenerPort}/");
        var (cluster, serviceName) = (StackTemplate.ClusterName(app), StackTemplate.ServiceName(app));
        if (stack is null) return new AppStatus(app.App, Name, url, null, [], null);
        var service = await ecs.DescribeServiceAsync(cluster, serviceName, ct);
        // The release is the stack's template's (the service's one owner); ECS says how many of its tasks run.
        var deployed = await DeployedReleaseAsync(app, ct);
        var release = StackTemplate.ReleaseOf(deployed);
        if (service is null || release is null) return new AppStatus(app.App, Name, url, null, [], null);
        var replicas = Replicas(serviceName, service.DesiredCount, service.RunningCount, release);
        var processes = new Dictionary<string, IReadOnlyList<ReplicaStatus>>();
        foreach (var process in StackTemplate.ProcessesOf(deployed))
        {
            var name = StackTemplate.ProcessServiceName(app, process);
            processes[process] = Tasks(name, (await ecs.DescribeServiceAsync(cluster, name, ct))?.RunningCount ?? 0, release, "running");
        }
        return new AppStatus(app.App, Name, url, release.Version, replicas, service.Events?.FirstOrDefault()?.CreatedAt)
        {
            Processes = processes, Volumes = app.Volumes.Count > 0 ? await VolumesAsync(app, ct) : [], Jobs = app.Jobs.Count > 0 ? await JobsAsync(app, ct) : [],
            Accessories = app.Accessories.Count > 0 ? await AccessoriesAsync(app, ct) : [],
        };
    }

    /// <summary>
    /// The service's tasks as replicas of the release: the running ones healthy (the load balancer's check gates them), and
    /// those ECS is still starting to reach its desired count (replacing a stopped task, scaling out) pending, health
    /// unknown. So an unchanged release whose service is replacing a task still serves, and an unchanged up leaves it to ECS.
    /// </summary>
    internal static List<ReplicaStatus> Replicas(string serviceName, int desired, int running, ServingRelease release) =>
        [
            .. Tasks(serviceName, running, release, "healthy"),
            .. Enumerable.Range(running + 1, Math.Max(0, desired - running))
                .Select(i => new ReplicaStatus($"{serviceName}-task-{i}", release.Version, "pending", "unknown", null, release.Fingerprint)),
        ];

    /// <summary>A service's running tasks as replicas of the release (ECS counts them; the template says which release they run).</summary>
    private static List<ReplicaStatus> Tasks(string serviceName, int running, ServingRelease release, string health) =>
        Enumerable.Range(1, running).Select(i => new ReplicaStatus($"{serviceName}-task-{i}", release.Version, "running", health, null, release.Fingerprint)).ToList();

    public Task<bool> HasImageAsync(AppManifest app, string version, CancellationToken ct) => _images.HasAsync(app, version, ct);

    public async Task<string> PublishImageAsync(AppManifest app, SourceSnapshot source, IStageLog log, CancellationToken ct) =>
        await _images.PublishAsync(app, source, StackTemplate.ReleaseOf(await DeployedReleaseAsync(app, ct))?.Version, log, ct);

    public Task<int> RemoveLeftoversAsync(AppManifest app, IStageLog log, CancellationToken ct) => Task.FromResult(0);

    public Task<IReadOnlyList<string>> AvailableVersionsAsync(AppManifest app, CancellationToken ct) => _images.VersionsAsync(app, ct);

    public async Task<RolloutReport> RollOutAsync(AppManifest app, string version, IStageLog log, Func<CancellationToken, Task> beforeCutover,
        CancellationToken ct)
    {
        var report = await new ReleaseRollout(ecs, ssm, _stacks, profile, secrets, time).RollOutAsync(app, version, log, beforeCutover, ct);
        try
        {
            await _images.ProtectAsync(app, report.Version, report.PreviousVersion, ct);
        }
        catch (Exception e) when (e is AwsServiceException or HttpRequestException)
        {
            // The release serves: a tag it could not get is a warning, and the next deploy tags again.
            log.Warn($"could not tag {report.Version}'s image as the serving one ({e.Message.Split('\n')[0]}): the repository's lifecycle rule may expire it after {app.Aws().ImagesKept} more pushes");
        }
        return report;
    }

    public Task StreamLogsAsync(AppManifest app, LogQuery query, Action<LogLine> onLine, CancellationToken ct) =>
        new AwsLogs(logs, time).StreamAsync(app, query, onLine, ct);

    public Task<DestroyReport> DestroyAsync(AppManifest app, IStageLog log, CancellationToken ct) =>
        new AwsTeardown(cloudFormation, ecr, ssm, _stacks, _images, profile).DestroyAsync(app, log, ct);

    /// <summary>The release command as an ECS task of the new release, before the stack moves to it; the secrets it reads are put first.</summary>
    public async Task RunReleaseCommandAsync(AppManifest app, string version, IStageLog log, CancellationToken ct)
    {
        await ReleaseRollout.PutSecretsAsync(ssm, app, secrets, ct);
        var release = StackTemplate.Release(app, version, ReleaseFingerprint.Of(app, version, secrets, Traits(app)), profile.Registry);
        var repository = await _images.RepositoryAsync(app, ct);
        await ReleasePhase.RunAsync(app, version, log, time,
            (command, onLine, token) => _tasks.RunAsync(app, release, repository, command, onLine, token), ct);
    }

    /// <summary>A one-off ECS task of the serving release (its task definition as deployed); no stdin: ECS tasks have none.</summary>
    public async Task<int> RunAsync(AppManifest app, IReadOnlyList<string> command, Action<string> onLine, CancellationToken ct, Attachment? attach = null)
    {
        if (attach is not null)
            throw new SlipwayException(ErrorCode.InvalidSetting, "run -i: an ECS task has no stdin to attach to",
                "run it without -i/-t, or use slipway exec (ECS Exec) for an interactive command in a running task");
        var release = await DeployedReleaseAsync(app, ct)
            ?? throw new SlipwayException(ErrorCode.VersionNotAvailable, $"{app.App} is not deployed on aws: there is no release to run the command in",
                "deploy it first with slipway up");
        return await _tasks.RunAsync(app, release, await _images.RepositoryAsync(app, ct), command, onLine, ct);
    }

    /// <summary>ECS Exec on this terminal (the Session Manager plugin's); its output does not pass through <paramref name="onLine"/>.</summary>
    public async Task<int> ExecAsync(AppManifest app, string? replica, IReadOnlyList<string> command, Action<string> onLine, CancellationToken ct)
    {
        exec.EnsureUsable(app);
        return await exec.RunAsync(app, StackTemplate.ProcessesOf(await DeployedReleaseAsync(app, ct)), replica, command, ct);
    }

    /// <summary>A fixed-response rule in front of the service (<see cref="StackTemplate.WithMaintenance"/>): one stack update, nothing else changed.</summary>
    public async Task SetMaintenanceAsync(AppManifest app, MaintenancePage? page, IStageLog log, CancellationToken ct)
    {
        if (page is { Body.Length: > StackTemplate.LargestMaintenancePage })
            throw new SlipwayException(ErrorCode.InvalidSetting,
                $"maintenance on: the page is {page.Body.Length} characters, and a load balancer's fixed response carries {StackTemplate.LargestMaintenancePage} at most",
                "shorten it (a --message, or a smaller --page)");
        var stackName = StackTemplate.StackName(app);
        var deployed = (await DeployedTemplateAsync(app, ct) is { } template && StackTemplate.ReleaseIn(template) is not null ? template : null)
            ?? throw new SlipwayException(ErrorCode.VersionNotAvailable, $"{app.App} is not served on aws: there is nothing to put in or out of maintenance",
                "deploy it first with slipway up");
        var wanted = StackTemplate.WithMaintenance(deployed, page);
        if (JsonNode.DeepEquals(JsonNode.Parse(deployed), JsonNode.Parse(wanted))) return; // already so
        var prepared = await _stacks.PrepareAsync(stackName, create: false, wanted, ct);
        if (prepared is null) return;
        log.Info($"updating stack {stackName}: maintenance {(page is null ? "off" : "on")}");
        await _stacks.ExecuteAsync(stackName, prepared.Value.Name, log, ct);
    }

    /// <summary>The template the stack was last updated with (read once per command: <see cref="StackOperations.DeployedTemplateAsync"/>).</summary>
    private Task<string?> DeployedTemplateAsync(AppManifest app, CancellationToken ct) => _stacks.DeployedTemplateAsync(StackTemplate.StackName(app), ct);

    private async Task<JsonObject?> DeployedReleaseAsync(AppManifest app, CancellationToken ct) =>
        await DeployedTemplateAsync(app, ct) is { } deployed ? StackTemplate.ReleaseIn(deployed) : null;

    /// <summary>The stack once no operation runs on it: waits for one in progress, clears a never-executed create, finishes a failed rollback.</summary>
    private async Task<Stack?> SettledStackAsync(string stackName, IStageLog log, CancellationToken ct)
    {
        var stack = await cloudFormation.DescribeStackAsync(stackName, ct);
        if (stack is { IsInProgress: true } && stack.Status != "REVIEW_IN_PROGRESS")
        {
            log.Info($"stack {stackName} is {stack.Status}: waiting for it to settle");
            stack = (await _stacks.WaitAsync(stackName, await cloudFormation.NewestEventIdAsync(stackName, ct), log, ct)).Final;
        }
        if (stack is { Status: "REVIEW_IN_PROGRESS" })
        {
            // Left by a CREATE change set that was never executed (a killed run or a plan): start again.
            await _stacks.DeleteAsync(stackName, log, ct);
            stack = null;
        }
        if (stack is { Status: "UPDATE_ROLLBACK_FAILED" })
        {
            // A stack in this state accepts no update until its rollback is finished.
            log.Warn($"stack {stackName} is UPDATE_ROLLBACK_FAILED: continuing its rollback");
            await cloudFormation.ContinueUpdateRollbackAsync(stackName, $"slipway-{Guid.NewGuid():N}", ct);
            stack = (await _stacks.WaitAsync(stackName, await cloudFormation.NewestEventIdAsync(stackName, ct), log, ct)).Final;
            if (stack is { Status: "UPDATE_ROLLBACK_FAILED" })
                throw new SlipwayException(ErrorCode.StackFailed, $"stack {stackName}: its rollback failed again",
                    "see the stack's events in the CloudFormation console; resources that cannot be rolled back can be skipped there (ContinueUpdateRollback with ResourcesToSkip)");
        }
        return stack;
    }
}
