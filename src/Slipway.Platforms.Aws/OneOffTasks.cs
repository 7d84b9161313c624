using System.Text.Json.Nodes;
using Slipway.Cloud.Aws;
using Slipway.Foundation;
using Slipway.Foundation.Timing;
using Slipway.Configuration;

namespace Slipway.Platforms.Aws;

/// <summary>
/// A command run once as an ECS task of a release (the release phase, <c>slipway run</c>): its task definition
/// registered for the run (<see cref="OneOffTaskDefinition"/>), the task started in the service's subnets and
/// security group, its CloudWatch log stream shown as it comes, its container's exit code returned. The task is
/// stopped when the run is cancelled or runs out of time, and its task definition deregistered whatever happens.
/// </summary>
public sealed class OneOffTasks(CloudFormationClient cloudFormation, EcsClient ecs, LogsClient logs, TimeProvider time, AwsEndpointProfile profile)
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    /// <param name="release">The release's task definition resource, as <see cref="StackTemplate.Release"/> renders it.</param>
    /// <param name="repositoryUri">Where the release's image is pulled from.</param>
    public async Task<int> RunAsync(AppManifest app, JsonObject release, string repositoryUri, IReadOnlyList<string> command, Action<string> onLine,
        CancellationToken ct)
    {
        var stackName = StackTemplate.StackName(app);
        var stack = await cloudFormation.DescribeStackAsync(stackName, ct)
            ?? throw new SlipwayException(ErrorCode.AppNotDeployed, $"stack {stackName} does not exist", "run slipway up -e aws");
        var parameters = new Dictionary<string, string>();
        if (release["Properties"]?["Volumes"] is not null
            && (await cloudFormation.DescribeStackAsync(StackTemplate.DataStackName(app), ct))?.Output(StackTemplate.FileSystemParameter) is { } fileSystem)
            parameters[StackTemplate.FileSystemParameter] = fileSystem;
        var references = new StackReferences(await cloudFormation.DescribeStackResourcesAsync(stackName, ct), stack.Id, repositoryUri, parameters);
        var definition = await ecs.RegisterTaskDefinitionAsync(OneOffTaskDefinition.From(app, release, references, profile), ct);
        try
        {
            var cluster = StackTemplate.ClusterName(app);
            var task = await ecs.RunTaskAsync(cluster, definition, OneOffTaskDefinition.Network(app, references),
                OneOffTaskDefinition.CommandOverride(app, command), ct);
            try
            {
                return await FollowAsync(app, cluster, task, onLine, ct);
            }
            catch (Exception e) when (e is not SlipwayException)
            {
                // Interrupted, out of time, or no longer followed: the task must not go on unwatched.
                try { await ecs.StopTaskAsync(cluster, task, "stopped by slipway: the run was interrupted, ran out of time or lost track of it", CancellationToken.None); }
                catch (AwsServiceException) { /* the original failure is the one to report */ }
                throw;
            }
        }
        finally
        {
            try { await ecs.DeregisterTaskDefinitionAsync(definition, CancellationToken.None); }
            catch (AwsServiceException) { /* an INACTIVE revision left behind costs nothing; the command's outcome is what matters */ }
        }
    }

    /// <summary>Shows the task's log lines until it stops, then the last ones; returns its container's exit code.</summary>
    private async Task<int> FollowAsync(AppManifest app, string cluster, string task, Action<string> onLine, CancellationToken ct)
    {
        var stream = $"{app.App}/{StackTemplate.ContainerName(app)}/{task.Split('/')[^1]}";
        long? after = null;
        async Task ShowNewLinesAsync(CancellationToken token)
        {
            foreach (var e in (await logs.FilterAsync(StackTemplate.LogGroupName(app), after, stream, token)).OrderBy(e => e.Timestamp))
            {
                onLine(e.Message?.TrimEnd() ?? "");
                after = e.Timestamp + 1;
            }
        }
        var stopped = await Poll.UntilAsync(async token =>
        {
            await ShowNewLinesAsync(token);
            var now = await ecs.DescribeTaskAsync(cluster, task, token);
            return new Attempt<EcsTask?>(now is null or { LastStatus: "STOPPED" }, now);
        }, PollInterval, TimeSpan.MaxValue, time, _ => new TimeoutException(), ct); // bounded by the caller's token
        await ShowNewLinesAsync(ct); // what reached CloudWatch after the last look
        var container = stopped?.Containers?.FirstOrDefault(c => c.Name == StackTemplate.ContainerName(app));
        return container?.ExitCode ?? throw new SlipwayException(ErrorCode.ReleaseUnhealthy,
            $"the task {task.Split('/')[^1]} stopped without running the command to its end: {stopped?.StoppedReason ?? "ECS no longer knows it"}" +
            (container?.Reason is { } reason ? $" ({reason})" : ""),
            "see its stopped reason in the ECS console; the image, the secrets or the network may be what it lacked");
    }
}
