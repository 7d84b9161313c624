using System.Text.Json.Nodes;
using Slipway.Engine;
using Slipway.Foundation;
using Slipway.Foundation.Timing;

namespace Slipway.Platforms.Swarm;

/// <summary>
/// Removing a service so that nothing of it is left: scaled to 0 and waited for until each of its tasks has ended on its node,
/// then removed. Removed at once, its tasks would still be stopping, holding its networks and images for a while. Tasks on a
/// node that is down are not waited for.
/// </summary>
public sealed class SwarmServices(DockerEngine engine, TimeProvider time)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    private static bool HasEnded(SwarmTask task) => task.State is "complete" or "shutdown" or "failed" or "rejected" or "orphaned" or "remove";

    public async Task ScaleAsync(SwarmService service, int replicas, CancellationToken ct)
    {
        var spec = (JsonObject)service.Spec.DeepClone();
        spec["Mode"] = new JsonObject { ["Replicated"] = new JsonObject { ["Replicas"] = replicas } };
        await engine.UpdateServiceAsync(service.Id, service.Version, spec, ct);
    }

    /// <summary>A global service has no count to scale to 0 (nor may it become a replicated one): a constraint no node meets stops its tasks.</summary>
    private async Task PlaceNowhereAsync(SwarmService service, CancellationToken ct)
    {
        var spec = (JsonObject)service.Spec.DeepClone();
        spec["TaskTemplate"]!["Placement"] = new JsonObject { ["Constraints"] = new JsonArray("node.labels.slipway.nowhere==true") };
        await engine.UpdateServiceAsync(service.Id, service.Version, spec, ct);
    }

    /// <summary>Stops every task of the service and removes it; a missing service is fine.</summary>
    public async Task StopAndRemoveAsync(string nameOrId, CancellationToken ct)
    {
        if (await engine.InspectServiceAsync(nameOrId, ct) is not { } service) return;
        if (service.Replicas is not null) await ScaleAsync(service, 0, ct);
        else await PlaceNowhereAsync(service, ct);
        await Poll.UntilAsync(async token =>
        {
            var tasks = await engine.ListTasksAsync(service.Id, token);
            if (tasks.All(HasEnded)) return new Attempt<bool>(true, true);
            // A task on a node that is down cannot stop until the node is back, and then the swarm stops it itself.
            var ready = (await engine.ListNodesAsync(token)).Where(n => n.State == "ready").Select(n => n.Id).ToHashSet();
            return new Attempt<bool>(tasks.All(t => HasEnded(t) || !ready.Contains(t.NodeId)), true);
        }, TimeSpan.FromMilliseconds(300), Patience, time, _ => new SlipwayException(ErrorCode.DeploymentFailed,
            $"the tasks of service {service.Name} did not stop within {Duration.Format(Patience)}", $"see docker service ps {service.Name}; run the command again"), ct);
        await engine.RemoveServiceAsync(service.Id, ct);
    }
}
