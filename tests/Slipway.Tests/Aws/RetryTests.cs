using Slipway.Cloud.Aws;
using Slipway.Tests.Support;

namespace Slipway.Tests.Aws;

/// <summary>Throttling and server errors are retried with backoff; client errors are not.</summary>
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
            EcsClient.Create(Settings(endpoint), TimeProvider.System).UpdateServiceAsync("c", "s", "td", 1, TestContext.Current.CancellationToken));

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

        var events = await LogsClient.Create(Settings(endpoint), TimeProvider.System).FilterAsync("/slipway/shop", null, TestContext.Current.CancellationToken);

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
}
