using Slipway.Cloud.Aws;
using Slipway.Platforms.Aws;

namespace Slipway.Tests.Platforms.Aws;

/// <summary>When a rollout is given up for tasks that start and then exit, against answers shaped as ECS sends them.</summary>
[Trait("Tier", "unit")]
public sealed class CrashingTasksTests
{
    private const string Old = "arn:aws:ecs:eu-west-1:1:task-definition/slipway-shop-worker:7";
    private const string New = "arn:aws:ecs:eu-west-1:1:task-definition/slipway-shop-worker:8";
    private static readonly DateTimeOffset Started = DateTimeOffset.FromUnixTimeSeconds(1_764_950_400);

    private static EcsService Worker(string primaryRollout, int desired = 1) => new("shop-worker", "ACTIVE", desired, 0, New,
        [new("ecs-svc/8", "PRIMARY", New, desired, 0, 0, primaryRollout, null), new("ecs-svc/7", "ACTIVE", Old, desired, 1, 0, "COMPLETED", null)], []);

    private static EcsTask Stopped(string taskDefinition = New, string stopCode = "EssentialContainerExited", bool started = true, int exitCode = 1) =>
        new($"arn:task/{Guid.NewGuid():N}", taskDefinition, "STOPPED", "Essential container in task exited",
            [new EcsContainer("worker", null, exitCode)], stopCode, started ? Started : null);

    [Fact]
    public void Three_new_tasks_that_exited_after_they_started_give_the_rollout_up()
    {
        var reason = CrashingTasks.Judge(Worker("IN_PROGRESS"), [Stopped(), Stopped(), Stopped()]);

        Assert.Equal("3 of service shop-worker's new tasks exited after they started (worker: exit code 1)", reason);
    }

    [Fact]
    public void Two_crashes_are_not_yet_enough_a_worker_may_fail_once_on_its_way_up()
    {
        Assert.Null(CrashingTasks.Judge(Worker("IN_PROGRESS"), [Stopped(), Stopped()]));
    }

    [Fact]
    public void Tasks_of_the_old_release_do_not_count()
    {
        Assert.Null(CrashingTasks.Judge(Worker("IN_PROGRESS"), [Stopped(Old), Stopped(Old), Stopped(Old), Stopped()]));
    }

    [Fact]
    public void Tasks_the_scheduler_stopped_do_not_count()
    {
        // Scale-in and failed health checks stop tasks as ServiceSchedulerInitiated; the circuit breaker judges those.
        Assert.Null(CrashingTasks.Judge(Worker("IN_PROGRESS"), [.. Enumerable.Range(0, 3).Select(_ => Stopped(stopCode: "ServiceSchedulerInitiated"))]));
    }

    [Fact]
    public void Tasks_that_never_ran_are_left_to_the_circuit_breaker()
    {
        Assert.Null(CrashingTasks.Judge(Worker("IN_PROGRESS"), [Stopped(started: false), Stopped(started: false), Stopped(started: false)]));
    }

    [Fact]
    public void A_service_whose_rollout_completed_is_never_given_up()
    {
        Assert.Null(CrashingTasks.Judge(Worker("COMPLETED"), [Stopped(), Stopped(), Stopped()]));
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(6, 3)]
    [InlineData(7, 4)]
    [InlineData(1000, 200)]
    public void The_threshold_is_the_circuit_breakers(int desired, int threshold)
    {
        Assert.Equal(threshold, CrashingTasks.Threshold(desired));
    }
}
