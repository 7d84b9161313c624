using Slipway.Cloud.Aws;
using Slipway.Tests.Support;

namespace Slipway.Tests.Cloud.Aws;

/// <summary>Throttling and server errors are retried with backoff; client errors are not.</summary>
[Trait("Tier", "edge")]
public sealed class RetryTests
{
    private static AwsSettings Settings(FakeAwsEndpoint endpoint) => new(new Amazon.Runtime.BasicAWSCredentials("a", "b"),
        Amazon.RegionEndpoint.EUWest1, name => name == "AWS_ENDPOINT_URL" ? endpoint.Url : null);

    [Fact]
    public async Task A_throttled_call_is_retried_until_it_succeeds()
    {
        var calls = 0;
        await using var endpoint = await FakeAwsEndpoint.StartAsync(_ => ++calls < 3
            ? """{"__type":"ThrottlingException","message":"Rate exceeded"}"""
            : """{"services":[{"serviceName":"shop","status":"ACTIVE","desiredCount":2,"runningCount":2}]}""",
            request => calls < 3 ? 400 : 200);

        var service = await EcsClient.Create(Settings(endpoint), TimeProvider.System).DescribeServiceAsync("c", "shop", TestContext.Current.CancellationToken);

        Assert.Equal(3, calls);
        Assert.Equal(2, service!.RunningCount);
    }

    [Fact]
    public async Task A_client_error_is_not_retried_and_keeps_its_code()
    {
        await using var endpoint = await FakeAwsEndpoint.StartAsync(_ => """{"__type":"InvalidParameterException","message":"bad"}""", _ => 400);

        var error = await Assert.ThrowsAsync<AwsServiceException>(() =>
            EcsClient.Create(Settings(endpoint), TimeProvider.System).ForceNewDeploymentAsync("c", "s", TestContext.Current.CancellationToken));

        Assert.Equal("InvalidParameterException", error.Code);
        Assert.Single(endpoint.Requests);
    }

    [Fact]
    public async Task A_server_error_is_retried_and_a_lasting_one_is_reported_after_the_last_attempt()
    {
        var calls = 0;
        await using var endpoint = await FakeAwsEndpoint.StartAsync(_ => ++calls == 1
            ? """{"__type":"ServerException","message":"internal"}"""
            : """{"services":[{"serviceName":"shop","status":"ACTIVE","desiredCount":2,"runningCount":1}]}""",
            _ => calls == 1 ? 500 : 200);
        var service = await EcsClient.Create(Settings(endpoint), TimeProvider.System).DescribeServiceAsync("c", "shop", TestContext.Current.CancellationToken);
        Assert.Equal(2, calls);
        Assert.Equal(1, service!.RunningCount);

        await using var broken = await FakeAwsEndpoint.StartAsync(_ => """{"__type":"ServerException","message":"internal"}""", _ => 503);
        var error = await Assert.ThrowsAsync<AwsServiceException>(() =>
            EcsClient.Create(Settings(broken), TimeProvider.System).DescribeServiceAsync("c", "shop", TestContext.Current.CancellationToken));
        Assert.Equal("ServerException", error.Code);
        Assert.Equal(AwsHttp.MaxAttempts, broken.Requests.Count);
    }

    [Fact]
    public async Task Every_page_is_read_and_each_next_token_is_sent_back()
    {
        await using var endpoint = await FakeAwsEndpoint.StartAsync(request => System.Text.Json.Nodes.JsonNode.Parse(request.Body)!["nextToken"]?.GetValue<string>() switch
        {
            null => """{"events":[{"timestamp":1,"message":"one","logStreamName":"s"}],"nextToken":"page2"}""",
            "page2" => """{"events":[{"timestamp":2,"message":"two","logStreamName":"s"}],"nextToken":"page3"}""",
            _ => """{"events":[{"timestamp":3,"message":"three","logStreamName":"s"}]}""",
        });

        var events = await LogsClient.Create(Settings(endpoint), TimeProvider.System).FilterAsync("/slipway/shop", null, null, TestContext.Current.CancellationToken);

        Assert.Equal(["one", "two", "three"], events.Select(e => e.Message));
        Assert.Equal([null, "page2", "page3"], endpoint.Requests.Select(r => System.Text.Json.Nodes.JsonNode.Parse(r.Body)!["nextToken"]?.GetValue<string>()));
    }

    [Fact]
    public async Task Ecr_image_listings_follow_their_pages()
    {
        await using var endpoint = await FakeAwsEndpoint.StartAsync(request => System.Text.Json.Nodes.JsonNode.Parse(request.Body)!["nextToken"] is null
            ? """{"imageIds":[{"imageTag":"v1","imageDigest":"sha256:1"}],"nextToken":"more"}"""
            : """{"imageIds":[{"imageTag":"v2","imageDigest":"sha256:2"}]}""");

        var images = await EcrClient.Create(Settings(endpoint), TimeProvider.System).ListImagesAsync("slipway/shop", TestContext.Current.CancellationToken);

        Assert.Equal(["v1", "v2"], images.Select(i => i.ImageTag));
        Assert.Equal(2, endpoint.Requests.Count);
    }

    [Fact]
    public async Task Stack_events_are_read_page_by_page_until_the_event_the_operation_started_after()
    {
        static string Event(string id, string resource, string status) =>
            $"<member><EventId>{id}</EventId><Timestamp>2026-12-02T10:00:00Z</Timestamp><LogicalResourceId>{resource}</LogicalResourceId>"
            + $"<ResourceType>AWS::ECS::Service</ResourceType><ResourceStatus>{status}</ResourceStatus></member>";
        await using var endpoint = await FakeAwsEndpoint.StartAsync(request => request.Form.GetValueOrDefault("NextToken") switch
        {
            null => $"<DescribeStackEventsResponse><DescribeStackEventsResult><StackEvents>{Event("e5", "Service", "UPDATE_COMPLETE")}{Event("e4", "Service", "UPDATE_IN_PROGRESS")}</StackEvents><NextToken>p2</NextToken></DescribeStackEventsResult></DescribeStackEventsResponse>",
            "p2" => $"<DescribeStackEventsResponse><DescribeStackEventsResult><StackEvents>{Event("e3", "TaskDefinition", "CREATE_COMPLETE")}{Event("e2", "Service", "UPDATE_FAILED")}</StackEvents><NextToken>p3</NextToken></DescribeStackEventsResult></DescribeStackEventsResponse>",
            _ => throw new InvalidOperationException("read past the operation's first event"),
        });

        var events = await CloudFormationClient.Create(Settings(endpoint), TimeProvider.System)
            .DescribeStackEventsAsync("slipway-shop", after: "e2", TestContext.Current.CancellationToken);

        Assert.Equal(["e5", "e4", "e3"], events.Select(e => e.Id)); // e2 and older belong to an earlier operation
        Assert.Equal(2, endpoint.Requests.Count);
    }

    [Fact]
    public async Task A_change_set_with_pages_of_changes_is_read_whole()
    {
        static string Change(string id) =>
            $"<member><ResourceChange><Action>Modify</Action><LogicalResourceId>{id}</LogicalResourceId><ResourceType>AWS::ECS::Service</ResourceType></ResourceChange></member>";
        await using var endpoint = await FakeAwsEndpoint.StartAsync(request => request.Form.ContainsKey("NextToken")
            ? $"<DescribeChangeSetResponse><DescribeChangeSetResult><Status>CREATE_COMPLETE</Status><ExecutionStatus>AVAILABLE</ExecutionStatus><Changes>{Change("B")}</Changes></DescribeChangeSetResult></DescribeChangeSetResponse>"
            : $"<DescribeChangeSetResponse><DescribeChangeSetResult><Status>CREATE_COMPLETE</Status><ExecutionStatus>AVAILABLE</ExecutionStatus><Changes>{Change("A")}</Changes><NextToken>more</NextToken></DescribeChangeSetResult></DescribeChangeSetResponse>");

        var changeSet = await CloudFormationClient.Create(Settings(endpoint), TimeProvider.System)
            .DescribeChangeSetAsync("slipway-shop", "cs", TestContext.Current.CancellationToken);

        Assert.Equal(["A", "B"], changeSet.Changes.Select(c => c.LogicalId));
        Assert.Equal("more", endpoint.Requests[1].Form["NextToken"]);
    }

    [Fact]
    public async Task Stopped_task_listings_follow_their_pages()
    {
        await using var endpoint = await FakeAwsEndpoint.StartAsync(request => request.Action switch
        {
            "ListTasks" => System.Text.Json.Nodes.JsonNode.Parse(request.Body)!["nextToken"] is null
                ? """{"taskArns":["arn:task/1"],"nextToken":"more"}""" : """{"taskArns":["arn:task/2"]}""",
            _ => """{"tasks":[{"taskArn":"arn:task/1","stoppedReason":"Essential container exited"},{"taskArn":"arn:task/2","stoppedReason":"Task failed ELB health checks"}]}""",
        });

        var reasons = await EcsClient.Create(Settings(endpoint), TimeProvider.System).StoppedTaskReasonsAsync("c", "shop", TestContext.Current.CancellationToken);

        Assert.Equal(["1: Essential container exited", "2: Task failed ELB health checks"], reasons);
        Assert.Equal(["arn:task/1", "arn:task/2"], System.Text.Json.Nodes.JsonNode.Parse(endpoint.Requests[2].Body)!["tasks"]!.AsArray().Select(t => (string?)t));
    }

    [Fact]
    public async Task An_attempt_that_gets_no_answer_in_time_is_retried()
    {
        using var parked = new ManualResetEventSlim();
        var calls = 0;
        await using var endpoint = await FakeAwsEndpoint.StartAsync(_ =>
        {
            if (Interlocked.Increment(ref calls) == 1) parked.Wait(TimeSpan.FromMinutes(1)); // the first answer never comes in time
            return """{"services":[{"serviceName":"shop","status":"ACTIVE","desiredCount":2,"runningCount":2}]}""";
        });
        var settings = Settings(endpoint);
        var ecs = EcsClient.Over(new AwsHttp(settings, "ecs", settings.EndpointFor("ecs", "ECS"), TimeProvider.System,
            attemptTimeout: TimeSpan.FromMilliseconds(300)));
        try
        {
            var service = await ecs.DescribeServiceAsync("c", "shop", TestContext.Current.CancellationToken);

            Assert.Equal(2, service!.RunningCount);
            Assert.Equal(2, calls);
        }
        finally
        {
            parked.Set();
        }
    }
}
