using Slipway.Cloud.Aws;
using Slipway.Configuration;

namespace Slipway.Platforms.Aws;

/// <summary>Watches an app's services while a stack update rolls them, through ECS; the judging is <see cref="CrashingTasks"/>'.</summary>
public sealed class RolloutWatch(EcsClient ecs, AppManifest app)
{
    /// <summary>Why the update should be cancelled (the first service whose new tasks keep crashing); null while none.</summary>
    public async Task<string?> CrashingServiceAsync(CancellationToken ct)
    {
        var cluster = StackTemplate.ClusterName(app);
        var names = app.Processes.Select(p => StackTemplate.ProcessServiceName(app, p.Name)).Prepend(StackTemplate.ServiceName(app)).ToList();
        foreach (var batch in names.Chunk(10))
            foreach (var service in await ecs.DescribeServicesAsync(cluster, batch, ct))
            {
                if (service.Deployments?.Any(d => d.Status == "PRIMARY" && d.RolloutState == "IN_PROGRESS") != true) continue;
                if (CrashingTasks.Judge(service, await ecs.StoppedTasksAsync(cluster, service.ServiceName ?? "", ct)) is { } reason) return reason;
            }
        return null;
    }
}
