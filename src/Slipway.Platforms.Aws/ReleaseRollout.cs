using Slipway.Cloud.Aws;
using Slipway.Foundation;
using Slipway.Foundation.Timing;
using Slipway.Configuration;
using Slipway.Foundation.Output;

namespace Slipway.Platforms.Aws;

/// <summary>
/// Puts a release in service through the stack, CloudFormation being the service's one owner: the release's
/// task definition is rendered into the template and applied as a change set; ECS rolls it out under its
/// circuit breaker and CloudFormation waits for it. A release the circuit breaker stops fails the update, and
/// CloudFormation rolls the stack back to the previous template: the serving release stays.
/// </summary>
public sealed class ReleaseRollout(EcsClient ecs, SsmClient ssm, StackOperations stacks,
    AwsEndpointProfile profile, AppSecrets secrets, TimeProvider time)
{
    private static readonly TimeSpan RestartLimit = TimeSpan.FromMinutes(30);

    public async Task<RolloutReport> RollOutAsync(AppManifest app, string version, IStageLog log,
        Func<CancellationToken, Task> beforeCutover, CancellationToken ct)
    {
        var stackName = StackTemplate.StackName(app);
        var template = await stacks.DeployedTemplateAsync(stackName, ct)
            ?? throw new SlipwayException(ErrorCode.AppNotDeployed, $"stack {stackName} does not exist", "run slipway up -e aws");
        var previous = StackTemplate.ReleaseOf(StackTemplate.ReleaseIn(template))?.Version;

        await PutSecretsAsync(ssm, app, secrets, ct);
        var fingerprint = ReleaseFingerprint.Of(app, version, secrets, AwsPlatform.Traits(app));
        var release = StackTemplate.Release(app, version, fingerprint, profile.Registry);

        var prepared = await stacks.PrepareAsync(stackName, create: false, StackTemplate.Render(app, release, maintenance: StackTemplate.MaintenanceIn(template)), ct);
        if (prepared is null)
        {
            // This very release is the template's already (its tasks stopped, or --force): start its tasks anew.
            await beforeCutover(ct);
            return await RestartAsync(app, version, previous, log, ct);
        }
        log.Info($"updating stack {stackName}: {version} on {Replicas(app)}, {prepared.Value.Plan.Changes.Count} resource change(s)");
        await beforeCutover(ct); // ECS moves traffic itself once the stack updates the service
        try
        {
            await stacks.ExecuteAsync(stackName, prepared.Value.Name, log, ct, new RolloutWatch(ecs, app).CrashingServiceAsync);
        }
        catch (SlipwayException failure) when (failure.Code == ErrorCode.StackFailed)
        {
            throw await RejectionAsync(app, version, previous, failure, ct);
        }
        var service = await ecs.DescribeServiceAsync(StackTemplate.ClusterName(app), StackTemplate.ServiceName(app), ct);
        return new RolloutReport(version, previous, service?.DesiredCount ?? app.Replicas, DrainTimedOut: false);
    }

    /// <summary>A new deployment of the service's own task definition, which changes neither the definition nor the count.</summary>
    private async Task<RolloutReport> RestartAsync(AppManifest app, string version, string? previous, IStageLog log, CancellationToken ct)
    {
        var (cluster, serviceName) = (StackTemplate.ClusterName(app), StackTemplate.ServiceName(app));
        var service = await ecs.ForceNewDeploymentAsync(cluster, serviceName, ct);
        log.Info($"starting {version}'s tasks anew");
        var lastSummary = "";
        var (verdict, desired) = await Poll.UntilAsync(async token =>
        {
            var now = await ecs.DescribeServiceAsync(cluster, serviceName, token);
            var verdict = now is null ? new DeploymentVerdict(DeploymentState.Failed, "the service disappeared")
                : DeploymentProgress.Evaluate(now, service.TaskDefinition ?? "", now.DesiredCount, profile);
            if (verdict.Summary != lastSummary) log.Info(verdict.Summary);
            lastSummary = verdict.Summary;
            return new Attempt<(DeploymentVerdict, int)>(verdict.State != DeploymentState.InProgress, (verdict, now?.DesiredCount ?? 0));
        }, StackOperations.PollInterval, RestartLimit, time,
            last => new SlipwayException(ErrorCode.DeploymentFailed,
                $"the restart of {version} did not finish within {RestartLimit.TotalMinutes} minutes: {last.Item1.Summary}",
                "watch it in the ECS console; run up again to resume"), ct);
        if (verdict.State == DeploymentState.Completed) return new RolloutReport(version, previous, desired, DrainTimedOut: false);
        throw new SlipwayException(ErrorCode.ReleaseUnhealthy, $"release rejected: {verdict.Summary}{await StoppedTasksAsync(app, ct)}", Hint(app));
    }

    /// <summary>
    /// A failed rollout, said as what it is: the service's tasks did not become healthy (the stopped tasks say
    /// why) and CloudFormation put the previous release back; or the update failed elsewhere.
    /// </summary>
    private async Task<SlipwayException> RejectionAsync(AppManifest app, string version, string? previous, SlipwayException failure,
        CancellationToken ct)
    {
        if (failure.InnerException is not StackOperationFailedException { Failed: var failed, Cancelled: var cancelled }
            || (cancelled is null && failed.All(e => e.ResourceType != "AWS::ECS::Service")))
            return failure;
        var restored = previous is null ? "the stack was rolled back" : $"CloudFormation rolled the stack back: {previous} still serves";
        return new SlipwayException(ErrorCode.ReleaseUnhealthy,
            $"release {version} rejected, {restored}{Environment.NewLine}  {failure.Message}{await StoppedTasksAsync(app, ct)}", Hint(app));
    }

    private async Task<string> StoppedTasksAsync(AppManifest app, CancellationToken ct)
    {
        var reasons = await ecs.StoppedTaskReasonsAsync(StackTemplate.ClusterName(app), StackTemplate.ServiceName(app), ct);
        return reasons.Count == 0 ? ""
            : $"{Environment.NewLine}  stopped tasks:{Environment.NewLine}    " + string.Join($"{Environment.NewLine}    ", reasons);
    }

    private static string Hint(AppManifest app) =>
        $"see the logs (slipway logs -e {app.Environment.Name}, CloudWatch group /slipway/{app.App}); check port {app.Port} and {app.HealthCheck.Path}";

    private static string Replicas(AppManifest app) =>
        app.Aws().Autoscaling is { } scaling ? $"{scaling.Min}-{scaling.Max} task(s), autoscaled" : $"{app.Replicas} task(s)";

    /// <summary>Secrets go to SSM Parameter Store as SecureStrings; the task definition names them, ECS reads the values when a task starts.</summary>
    internal static async Task PutSecretsAsync(SsmClient ssm, AppManifest app, AppSecrets secrets, CancellationToken ct)
    {
        foreach (var (name, value) in secrets.Values)
            await ssm.PutSecretAsync(StackTemplate.SecretParameter(app, name), value, ct);
    }
}
