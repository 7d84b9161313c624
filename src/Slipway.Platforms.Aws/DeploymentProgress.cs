using Slipway.Cloud.Aws;

namespace Slipway.Platforms.Aws;

public enum DeploymentState { InProgress, Completed, RolledBack, Failed }

public sealed record DeploymentVerdict(DeploymentState State, string Summary);

/// <summary>
/// Reads one DescribeServices answer and says where a rolling deployment of a task definition stands. Pure,
/// so the waiting, rollback and failure logic is tested against recorded answers.
/// </summary>
public static class DeploymentProgress
{
    public static DeploymentVerdict Evaluate(EcsService service, string taskDefinitionArn, int desired, AwsEndpointProfile profile)
    {
        var deployments = service.Deployments ?? [];
        // ECS creates a deployment for the new task definition in UpdateService.
        var ours = deployments.FirstOrDefault(d => d.TaskDefinition == taskDefinitionArn)
                   ?? (profile.KeepsOneDeployment && service.TaskDefinition == taskDefinitionArn ? deployments.FirstOrDefault(d => d.Status == "PRIMARY") : null);
        var primary = deployments.FirstOrDefault(d => d.Status == "PRIMARY");

        if (ours is null)
        {
            return primary is not null && primary.TaskDefinition != taskDefinitionArn && service.TaskDefinition != taskDefinitionArn
                ? new DeploymentVerdict(DeploymentState.RolledBack, $"ECS rolled back to {Short(primary.TaskDefinition)}")
                : new DeploymentVerdict(DeploymentState.InProgress, "waiting for the deployment to appear");
        }
        var counts = $"{ours.RunningCount}/{desired} running" + (ours.FailedTasks > 0 ? $", {ours.FailedTasks} failed" : "");
        return ours.RolloutState switch
        {
            "COMPLETED" when ours.RunningCount >= desired && ours.Status == "PRIMARY" && deployments.Count(d => d.Status != "INACTIVE") == 1
                => new DeploymentVerdict(DeploymentState.Completed, $"{counts}, old tasks drained"),
            "FAILED" when primary is not null && primary != ours
                => new DeploymentVerdict(DeploymentState.RolledBack,
                    $"the circuit breaker stopped the deployment ({ours.RolloutStateReason ?? counts}); ECS rolled back to {Short(primary.TaskDefinition)}"),
            "FAILED" => new DeploymentVerdict(DeploymentState.Failed, ours.RolloutStateReason ?? counts),
            _ => new DeploymentVerdict(DeploymentState.InProgress, counts),
        };
    }

    private static string Short(string? arn) => arn?.Split('/').Last() ?? "?";
}
