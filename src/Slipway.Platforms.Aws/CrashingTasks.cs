using Slipway.Cloud.Aws;

namespace Slipway.Platforms.Aws;

/// <summary>
/// Says when a service's rollout cannot succeed because the new release's tasks start and then exit. ECS's circuit
/// breaker counts a task that never reaches RUNNING, or one that fails a health check; a worker without a check that
/// runs and then crashes is counted by neither, and CloudFormation would wait for it for hours. Pure: it reads one
/// DescribeServices answer and the service's stopped tasks.
/// </summary>
public static class CrashingTasks
{
    /// <summary>The circuit breaker's own threshold: half the desired count, at least 3, at most 200.</summary>
    public static int Threshold(int desired) => Math.Clamp((int)Math.Ceiling(desired * 0.5), 3, 200);

    /// <summary>Why the service's rollout should be given up; null while it may still succeed.</summary>
    public static string? Judge(EcsService service, IReadOnlyList<EcsTask> stopped)
    {
        // Only a deployment being rolled out: a service this update does not touch has a COMPLETED primary.
        var rolling = service.Deployments?.FirstOrDefault(d => d.Status == "PRIMARY" && d.RolloutState == "IN_PROGRESS");
        if (rolling?.TaskDefinition is null) return null;
        // Exited of itself after it ran; a task stopped by the scheduler (scale-in, a failed health check) is not a crash.
        var crashed = stopped.Where(t => t.TaskDefinitionArn == rolling.TaskDefinition && t.StartedAt is not null
                                         && t.StopCode == "EssentialContainerExited").ToList();
        if (crashed.Count < Threshold(rolling.DesiredCount)) return null;
        var exits = crashed.SelectMany(t => t.Containers ?? []).Where(c => c.ExitCode is not null)
            .Select(c => $"{c.Name}: exit code {c.ExitCode}").Distinct().Take(3);
        return $"{crashed.Count} of service {service.ServiceName}'s new tasks exited after they started ({string.Join(", ", exits)})";
    }
}
