using System.Text.Json.Nodes;
using Slipway.Platforms.Aws;
using Slipway.Tests.Support;

namespace Slipway.Tests.Aws;

/// <summary>The published deploy policy is least privilege where IAM is concerned: roles only under Slipway's path, whatever the stack's name.</summary>
public sealed class IamPolicyTests
{
    private static IReadOnlyList<JsonObject> Statements() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "deploy", "aws", "iam-policy.json")))!["Statement"]!.AsArray()
            .Select(s => s!.AsObject()).ToList();

    private static IEnumerable<string> Values(JsonNode? node) => node is JsonArray many ? many.Select(v => (string)v!) : [(string)node!];

    [Fact]
    public void Role_actions_reach_only_roles_under_the_slipway_path_the_template_puts_them_in()
    {
        var app = Slipway.Configuration.ManifestLoader.Parse("app: shop\nsource:\n  git: x\naws:\n  stackName: Custom-Name\n", "/nonexistent/slipway.yaml", "aws");
        Assert.Equal(StackTemplate.RolePath, (string?)Templates.Serving(app)["Resources"]!["ExecutionRole"]!["Properties"]!["Path"]);

        var iam = Statements().Where(s => Values(s["Action"]).Any(a => a.StartsWith("iam:", StringComparison.Ordinal))).ToList();
        Assert.NotEmpty(iam);
        foreach (var statement in iam)
        {
            var actions = Values(statement["Action"]).Where(a => a.StartsWith("iam:", StringComparison.Ordinal)).ToList();
            if (actions.SequenceEqual(["iam:CreateServiceLinkedRole"]))
            {
                // Not limitable by resource; limited to the services Slipway uses.
                Assert.NotNull(statement["Condition"]?["StringEquals"]?["iam:AWSServiceName"]);
                continue;
            }
            Assert.All(Values(statement["Resource"]).Where(r => r.StartsWith("arn:aws:iam", StringComparison.Ordinal)),
                r => Assert.Equal("arn:aws:iam::*:role/slipway/*", r));
            Assert.DoesNotContain("*", Values(statement["Resource"]));
        }
        var pass = Assert.Single(iam, s => Values(s["Action"]).Contains("iam:PassRole"));
        Assert.Equal("ecs-tasks.amazonaws.com", (string?)pass["Condition"]!["StringEquals"]!["iam:PassedToService"]);
        var attach = Assert.Single(iam, s => Values(s["Action"]).Contains("iam:AttachRolePolicy"));
        Assert.Equal("arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy", (string?)attach["Condition"]!["ArnEquals"]!["iam:PolicyARN"]);
    }

    [Fact]
    public void Images_are_pushed_only_to_slipways_repositories_and_target_tracking_may_manage_its_alarms()
    {
        var push = Assert.Single(Statements(), s => Values(s["Action"]).Contains("ecr:PutImage"));
        Assert.Equal(["arn:aws:ecr:*:*:repository/slipway/*"], Values(push["Resource"]));
        var actions = Statements().SelectMany(s => Values(s["Action"])).ToHashSet();
        Assert.Superset(new HashSet<string> { "cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms", "cloudwatch:DeleteAlarms" }, actions);
    }
}
