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
}
