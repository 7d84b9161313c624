using System.Text.Json.Nodes;
using Slipway.Cloud.Aws;
using Slipway.Configuration;
using Slipway.Platforms.Aws;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Aws;

/// <summary>
/// One-off ECS tasks (the release phase, <c>slipway run</c>) against scripted answers: moto places a Fargate task
/// but never runs or stops it, so the task's life (running, then stopped with an exit code) is played here.
/// </summary>
[Trait("Tier", "edge")]
public sealed class OneOffTasksTests
{
    private const string StackArn = "arn:aws:cloudformation:eu-west-1:123456789012:stack/slipway-shop/6c1f";
    private const string TaskArn = "arn:aws:ecs:eu-west-1:123456789012:task/slipway-shop/0f1e2d";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static AppManifest App => Support.Manifests.Parse("app: shop\nsource:\n  git: x\nsecrets:\n  API_TOKEN:\n    fromEnv: T\naws:\n  region: eu-west-1\n",
        "/deploy/slipway.yaml");

    /// <summary>A stack with its resources, and a task that runs for <paramref name="runningPolls"/> looks and then stops with <paramref name="exitCode"/> (null: never stops).</summary>
    private static Func<AwsRequest, string> Answers(int runningPolls, int? exitCode)
    {
        var looks = 0;
        return request => request.Action switch
        {
            "DescribeStacks" => $"<DescribeStacksResponse><DescribeStacksResult><Stacks><member><StackName>slipway-shop</StackName><StackId>{StackArn}</StackId><StackStatus>UPDATE_COMPLETE</StackStatus></member></Stacks></DescribeStacksResult></DescribeStacksResponse>",
            "DescribeStackResources" => "<DescribeStackResourcesResponse><DescribeStackResourcesResult><StackResources>" +
                string.Concat(new Dictionary<string, string>
                {
                    ["ExecutionRole"] = "slipway-shop-ExecutionRole-AB12", ["LogGroup"] = "/slipway/shop", ["PublicSubnet1"] = "subnet-0a",
                    ["PublicSubnet2"] = "subnet-0b", ["TaskSecurityGroup"] = "sg-0c", ["Cluster"] = "slipway-shop",
                }.Select(r => $"<member><LogicalResourceId>{r.Key}</LogicalResourceId><PhysicalResourceId>{r.Value}</PhysicalResourceId></member>")) +
                "</StackResources></DescribeStackResourcesResult></DescribeStackResourcesResponse>",
            "RegisterTaskDefinition" => """{"taskDefinition":{"taskDefinitionArn":"arn:aws:ecs:eu-west-1:123456789012:task-definition/slipway-shop-run:4"}}""",
            "RunTask" => $$"""{"tasks":[{"taskArn":"{{TaskArn}}","lastStatus":"PROVISIONING"}],"failures":[]}""",
            "DescribeTasks" => ++looks <= runningPolls || exitCode is null
                ? $$"""{"tasks":[{"taskArn":"{{TaskArn}}","lastStatus":"RUNNING","containers":[{"name":"shop"}]}]}"""
                : $$"""{"tasks":[{"taskArn":"{{TaskArn}}","lastStatus":"STOPPED","stoppedReason":"Essential container in task exited","containers":[{"name":"shop","exitCode":{{exitCode}}}]}]}""",
            "FilterLogEvents" => looks == 1
                ? """{"events":[{"timestamp":1000,"message":"migrating 1\n","logStreamName":"shop/shop/0f1e2d"},{"timestamp":1001,"message":"migrating 2\n","logStreamName":"shop/shop/0f1e2d"}]}"""
                : looks == 2 ? """{"events":[{"timestamp":2000,"message":"done","logStreamName":"shop/shop/0f1e2d"}]}""" : """{"events":[]}""",
            _ => "{}",
        };
    }

    private static OneOffTasks Tasks(FakeAwsEndpoint endpoint)
    {
        var settings = new AwsSettings(new Amazon.Runtime.BasicAWSCredentials("a", "b"), Amazon.RegionEndpoint.EUWest1,
            name => name == "AWS_ENDPOINT_URL" ? endpoint.Url : null);
        var time = new InstantTime();
        return new OneOffTasks(CloudFormationClient.Create(settings, time), EcsClient.Create(settings, time), LogsClient.Create(settings, time), time, AwsEndpointProfile.RealAws);
    }

    private static JsonNode Body(FakeAwsEndpoint endpoint, string action) => JsonNode.Parse(endpoint.Requests.First(r => r.Action == action).Body)!;

    [Fact]
    public async Task The_command_runs_as_a_task_of_the_release_in_the_services_network_its_lines_shown_and_its_exit_code_returned()
    {
        await using var endpoint = await FakeAwsEndpoint.StartAsync(Answers(runningPolls: 2, exitCode: 3));
        var lines = new List<string>();
        var release = StackTemplate.Release(App, "v2", "f1");

        var exit = await Tasks(endpoint).RunAsync(App, release, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/slipway/shop", ["flask", "db", "upgrade"], lines.Add, Ct);

        Assert.Equal(3, exit);
        Assert.Equal(["migrating 1", "migrating 2", "done"], lines);
        var definition = Body(endpoint, "RegisterTaskDefinition");
        Assert.Equal("slipway-shop-run", (string?)definition["family"]);
        Assert.Equal("arn:aws:iam::123456789012:role/slipway/slipway-shop-ExecutionRole-AB12", (string?)definition["executionRoleArn"]);
        var container = definition["containerDefinitions"]![0]!;
        Assert.Equal("123456789012.dkr.ecr.eu-west-1.amazonaws.com/slipway/shop:v2", (string?)container["image"]);
        Assert.Null(container["portMappings"]);
        Assert.Equal("/slipway/shop", (string?)container["logConfiguration"]!["options"]!["awslogs-group"]);
        Assert.Equal("eu-west-1", (string?)container["logConfiguration"]!["options"]!["awslogs-region"]);
        Assert.Equal("/slipway/shop/API_TOKEN", (string?)container["secrets"]![0]!["valueFrom"]);
        Assert.Contains(container["environment"]!.AsArray(), e => (string?)e!["name"] == "SLIPWAY_VERSION" && (string?)e["value"] == "v2");

        var run = Body(endpoint, "RunTask");
        Assert.Equal("arn:aws:ecs:eu-west-1:123456789012:task-definition/slipway-shop-run:4", (string?)run["taskDefinition"]);
        Assert.Equal(["subnet-0a", "subnet-0b"], run["networkConfiguration"]!["awsvpcConfiguration"]!["subnets"]!.AsArray().Select(s => (string)s!));
        Assert.Equal("sg-0c", (string?)run["networkConfiguration"]!["awsvpcConfiguration"]!["securityGroups"]![0]);
        Assert.Equal(["flask", "db", "upgrade"], run["overrides"]!["containerOverrides"]![0]!["command"]!.AsArray().Select(s => (string)s!));
        Assert.Equal("shop/shop/0f1e2d", (string?)Body(endpoint, "FilterLogEvents")["logStreamNamePrefix"]);
        Assert.Equal("arn:aws:ecs:eu-west-1:123456789012:task-definition/slipway-shop-run:4", (string?)Body(endpoint, "DeregisterTaskDefinition")["taskDefinition"]);
        Assert.DoesNotContain(endpoint.Requests, r => r.Action == "StopTask");
    }

    [Fact]
    public async Task An_interrupted_run_stops_its_task_and_deregisters_its_task_definition()
    {
        await using var endpoint = await FakeAwsEndpoint.StartAsync(Answers(runningPolls: int.MaxValue, exitCode: null));
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = Tasks(endpoint).RunAsync(App, StackTemplate.Release(App, "v2", "f1"), "repo", ["sleep", "600"], _ => { }, cancel.Token);
        await Eventually.WaitUntilAsync(() => Task.FromResult(endpoint.Requests.Any(r => r.Action == "DescribeTasks")), TimeSpan.FromSeconds(20), "the task is watched");

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Equal(TaskArn, (string?)Body(endpoint, "StopTask")["task"]);
        Assert.Single(endpoint.Requests, r => r.Action == "DeregisterTaskDefinition");
    }

    [Fact]
    public async Task A_task_that_stops_without_an_exit_code_is_an_error_with_its_reason()
    {
        await using var endpoint = await FakeAwsEndpoint.StartAsync(request => request.Action == "DescribeTasks"
            ? $$"""{"tasks":[{"taskArn":"{{TaskArn}}","lastStatus":"STOPPED","stoppedReason":"CannotPullContainerError: pull access denied","containers":[{"name":"shop","reason":"CannotPullContainerError"}]}]}"""
            : Answers(0, 0)(request));

        var error = await Assert.ThrowsAsync<Slipway.Foundation.SlipwayException>(() =>
            Tasks(endpoint).RunAsync(App, StackTemplate.Release(App, "v2", "f1"), "repo", ["true"], _ => { }, Ct));

        Assert.Contains("stopped without running the command to its end: CannotPullContainerError: pull access denied (CannotPullContainerError)", error.Message);
        Assert.Single(endpoint.Requests, r => r.Action == "DeregisterTaskDefinition");
    }
}
