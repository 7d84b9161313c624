using System.Net;
using System.Text.Json.Nodes;
using Slipway.Cloud.Aws;
using Slipway.Common;
using Slipway.Platforms.Aws;

namespace Slipway.Tests.Aws;

/// <summary>Pure parts of the clients: error parsing and mapping, change-set rendering, task definition revisions.</summary>
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
    public void A_revision_keeps_the_definition_and_changes_only_the_image_and_version()
    {
        var described = JsonNode.Parse("""
            {"taskDefinitionArn":"arn:1","revision":7,"status":"ACTIVE","family":"slipway-shop","cpu":"256","memory":"512",
             "networkMode":"awsvpc","requiresCompatibilities":["FARGATE"],"executionRoleArn":"arn:role",
             "containerDefinitions":[{"name":"shop","image":"repo:old","environment":[{"name":"SLIPWAY_VERSION","value":"old"},{"name":"MODE","value":"x"}],
               "logConfiguration":{"logDriver":"awslogs","options":{"awslogs-group":"/slipway/shop"}}}]}
            """)!.AsObject();

        var request = EcsClient.BuildRevision(described, "shop", "repo:new", "new");

        Assert.Null(request["taskDefinitionArn"]);
        Assert.Null(request["revision"]);
        Assert.Equal("arn:role", (string?)request["executionRoleArn"]);
        var container = request["containerDefinitions"]![0]!;
        Assert.Equal("repo:new", (string?)container["image"]);
        Assert.Equal("new", (string?)container["environment"]![0]!["value"]);
        Assert.Equal("x", (string?)container["environment"]![1]!["value"]);
        Assert.Equal("/slipway/shop", (string?)container["logConfiguration"]!["options"]!["awslogs-group"]);
        Assert.Equal("old", (string?)described["containerDefinitions"]![0]!["environment"]![0]!["value"]); // input untouched
    }
}

public sealed class StackFailureTests
{
    [Fact]
    public void A_failed_create_names_each_failing_resource_and_its_reason_from_this_operation_only()
    {
        var since = DateTimeOffset.Parse("2026-11-27T10:00:00Z");
        var stack = new Stack("slipway-shop", "arn:stack", "ROLLBACK_COMPLETE", "The following resource(s) failed to create: [Service].", [], []);
        StackEvent[] events =
        [
            new("1", since.AddMinutes(-30), "Cluster", "AWS::ECS::Cluster", "CREATE_FAILED", "an older attempt"),
            new("2", since.AddSeconds(10), "Service", "AWS::ECS::Service", "CREATE_FAILED", "Resource handler returned message: \"Invalid request: no capacity\""),
            new("3", since.AddSeconds(11), "Repository", "AWS::ECR::Repository", "CREATE_COMPLETE", null),
            new("4", since.AddSeconds(12), "slipway-shop", "AWS::CloudFormation::Stack", "ROLLBACK_IN_PROGRESS", "failed"),
        ];

        var error = Slipway.Platforms.Aws.StackOperations.Failure("slipway-shop", stack, events, since);

        Assert.Equal(Slipway.Common.ErrorCode.StackFailed, error.Code);
        Assert.Equal("stack slipway-shop ended ROLLBACK_COMPLETE: Service (AWS::ECS::Service): Resource handler returned message: \"Invalid request: no capacity\"",
            error.Message);
    }
}
