using System.Text.Json.Nodes;
using Slipway.Cloud.Aws;
using Slipway.Configuration;
using Slipway.Foundation.Output;
using Slipway.Platforms.Aws;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Aws;

/// <summary>Drift detection and repair against answers recorded in the shapes of botocore's CloudFormation model.</summary>
[Trait("Tier", "engine")]
public sealed class DriftTests
{
    private const string Stack = "<DescribeStacksResponse><DescribeStacksResult><Stacks><member><StackName>slipway-shop</StackName>"
        + "<StackId>arn:stack</StackId><StackStatus>UPDATE_COMPLETE</StackStatus><DriftInformation><StackDriftStatus>DRIFTED</StackDriftStatus></DriftInformation>"
        + "</member></Stacks></DescribeStacksResult></DescribeStacksResponse>";

    private const string Drifts = """
        <DescribeStackResourceDriftsResponse><DescribeStackResourceDriftsResult><StackResourceDrifts>
          <member><LogicalResourceId>LoadBalancerSecurityGroup</LogicalResourceId><ResourceType>AWS::EC2::SecurityGroup</ResourceType>
            <StackResourceDriftStatus>MODIFIED</StackResourceDriftStatus><PropertyDifferences>
              <member><PropertyPath>/SecurityGroupIngress/1</PropertyPath><ExpectedValue>null</ExpectedValue>
                <ActualValue>{"CidrIp":"0.0.0.0/0","FromPort":22,"IpProtocol":"tcp","ToPort":22}</ActualValue><DifferenceType>ADD</DifferenceType></member>
            </PropertyDifferences></member>
          <member><LogicalResourceId>LogGroup</LogicalResourceId><ResourceType>AWS::Logs::LogGroup</ResourceType>
            <StackResourceDriftStatus>DELETED</StackResourceDriftStatus><PropertyDifferences/></member>
          <member><LogicalResourceId>HttpListener</LogicalResourceId><ResourceType>AWS::ElasticLoadBalancingV2::Listener</ResourceType>
            <StackResourceDriftStatus>MODIFIED</StackResourceDriftStatus><PropertyDifferences>
              <member><PropertyPath>/Port</PropertyPath><ExpectedValue>80</ExpectedValue><ActualValue>8080</ActualValue><DifferenceType>NOT_EQUAL</DifferenceType></member>
            </PropertyDifferences></member>
        </StackResourceDrifts></DescribeStackResourceDriftsResult></DescribeStackResourceDriftsResponse>
        """;

    private static AppManifest App => new()
    {
        App = "shop", ManifestPath = "/deploy/slipway.yaml",
        Source = new SourceSpec { Location = "x" }, Build = new BuildSpec { Dockerfile = "/deploy/Dockerfile" },
        Environment = new EnvironmentSpec { Name = "aws", Platform = "aws" },
    };

    private static string Answer(AwsRequest request, ref int polls) => request.Target is not null ? "{}" : request.Action switch
    {
        "DescribeStacks" => Stack,
        "DetectStackDrift" => "<DetectStackDriftResponse><DetectStackDriftResult><StackDriftDetectionId>d-1</StackDriftDetectionId></DetectStackDriftResult></DetectStackDriftResponse>",
        "DescribeStackDriftDetectionStatus" => $"<R><DescribeStackDriftDetectionStatusResult><DetectionStatus>{(polls++ == 0 ? "DETECTION_IN_PROGRESS" : "DETECTION_COMPLETE")}</DetectionStatus>"
            + "<StackDriftStatus>DRIFTED</StackDriftStatus><DriftedStackResourceCount>3</DriftedStackResourceCount></DescribeStackDriftDetectionStatusResult></R>",
        "DescribeStackResourceDrifts" => Drifts,
        "CreateChangeSet" => "<R><CreateChangeSetResult><Id>cs-1</Id></CreateChangeSetResult></R>",
        "DescribeChangeSet" => "<R><DescribeChangeSetResult><Status>CREATE_COMPLETE</Status><ExecutionStatus>AVAILABLE</ExecutionStatus><Changes><member><ResourceChange>"
            + "<Action>Modify</Action><LogicalResourceId>LoadBalancerSecurityGroup</LogicalResourceId><ResourceType>AWS::EC2::SecurityGroup</ResourceType></ResourceChange></member></Changes></DescribeChangeSetResult></R>",
        var action => $"<R><{action}Result/></R>",
    };

    private static AwsPlatform Platform(FakeAwsEndpoint endpoint, TimeProvider time)
    {
        var settings = new AwsSettings(new Amazon.Runtime.BasicAWSCredentials("a", "b"), Amazon.RegionEndpoint.EUWest1,
            name => name == "AWS_ENDPOINT_URL" ? endpoint.Url : null);
        return new AwsPlatform(CloudFormationClient.Create(settings, time), EcrClient.Create(settings, time), EcsClient.Create(settings, time),
            LogsClient.Create(settings, time), SsmClient.Create(settings, time), TestEngine.Create(), AwsEndpointProfile.RealAws, AppSecrets.None(App),
            new EcsExec(EcsClient.Create(settings, time), "eu-west-1", new Uri(endpoint.Url), _ => null), _ => true, time);
    }

    [Fact]
    public async Task Detection_waits_for_completion_and_reports_each_property_expected_against_actual()
    {
        var polls = 0;
        await using var endpoint = await FakeAwsEndpoint.StartAsync(request => Answer(request, ref polls));
        var platform = Platform(endpoint, TimeProvider.System);

        var drifts = await platform.DetectDriftAsync(App, new RecordingLog(), TestContext.Current.CancellationToken);

        Assert.Equal(["LoadBalancerSecurityGroup", "LogGroup", "HttpListener"], drifts.Select(d => d.LogicalId));
        Assert.Equal(2, polls);
        var lines = DriftRepair.Render("slipway-shop", drifts);
        Assert.Equal("stack slipway-shop: 3 resource(s) drifted", lines[0]);
        Assert.Contains("    /SecurityGroupIngress/1 [ADD]: expected null, actual {\"CidrIp\":\"0.0.0.0/0\",\"FromPort\":22,\"IpProtocol\":\"tcp\",\"ToPort\":22}", lines);
        Assert.Contains("    /Port [NOT_EQUAL]: expected 80, actual 8080", lines);
        Assert.Contains(endpoint.Requests, r => r.Action == "DescribeStackResourceDrifts" && r.Form["StackResourceDriftStatusFilters.member.2"] == "DELETED");
    }

    [Fact]
    public async Task Repair_reapplies_taggable_resources_and_explains_the_rest()
    {
        var polls = 1;
        await using var endpoint = await FakeAwsEndpoint.StartAsync(request => Answer(request, ref polls));
        var platform = Platform(endpoint, TimeProvider.System);
        var drifts = await platform.DetectDriftAsync(App, new RecordingLog(), TestContext.Current.CancellationToken);

        var plan = await platform.RepairDriftAsync(App, drifts, new RecordingLog(), TestContext.Current.CancellationToken);

        Assert.Equal(["LoadBalancerSecurityGroup"], plan.Repairable.Select(d => d.LogicalId));
        Assert.Contains(plan.Unrepairable, u => u.Drift.LogicalId == "LogGroup" && u.Reason.Contains("deleted outside CloudFormation"));
        Assert.Contains(plan.Unrepairable, u => u.Drift.LogicalId == "HttpListener" && u.Reason.Contains("/Port to 80"));
        var changeSet = Assert.Single(endpoint.Requests, r => r.Action == "CreateChangeSet").Form;
        Assert.Equal("UPDATE", changeSet["ChangeSetType"]);
        var template = JsonNode.Parse(changeSet["TemplateBody"])!["Resources"]!;
        Assert.Contains(template["LoadBalancerSecurityGroup"]!["Properties"]!["Tags"]!.AsArray(), t => (string?)t!["Key"] == DriftRepair.RepairTag);
        Assert.Null(template["TargetGroup"]!["Properties"]!["Tags"]);
        Assert.Contains(endpoint.Requests, r => r.Action == "ExecuteChangeSet");
    }

    [Fact]
    public void A_service_changed_outside_the_stack_is_put_back()
    {
        // The stack owns the service's task definition and, without autoscaling, its count (with autoscaling the
        // template leaves the count out, so the scaler's choice is never drift): a console deploy or a manual
        // scale is drift to undo.
        var plan = DriftRepair.Plan([new ResourceDrift("Service", "AWS::ECS::Service", "MODIFIED",
            [new PropertyDifference("/TaskDefinition", "arn:td:1", "arn:td:7", "NOT_EQUAL"), new PropertyDifference("/DesiredCount", "2", "4", "NOT_EQUAL")])]);

        Assert.Single(plan.Repairable);
        Assert.Empty(plan.Unrepairable);
    }
}
