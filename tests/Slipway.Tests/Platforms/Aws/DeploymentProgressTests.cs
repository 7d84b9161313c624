using Slipway.Cloud.Aws;
using Slipway.Platforms.Aws;

namespace Slipway.Tests.Platforms.Aws;

/// <summary>The waiting logic against DescribeServices answers shaped as ECS sends them during real rollouts.</summary>
[Trait("Tier", "unit")]
public sealed class DeploymentProgressTests
{
    private const string Old = "arn:aws:ecs:eu-west-1:1:task-definition/slipway-shop:7";
    private const string New = "arn:aws:ecs:eu-west-1:1:task-definition/slipway-shop:8";

    private static EcsService Service(string serviceTaskDefinition, params EcsDeployment[] deployments) =>
        new("shop", "ACTIVE", 2, 2, serviceTaskDefinition, deployments, []);

    private static EcsDeployment Deployment(string status, string td, int running, string rollout, int failed = 0, string? reason = null) =>
        new($"ecs-svc/{td[^1]}", status, td, 2, running, failed, rollout, reason);

    [Fact]
    public void A_rollout_goes_from_in_progress_to_completed_once_the_old_tasks_are_gone()
    {
        DeploymentVerdict[] sequence =
        [
            DeploymentProgress.Evaluate(Service(New, Deployment("PRIMARY", New, 0, "IN_PROGRESS"), Deployment("ACTIVE", Old, 2, "COMPLETED")), New, 2, AwsEndpointProfile.RealAws),
            DeploymentProgress.Evaluate(Service(New, Deployment("PRIMARY", New, 2, "IN_PROGRESS"), Deployment("ACTIVE", Old, 2, "COMPLETED")), New, 2, AwsEndpointProfile.RealAws),
            DeploymentProgress.Evaluate(Service(New, Deployment("PRIMARY", New, 2, "COMPLETED"), Deployment("ACTIVE", Old, 1, "COMPLETED")), New, 2, AwsEndpointProfile.RealAws),
            DeploymentProgress.Evaluate(Service(New, Deployment("PRIMARY", New, 2, "COMPLETED")), New, 2, AwsEndpointProfile.RealAws),
        ];

        Assert.Equal([DeploymentState.InProgress, DeploymentState.InProgress, DeploymentState.InProgress, DeploymentState.Completed],
            sequence.Select(v => v.State));
        Assert.Equal("0/2 running", sequence[0].Summary);
    }

    [Fact]
    public void The_circuit_breaker_rolling_back_is_reported_as_a_rollback_with_its_reason()
    {
        var verdict = DeploymentProgress.Evaluate(Service(Old,
            Deployment("PRIMARY", Old, 1, "IN_PROGRESS"),
            Deployment("ACTIVE", New, 0, "FAILED", failed: 4, reason: "ECS deployment circuit breaker: tasks failed to start.")), New, 2, AwsEndpointProfile.RealAws);

        Assert.Equal(DeploymentState.RolledBack, verdict.State);
        Assert.Contains("tasks failed to start", verdict.Summary);
        Assert.Contains("slipway-shop:7", verdict.Summary);
    }

    [Fact]
    public void A_failed_deployment_without_rollback_is_a_failure()
    {
        var verdict = DeploymentProgress.Evaluate(Service(New, Deployment("PRIMARY", New, 0, "FAILED", failed: 3, reason: "no capacity")), New, 2, AwsEndpointProfile.RealAws);

        Assert.Equal(DeploymentState.Failed, verdict.State);
        Assert.Equal("no capacity", verdict.Summary);
    }

    [Fact]
    public void Once_the_deployment_is_gone_and_another_is_primary_it_was_rolled_back()
    {
        var verdict = DeploymentProgress.Evaluate(Service(Old, Deployment("PRIMARY", Old, 2, "COMPLETED")), New, 2, AwsEndpointProfile.RealAws);
        Assert.Equal(DeploymentState.RolledBack, verdict.State);
    }

    [Fact]
    public void An_emulator_that_keeps_one_deployment_is_read_through_the_service_and_real_ecs_is_not()
    {
        var oneDeployment = Service(New, Deployment("PRIMARY", Old, 2, "COMPLETED"));
        Assert.Equal(DeploymentState.Completed, DeploymentProgress.Evaluate(oneDeployment, New, 2, new AwsEndpointProfile("moto", null)).State);
        // On ECS the new task definition's deployment has not appeared yet: still waiting.
        Assert.Equal(DeploymentState.InProgress, DeploymentProgress.Evaluate(oneDeployment, New, 2, AwsEndpointProfile.RealAws).State);
    }
}
