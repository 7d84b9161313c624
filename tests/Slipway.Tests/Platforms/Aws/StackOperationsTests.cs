using Slipway.Cloud.Aws;
using Slipway.Foundation;
using Slipway.Configuration;
using Slipway.Foundation.Output;
using Slipway.Platforms.Aws;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Aws;

/// <summary>
/// Stack operations against scripted answers in the shapes of botocore's CloudFormation model, for the
/// outcomes moto never produces: a failed rollback, a failed delete, a release the circuit breaker stops.
/// </summary>
[Trait("Tier", "edge")]
public sealed class StackOperationsTests
{
    private static string Stack(string status) =>
        $"<R><DescribeStacksResult><Stacks><member><StackName>slipway-shop</StackName><StackId>arn:stack</StackId><StackStatus>{status}</StackStatus>"
        + "</member></Stacks></DescribeStacksResult></R>";

    private static string Events(params (string Id, string Resource, string Type, string Status, string Reason)[] events) =>
        "<R><DescribeStackEventsResult><StackEvents>" + string.Concat(events.Select((e, i) =>
            $"<member><EventId>{e.Id}</EventId><Timestamp>2026-12-02T10:00:{59 - i:00}Z</Timestamp><LogicalResourceId>{e.Resource}</LogicalResourceId>"
            + $"<ResourceType>{e.Type}</ResourceType><ResourceStatus>{e.Status}</ResourceStatus><ResourceStatusReason>{e.Reason}</ResourceStatusReason></member>"))
        + "</StackEvents></DescribeStackEventsResult></R>";

    private static readonly (string, string, string, string, string) Before = ("e0", "slipway-shop", "AWS::CloudFormation::Stack", "UPDATE_COMPLETE", "");
    private static readonly (string, string, string, string, string) ServiceFailed =
        ("e2", "Service", "AWS::ECS::Service", "UPDATE_FAILED", "ECS Deployment Circuit Breaker was triggered");

    /// <summary>Notes that a call came, and answers it as AWS does: with an empty result.</summary>
    private static string Answered(Action note)
    {
        note();
        return "<R/>";
    }

    private static AwsSettings Settings(FakeAwsEndpoint endpoint) => new(new Amazon.Runtime.BasicAWSCredentials("a", "b"),
        Amazon.RegionEndpoint.EUWest1, name => name == "AWS_ENDPOINT_URL" ? endpoint.Url : null);

    [Fact]
    public async Task A_rollback_that_failed_is_continued_then_the_original_failure_is_reported()
    {
        var (executed, continued) = (false, false);
        await using var endpoint = await FakeAwsEndpoint.StartAsync(request => request.Action switch
        {
            "ExecuteChangeSet" => Answered(() => executed = true),
            "ContinueUpdateRollback" => Answered(() => continued = true),
            "DescribeStacks" => Stack(continued ? "UPDATE_ROLLBACK_COMPLETE" : executed ? "UPDATE_ROLLBACK_FAILED" : "UPDATE_COMPLETE"),
            "DescribeStackEvents" => !executed ? Events(Before)
                : continued ? Events(("e4", "slipway-shop", "AWS::CloudFormation::Stack", "UPDATE_ROLLBACK_COMPLETE", ""),
                    ("e3", "slipway-shop", "AWS::CloudFormation::Stack", "UPDATE_ROLLBACK_FAILED", "TaskDefinition could not be put back"), ServiceFailed, Before)
                : Events(("e3", "slipway-shop", "AWS::CloudFormation::Stack", "UPDATE_ROLLBACK_FAILED", "TaskDefinition could not be put back"), ServiceFailed, Before),
            var action => $"<R><{action}Result/></R>",
        });
        var log = new RecordingLog();
        var stacks = new StackOperations(CloudFormationClient.Create(Settings(endpoint), TimeProvider.System), new InstantTime(), AwsEndpointProfile.RealAws);

        var error = await Assert.ThrowsAsync<SlipwayException>(() => stacks.ExecuteAsync("slipway-shop", "cs-1", log, TestContext.Current.CancellationToken));

        Assert.Single(endpoint.Requests, r => r.Action == "ContinueUpdateRollback");
        Assert.Contains("warning: stack slipway-shop: the rollback failed; continuing it", log.Lines);
        Assert.Equal(ErrorCode.StackFailed, error.Code);
        Assert.Equal("stack slipway-shop ended UPDATE_ROLLBACK_COMPLETE: Service (AWS::ECS::Service): ECS Deployment Circuit Breaker was triggered", error.Message);
        Assert.Single(log.Lines, l => l.StartsWith("Service (AWS::ECS::Service): UPDATE_FAILED", StringComparison.Ordinal)); // each event shown once
        Assert.DoesNotContain(log.Lines, l => l.Contains("e0") || l.StartsWith("slipway-shop (AWS::CloudFormation::Stack): UPDATE_COMPLETE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failed_delete_names_what_blocked_it_and_can_be_run_again()
    {
        var deleted = false;
        await using var endpoint = await FakeAwsEndpoint.StartAsync(request => request.Action switch
        {
            "DeleteStack" => Answered(() => deleted = true),
            "DescribeStacks" => Stack(deleted ? "DELETE_FAILED" : "UPDATE_COMPLETE"),
            "DescribeStackEvents" => deleted
                ? Events(("e2", "Vpc", "AWS::EC2::VPC", "DELETE_FAILED", "The vpc has dependencies and cannot be deleted"),
                    ("e1", "slipway-shop", "AWS::CloudFormation::Stack", "DELETE_IN_PROGRESS", "User Initiated"), Before)
                : Events(Before),
            var action => $"<R><{action}Result/></R>",
        });
        var stacks = new StackOperations(CloudFormationClient.Create(Settings(endpoint), TimeProvider.System), new InstantTime(), AwsEndpointProfile.RealAws);

        var error = await Assert.ThrowsAsync<SlipwayException>(() => stacks.DeleteAsync("slipway-shop", new RecordingLog(), TestContext.Current.CancellationToken));

        Assert.Equal("stack slipway-shop ended DELETE_FAILED: Vpc (AWS::EC2::VPC): The vpc has dependencies and cannot be deleted", error.Message);
        Assert.Contains("run destroy again", error.Hint);
        Assert.StartsWith("slipway-", Assert.Single(endpoint.Requests, r => r.Action == "DeleteStack").Form["ClientRequestToken"]);
    }

    [Fact]
    public async Task A_release_the_circuit_breaker_stops_is_rejected_and_the_previous_one_still_serves()
    {
        var app = Support.Manifests.Parse("app: shop\nsource:\n  git: x\n", "/nonexistent/slipway.yaml", environment: "aws");
        var deployed = StackTemplate.Render(app, StackTemplate.Release(app, "v1", "fp1"));
        var executed = false;
        await using var endpoint = await FakeAwsEndpoint.StartAsync(request => request.Action switch
        {
            "GetTemplate" => $"<R><GetTemplateResult><TemplateBody>{System.Security.SecurityElement.Escape(deployed)}</TemplateBody></GetTemplateResult></R>",
            "DescribeChangeSet" => "<R><DescribeChangeSetResult><Status>CREATE_COMPLETE</Status><ExecutionStatus>AVAILABLE</ExecutionStatus><Changes><member><ResourceChange>"
                + "<Action>Modify</Action><LogicalResourceId>TaskDefinition</LogicalResourceId><ResourceType>AWS::ECS::TaskDefinition</ResourceType></ResourceChange></member></Changes></DescribeChangeSetResult></R>",
            "ExecuteChangeSet" => Answered(() => executed = true),
            "DescribeStacks" => Stack(executed ? "UPDATE_ROLLBACK_COMPLETE" : "UPDATE_COMPLETE"),
            "DescribeStackEvents" => executed ? Events(ServiceFailed, Before) : Events(Before),
            "ListTasks" => """{"taskArns":["arn:task/abc"]}""",
            "DescribeTasks" => """{"tasks":[{"taskArn":"arn:task/abc","stoppedReason":"Essential container in task exited","containers":[{"name":"shop","exitCode":3}]}]}""",
            var action => request.Target is null ? $"<R><{action}Result/></R>" : "{}",
        });
        var settings = Settings(endpoint);
        var time = new InstantTime();
        var cloudFormation = CloudFormationClient.Create(settings, time);
        var rollout = new ReleaseRollout(EcsClient.Create(settings, time), SsmClient.Create(settings, time),
            new StackOperations(cloudFormation, time, AwsEndpointProfile.RealAws), AwsEndpointProfile.RealAws, AppSecrets.None(app), time);
        var cutover = false;

        var error = await Assert.ThrowsAsync<SlipwayException>(() => rollout.RollOutAsync(app, "v2", new RecordingLog(), _ => { cutover = true; return Task.CompletedTask; },
            TestContext.Current.CancellationToken));

        Assert.Equal(ErrorCode.ReleaseUnhealthy, error.Code);
        Assert.StartsWith("release v2 rejected, CloudFormation rolled the stack back: v1 still serves", error.Message);
        Assert.Contains("ECS Deployment Circuit Breaker was triggered", error.Message);
        Assert.Contains("abc: Essential container in task exited (shop: exit code 3)", error.Message);
        Assert.True(cutover); // the preCutover hook ran before the stack moved traffic
        Assert.DoesNotContain(endpoint.Requests, r => r.Action is "UpdateService" or "RegisterTaskDefinition");
    }

    [Fact]
    public async Task A_worker_that_crashes_after_it_started_cancels_the_update_and_the_previous_release_still_serves()
    {
        var app = Support.Manifests.Parse("app: shop\nsource:\n  git: x\nprocesses:\n  worker:\n    command: python worker.py\n",
            "/nonexistent/slipway.yaml", environment: "aws");
        var deployed = StackTemplate.Render(app, StackTemplate.Release(app, "v1", "fp1"));
        var (executed, cancelled, polls) = (false, false, 0);
        const string newDefinition = "arn:aws:ecs:eu-west-1:1:task-definition/slipway-shop-worker:8";
        // ECS restarts the crashing worker over and over, so the stack stays UPDATE_IN_PROGRESS until it is cancelled; should Slipway
        // wait on, the script lets the update complete after 20 polls (hours on AWS), and the deploy wrongly succeeds.
        await using var endpoint = await FakeAwsEndpoint.StartAsync(request => request.Action switch
        {
            "GetTemplate" => $"<R><GetTemplateResult><TemplateBody>{System.Security.SecurityElement.Escape(deployed)}</TemplateBody></GetTemplateResult></R>",
            "DescribeChangeSet" => "<R><DescribeChangeSetResult><Status>CREATE_COMPLETE</Status><ExecutionStatus>AVAILABLE</ExecutionStatus><Changes><member><ResourceChange>"
                + "<Action>Modify</Action><LogicalResourceId>ProcessWorkerTaskDefinition</LogicalResourceId><ResourceType>AWS::ECS::TaskDefinition</ResourceType></ResourceChange></member></Changes></DescribeChangeSetResult></R>",
            "ExecuteChangeSet" => Answered(() => executed = true),
            "CancelUpdateStack" => Answered(() => cancelled = true),
            "DescribeStacks" => Stack(cancelled ? "UPDATE_ROLLBACK_COMPLETE" : executed && ++polls < 20 ? "UPDATE_IN_PROGRESS" : "UPDATE_COMPLETE"),
            "DescribeStackEvents" => Events(Before),
            "DescribeServices" => $$"""{"services":[{"serviceName":"shop","status":"ACTIVE","desiredCount":1,"runningCount":1,"deployments":[{"status":"PRIMARY","taskDefinition":"arn:td/shop:7","rolloutState":"COMPLETED"}]},"""
                + $$"""{"serviceName":"shop-worker","status":"ACTIVE","desiredCount":1,"runningCount":0,"deployments":[{"status":"PRIMARY","taskDefinition":"{{newDefinition}}","desiredCount":1,"rolloutState":"IN_PROGRESS","createdAt":1764950400.5}]}]}""",
            "ListTasks" => """{"taskArns":["arn:task/a","arn:task/b","arn:task/c"]}""",
            "DescribeTasks" => "{\"tasks\":[" + string.Join(",", "abc".Select(t => $$"""{"taskArn":"arn:task/{{t}}","taskDefinitionArn":"{{newDefinition}}","lastStatus":"STOPPED","stopCode":"EssentialContainerExited","startedAt":1764950401.5,"stoppedReason":"Essential container in task exited","containers":[{"name":"worker","exitCode":1}]}""")) + "]}",
            var action => request.Target is null ? $"<R><{action}Result/></R>" : "{}",
        });
        var settings = Settings(endpoint);
        var time = new InstantTime();
        var rollout = new ReleaseRollout(EcsClient.Create(settings, time), SsmClient.Create(settings, time),
            new StackOperations(CloudFormationClient.Create(settings, time), time, AwsEndpointProfile.RealAws), AwsEndpointProfile.RealAws, AppSecrets.None(app), time);
        var log = new RecordingLog();

        var error = await Assert.ThrowsAsync<SlipwayException>(() => rollout.RollOutAsync(app, "v2", log, _ => Task.CompletedTask,
            TestContext.Current.CancellationToken));

        Assert.Single(endpoint.Requests, r => r.Action == "CancelUpdateStack");
        Assert.Equal(ErrorCode.ReleaseUnhealthy, error.Code);
        Assert.StartsWith("release v2 rejected, CloudFormation rolled the stack back: v1 still serves", error.Message);
        Assert.Contains("Slipway cancelled the update: 3 of service shop-worker's new tasks exited after they started (worker: exit code 1)", error.Message);
        Assert.Contains(log.Lines, l => l.StartsWith("warning: stack slipway-shop: 3 of service shop-worker's", StringComparison.Ordinal));
    }
}
