using System.Net;
using System.Text.Json.Nodes;
using Slipway.Cloud.Aws;
using Slipway.Foundation;
using Slipway.Configuration;
using Slipway.Platforms.Aws;

namespace Slipway.Tests.Cloud.Aws;

/// <summary>Pure parts of the clients and the platform: error parsing and mapping, change-set rendering, a release's task definition.</summary>
[Trait("Tier", "engine")]
public sealed class AwsWireTests
{
    [Fact]
    public void Json_errors_are_parsed_and_access_denied_maps_to_a_clear_error()
    {
        var error = AwsJsonClient.ParseError("ECS", HttpStatusCode.BadRequest,
            """{"__type":"com.amazonaws.ecs#AccessDeniedException","message":"User is not authorized to perform: ecs:UpdateService"}""");

        Assert.Equal("AccessDeniedException", error!.Code);
        Assert.True(error.IsAccessDenied);
        var user = error.ToUserError("deploy");
        Assert.Equal(ErrorCode.AwsAccessDenied, user.Code);
        Assert.Contains("ecs:UpdateService", user.Message);
        Assert.Contains("iam-policy.json", user.Hint);
    }

    [Theory]
    [InlineData("json")]
    [InlineData("query")]
    public async Task Access_denied_names_the_action_that_was_denied_even_when_aws_does_not(string protocol)
    {
        await using var endpoint = await Support.FakeAwsEndpoint.StartAsync(
            request => request.Target is null
                ? "<ErrorResponse><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error></ErrorResponse>"
                : """{"__type":"com.amazonaws.dynamodb.v20120810#AccessDeniedException","message":"Access Denied"}""",
            _ => 400);
        var settings = new AwsSettings(new Amazon.Runtime.BasicAWSCredentials("AKIDEXAMPLE", "secret"), Amazon.RegionEndpoint.EUWest1,
            name => name == "AWS_ENDPOINT_URL" ? endpoint.Url : null);
        var ct = TestContext.Current.CancellationToken;

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => protocol == "json"
            ? DynamoDbClient.Create(settings, TimeProvider.System).GetAsync("slipway-state", DynamoDbClient.Key("a", "b"), ct)
            : CloudFormationClient.Create(settings, TimeProvider.System).GetTemplateAsync("slipway-shop", ct));

        var action = protocol == "json" ? "dynamodb:GetItem" : "cloudformation:GetTemplate";
        Assert.Equal(action, error.Action);
        var user = error.ToUserError("up");
        Assert.Contains($"AWS denied {action}", user.Message);
        Assert.StartsWith($"grant {action} to the deploying identity", user.Hint);
    }

    [Fact]
    public async Task Doctor_says_which_permissions_it_verified_and_which_were_denied()
    {
        await using var endpoint = await Support.FakeAwsEndpoint.StartAsync(
            request => request.Target switch
            {
                null => "<DescribeStacksResponse><DescribeStacksResult><Stacks/></DescribeStacksResult></DescribeStacksResponse>",
                var t when t.StartsWith("DynamoDB", StringComparison.Ordinal) => """{"__type":"AccessDeniedException","message":"no"}""",
                _ => """{"repositories":[]}""",
            },
            request => request.Target?.StartsWith("DynamoDB", StringComparison.Ordinal) == true ? 400 : 200);
        await using var app = new Support.LocalApp("doc");
        var env = new Dictionary<string, string>
        {
            ["AWS_ENDPOINT_URL"] = endpoint.Url, ["AWS_ACCESS_KEY_ID"] = "testing", ["AWS_SECRET_ACCESS_KEY"] = "testing",
            ["AWS_REGION"] = "us-east-1", ["AWS_EC2_METADATA_DISABLED"] = "true",
        };

        var doctor = await app.RunAsync(env, "doctor", "-e", "aws");

        Assert.Equal(1, doctor.ExitCode);
        Assert.Contains("FAIL  permissions      denied: dynamodb:DescribeTable; allowed: cloudformation:DescribeStacks, ecr:DescribeRepositories", doctor.Stdout);
        Assert.Contains("slipway package -e aws --policy", doctor.Stdout);
    }

    [Fact]
    public void Query_errors_are_parsed_and_throttling_is_retryable()
    {
        var error = AwsQueryClient.ParseError("CloudFormation", HttpStatusCode.BadRequest, """
            <ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">
              <Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>
              <RequestId>1</RequestId>
            </ErrorResponse>
            """);

        Assert.Equal("Throttling", error!.Code);
        Assert.True(error.IsThrottling);
        Assert.False(error.IsAccessDenied);
    }

    [Fact]
    public void A_change_set_renders_one_line_per_resource_adds_first()
    {
        var lines = StackPlanRenderer.Render("slipway-shop", new StackPlan(false,
        [
            new ResourceChange("Modify", "TargetGroup", "AWS::ElasticLoadBalancingV2::TargetGroup", "False"),
            new ResourceChange("Add", "LogGroup", "AWS::Logs::LogGroup", null),
            new ResourceChange("Modify", "TaskSecurityGroup", "AWS::EC2::SecurityGroup", "True"),
        ]));

        Assert.Equal(
        [
            "stack slipway-shop: update, 3 resource change(s)",
            "  + LogGroup (AWS::Logs::LogGroup)",
            "  ~ TargetGroup (AWS::ElasticLoadBalancingV2::TargetGroup)",
            "  ~ TaskSecurityGroup (AWS::EC2::SecurityGroup) - REPLACED",
        ], lines);
        Assert.Equal(["stack slipway-shop: no changes"], StackPlanRenderer.Render("slipway-shop", null));
    }

    [Fact]
    public void A_release_is_a_task_definition_of_its_image_environment_secrets_size_and_architecture()
    {
        var app = Support.Manifests.Parse("""
            app: shop
            source: { git: x }
            port: 8000
            env: { MODE: x }
            secrets: { API_TOKEN: { fromEnv: SHOP_TOKEN } }
            environments: { aws: { platform: aws } }
            aws: { cpu: 512, memory: 1024, architecture: arm64 }
            """, "/tmp/slipway.yaml", environment: "aws");

        var release = StackTemplate.Release(app, "v2", "fp2");

        Assert.Equal(new ServingRelease("v2", "fp2"), StackTemplate.ReleaseOf(release));
        var properties = release["Properties"]!;
        Assert.Equal("512", (string?)properties["Cpu"]);
        Assert.Equal("ARM64", (string?)properties["RuntimePlatform"]!["CpuArchitecture"]);
        var container = properties["ContainerDefinitions"]![0]!;
        Assert.Equal("${Repository.RepositoryUri}:v2", (string?)container["Image"]!["Fn::Sub"]);
        Assert.Equal(["MODE=x", "SLIPWAY_APP=shop", "SLIPWAY_VERSION=v2", "SLIPWAY_FINGERPRINT=fp2"],
            container["Environment"]!.AsArray().Select(e => $"{e!["Name"]}={e["Value"]}"));
        Assert.Equal("/slipway/shop/API_TOKEN", (string?)container["Secrets"]![0]!["ValueFrom"]);
        Assert.Equal("127.0.0.1:5000/slipway/shop:v2",
            (string?)StackTemplate.Release(app, "v2", "fp2", registry: "127.0.0.1:5000")["Properties"]!["ContainerDefinitions"]![0]!["Image"]);
    }
}

[Trait("Tier", "unit")]
public sealed class StackFailureTests
{
    [Fact]
    public void A_failed_create_names_each_failing_resource_and_its_reason()
    {
        var since = DateTimeOffset.Parse("2026-11-27T10:00:00Z");
        var stack = new Stack("slipway-shop", "arn:stack", "ROLLBACK_COMPLETE", "The following resource(s) failed to create: [Service].", [], []);
        StackEvent[] events =
        [
            new("2", since.AddSeconds(10), "Service", "AWS::ECS::Service", "CREATE_FAILED", "Resource handler returned message: \"Invalid request: no capacity\""),
            new("3", since.AddSeconds(11), "Repository", "AWS::ECR::Repository", "CREATE_COMPLETE", null),
            new("4", since.AddSeconds(12), "slipway-shop", "AWS::CloudFormation::Stack", "ROLLBACK_IN_PROGRESS", "failed"),
        ];

        var error = Slipway.Platforms.Aws.StackOperations.Failure("slipway-shop", stack, events);

        Assert.Equal(Slipway.Foundation.ErrorCode.StackFailed, error.Code);
        Assert.Equal("stack slipway-shop ended ROLLBACK_COMPLETE: Service (AWS::ECS::Service): Resource handler returned message: \"Invalid request: no capacity\"",
            error.Message);
    }
}
