using System.Text.Json.Nodes;
using Slipway.Configuration;
using Slipway.Platforms.Aws;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Aws;

/// <summary>
/// The published deploy policy (deploy/aws/iam-policy.json), evaluated as IAM does (<see cref="IamPolicy"/>): it allows
/// what CloudFormation needs for every resource type Slipway's templates contain (deploy/aws/cloudformation-permissions.json,
/// from AWS's resource provider schemas), and it is least privilege where IAM is concerned.
/// </summary>
[Trait("Tier", "unit")]
public sealed class IamPolicyTests
{
    private static string PolicyPath => Path.Combine(RepositoryRoot.Path, "deploy", "aws", "iam-policy.json");
    private static JsonObject Needs => JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "deploy", "aws", "cloudformation-permissions.json")))!.AsObject();

    /// <summary>Every resource type in every template variant the manifest can produce.</summary>
    private static IReadOnlySet<string> TemplateResourceTypes()
    {
        var types = new HashSet<string>();
        foreach (var variant in TemplateLintTests.Variants)
        {
            var (name, aws) = variant.Data;
            var app = Support.Manifests.Parse($"app: shop\nsource:\n  git: x\nsecrets:\n  T:\n    fromEnv: T\n{TemplateLintTests.VolumesOf(name)}{TemplateLintTests.JobsOf(name)}{TemplateLintTests.AccessoriesOf(name)}aws:\n  region: eu-west-1\n{aws}", "/nonexistent/slipway.yaml");
            var template = name switch
            {
                "before-the-first-release" => StackTemplate.Build(app, null),
                "maintenance" => StackTemplate.Build(app, StackTemplate.Release(app, Templates.Version, Templates.Fingerprint),
                    maintenance: StackTemplate.MaintenanceRule(new Slipway.Platforms.MaintenancePage("back soon", IsHtml: false))),
                _ => Templates.Serving(app),
            };
            types.UnionWith(template["Resources"]!.AsObject().Select(r => (string)r.Value!["Type"]!));
            if (app.Volumes.Count > 0)
                types.UnionWith(JsonNode.Parse(StackTemplate.DataTemplate(app))!["Resources"]!.AsObject().Select(r => (string)r.Value!["Type"]!));
        }
        return types;
    }

    [Fact]
    public void The_evaluator_lets_a_deny_win_matches_wildcards_and_checks_conditions()
    {
        var policy = IamPolicy.Parse("""
            {"Statement": [
              {"Effect": "Allow", "Action": ["ec2:Describe*", "iam:PassRole"], "Resource": "*",
               "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}},
              {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"},
              {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/secret"}]}
            """);
        var toTasks = new Dictionary<string, string> { ["iam:PassedToService"] = "ecs-tasks.amazonaws.com" };
        Assert.Equal(IamDecision.Allowed, policy.Evaluate(new("iam:PassRole", "arn:aws:iam::1:role/r", toTasks)));
        Assert.Equal(IamDecision.ImplicitDeny, policy.Evaluate(new("iam:PassRole", "arn:aws:iam::1:role/r",
            new Dictionary<string, string> { ["iam:PassedToService"] = "lambda.amazonaws.com" })));
        Assert.Equal(IamDecision.ImplicitDeny, policy.Evaluate(new("iam:PassRole", "arn:aws:iam::1:role/r")));
        Assert.Equal(IamDecision.Allowed, policy.Evaluate(new("iam:PassRole", "arn:aws:iam::1:role/r"), conditionsHold: true));
        Assert.Equal(IamDecision.Allowed, policy.Evaluate(new("EC2:describeVpcs", "*", toTasks))); // actions ignore case
        Assert.Equal(IamDecision.Allowed, policy.Evaluate(new("s3:GetObject", "arn:aws:s3:::bucket/a")));
        Assert.Equal(IamDecision.ExplicitDeny, policy.Evaluate(new("s3:GetObject", "arn:aws:s3:::bucket/secret")));
        Assert.Equal(IamDecision.ImplicitDeny, policy.Evaluate(new("s3:GetObject", "arn:aws:s3:::Bucket/a"))); // resources do not
        Assert.Throws<NotSupportedException>(() => IamPolicy.Parse("""
            {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020"}}}]}
            """).Evaluate(new("s3:GetObject", "x")));
    }

    [Fact]
    public void CloudFormation_may_create_read_update_and_delete_every_resource_type_the_templates_contain()
    {
        var needs = Needs;
        var known = needs["resourceTypes"]!.AsObject();
        var notNeeded = needs["notNeeded"]!.AsObject();
        var policy = IamPolicy.Load(PolicyPath);

        var types = TemplateResourceTypes();
        Assert.True(types.Count >= 20, string.Join(", ", types));
        Assert.All(types, type => Assert.True(known.ContainsKey(type), $"{type} is in a template but not in cloudformation-permissions.json"));
        var missing = new SortedSet<string>();
        var excused = new HashSet<string>();
        foreach (var type in types)
        foreach (var operation in new[] { "create", "read", "update", "delete" })
        foreach (var action in Values(known[type]![operation]))
        {
            if (notNeeded.ContainsKey($"{action}@{type}")) { excused.Add($"{action}@{type}"); continue; }
            if (notNeeded.ContainsKey(action)) { excused.Add(action); continue; }
            // Action-level: CloudFormation calls with resources of the stack, so only the action is in question here.
            if (!SlipwaysResources.Any(resource => policy.Evaluate(new IamRequest(action, resource), conditionsHold: true) == IamDecision.Allowed))
                missing.Add($"{action} ({type} {operation})");
        }
        Assert.True(missing.Count == 0, "deploy/aws/iam-policy.json does not allow: " + string.Join(", ", missing));
        Assert.DoesNotContain(notNeeded, n => !excused.Contains(n.Key)); // no stale excuse
    }

    /// <summary>A resource of each kind a stack of Slipway's has, named as Slipway names them.</summary>
    private static readonly string[] SlipwaysResources =
    [
        "*", $"arn:aws:iam::123456789012:role{StackTemplate.RolePath}x", "arn:aws:ecs:eu-west-1:1:cluster/slipway-x",
        "arn:aws:ecs:eu-west-1:1:service/slipway-x/x", "arn:aws:ecr:eu-west-1:1:repository/slipway/x", "arn:aws:logs:eu-west-1:1:log-group:/slipway/x",
        "arn:aws:cloudwatch:eu-west-1:1:alarm:TargetTracking-service/slipway-x/x-AlarmHigh-1",
        "arn:aws:scheduler:eu-west-1:1:schedule/default/slipway-x-nightly",
        "arn:aws:events:eu-west-1:1:rule/slipway-x-job-failed", "arn:aws:events:eu-west-1:1:connection/slipway-x-job-failed",
        "arn:aws:events:eu-west-1:1:api-destination/slipway-x-job-failed",
    ];

    private static IReadOnlyList<JsonObject> Statements() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "deploy", "aws", "iam-policy.json")))!["Statement"]!.AsArray()
            .Select(s => s!.AsObject()).ToList();

    private static IEnumerable<string> Values(JsonNode? node) => node is JsonArray many ? many.Select(v => (string)v!) : [(string)node!];


    /// <summary>
    /// Calls whose request names no stack are evaluated against "*": DescribeStackDriftDetectionStatus carries only a detection
    /// ID (its API reference lists no resource ARN), and an interface endpoint with private DNS makes CloudFormation associate
    /// the VPC with AWS's private hosted zone in the deployer's name (route53:AssociateVPCWithHostedZone). Both in the
    /// published policy and in the one narrowed to an app.
    /// </summary>
    [Theory]
    [InlineData("cloudformation:DescribeStackDriftDetectionStatus")]
    [InlineData("route53:AssociateVPCWithHostedZone")]
    public void Calls_that_name_no_resource_of_the_stack_are_allowed_on_any(string action)
    {
        var app = Support.Manifests.Parse("app: shop\nsource:\n  git: x\naws:\n  region: eu-west-1\n  subnets: private\n", "/nonexistent/slipway.yaml", "aws");

        Assert.Equal(IamDecision.Allowed, IamPolicy.Load(PolicyPath).Evaluate(new IamRequest(action, "*")));
        Assert.Equal(IamDecision.Allowed, IamPolicy.Parse(DeployPolicy.For(app)).Evaluate(new IamRequest(action, "*")));
    }

    private const string OurBoundary = "arn:aws:iam::123456789012:policy/slipway/SlipwayRoleBoundary";
    private const string SomeRole = "arn:aws:iam::123456789012:role/slipway/x";

    private static Dictionary<string, string> Boundary(string arn) => new() { ["iam:PermissionsBoundary"] = arn };

    /// <summary>
    /// The review's escalation: create /slipway/x trusting any account with an inline *:* policy, or pass such a role to a
    /// task. Every role write needs Slipway's boundary on the role, which caps it at what an app's tasks need whatever its
    /// trust or inline policies say; the boundary cannot be removed or swapped.
    /// </summary>
    [Fact]
    public void A_deployer_cannot_make_a_role_beyond_the_boundary_so_cannot_become_administrator()
    {
        foreach (var policy in new[] { IamPolicy.Load(PolicyPath), IamPolicy.Parse(DeployPolicy.For(Support.Manifests.Parse(
                     "app: shop\nsource:\n  git: x\naws:\n  region: eu-west-1\n", "/nonexistent/slipway.yaml", "aws"))) })
        {
            Assert.Equal(IamDecision.ImplicitDeny, policy.Evaluate(new IamRequest("iam:CreateRole", SomeRole)));
            Assert.Equal(IamDecision.ImplicitDeny, policy.Evaluate(new IamRequest("iam:CreateRole", SomeRole,
                Boundary("arn:aws:iam::123456789012:policy/AdministratorAccess"))));
            Assert.Equal(IamDecision.ImplicitDeny, policy.Evaluate(new IamRequest("iam:PutRolePolicy", SomeRole)));
            Assert.Equal(IamDecision.ExplicitDeny, policy.Evaluate(new IamRequest("iam:DeleteRolePermissionsBoundary", SomeRole, Boundary(OurBoundary))));
            Assert.Equal(IamDecision.ExplicitDeny, policy.Evaluate(new IamRequest("iam:PutRolePermissionsBoundary", SomeRole,
                Boundary("arn:aws:iam::123456789012:policy/slipway/Other"))));

            Assert.Equal(IamDecision.Allowed, policy.Evaluate(new IamRequest("iam:CreateRole", SomeRole, Boundary(OurBoundary))));
            Assert.Equal(IamDecision.Allowed, policy.Evaluate(new IamRequest("iam:PutRolePolicy", SomeRole, Boundary(OurBoundary))));
            Assert.Equal(IamDecision.Allowed, policy.Evaluate(new IamRequest("iam:PutRolePermissionsBoundary", SomeRole, Boundary(OurBoundary))));
            Assert.Equal(IamDecision.ImplicitDeny, policy.Evaluate(new IamRequest("iam:CreatePolicyVersion", "arn:aws:iam::123456789012:policy/slipway/SlipwayRoleBoundary")));
        }
    }

    /// <summary>Every role the stack makes carries the boundary; the boundary allows only what an app's tasks need.</summary>
    [Fact]
    public void Every_role_in_a_template_carries_the_boundary_which_grants_only_what_tasks_need()
    {
        var app = Support.Manifests.Parse("app: shop\nsource:\n  git: x\naws:\n  region: eu-west-1\n  exec: true\n", "/nonexistent/slipway.yaml", "aws");
        var roles = Templates.Serving(app)["Resources"]!.AsObject().Where(r => (string?)r.Value!["Type"] == "AWS::IAM::Role").ToList();

        Assert.Equal(["ExecutionRole", "TaskRole"], roles.Select(r => r.Key).Order());
        Assert.All(roles, r => Assert.Equal($"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:policy/{StackTemplate.RoleBoundaryName}",
            (string?)r.Value!["Properties"]!["PermissionsBoundary"]!["Fn::Sub"]));
        var boundary = IamPolicy.Load(Path.Combine(RepositoryRoot.Path, "deploy", "aws", "role-boundary.json"));
        Assert.Equal(IamDecision.ImplicitDeny, boundary.Evaluate(new IamRequest("iam:CreateRole", "*"), conditionsHold: true));
        Assert.Equal(IamDecision.ImplicitDeny, boundary.Evaluate(new IamRequest("s3:GetObject", "*"), conditionsHold: true));
        Assert.Equal(IamDecision.Allowed, boundary.Evaluate(new IamRequest("ecr:BatchGetImage", "*")));
        Assert.Equal(IamDecision.Allowed, boundary.Evaluate(new IamRequest("logs:PutLogEvents", "arn:aws:logs:eu-west-1:1:log-group:/slipway/shop:log-stream:x")));
    }

    /// <summary>
    /// The review's list of destructive actions that reached every resource: each now reaches only Slipway's own resources
    /// (by name, or by the stack's tag), and in the policy narrowed to an app only that app's.
    /// </summary>
    [Theory]
    [InlineData("ecs:DeleteService", "arn:aws:ecs:eu-west-1:1:service/slipway-shop/shop", "arn:aws:ecs:eu-west-1:1:service/prod-cluster/billing")]
    [InlineData("ecs:UpdateService", "arn:aws:ecs:eu-west-1:1:service/slipway-shop/shop", "arn:aws:ecs:eu-west-1:1:service/slipway-other/other")]
    [InlineData("ecs:DeleteCluster", "arn:aws:ecs:eu-west-1:1:cluster/slipway-shop", "arn:aws:ecs:eu-west-1:1:cluster/slipway-other")]
    [InlineData("ecr:DeleteRepository", "arn:aws:ecr:eu-west-1:1:repository/slipway/shop", "arn:aws:ecr:eu-west-1:1:repository/slipway/other")]
    [InlineData("ecr:PutImage", "arn:aws:ecr:eu-west-1:1:repository/slipway/shop", "arn:aws:ecr:eu-west-1:1:repository/slipway/other")]
    [InlineData("logs:DeleteLogGroup", "arn:aws:logs:eu-west-1:1:log-group:/slipway/shop", "arn:aws:logs:eu-west-1:1:log-group:/slipway/other")]
    [InlineData("ssm:PutParameter", "arn:aws:ssm:eu-west-1:1:parameter/slipway/shop/TOKEN", "arn:aws:ssm:eu-west-1:1:parameter/slipway/other/TOKEN")]
    [InlineData("cloudwatch:DeleteAlarms", "arn:aws:cloudwatch:eu-west-1:1:alarm:TargetTracking-service/slipway-shop/shop-AlarmHigh-1", "arn:aws:cloudwatch:eu-west-1:1:alarm:billing-high")]
    [InlineData("route53:ChangeResourceRecordSets", "arn:aws:route53:::hostedzone/Z123", "arn:aws:route53:::hostedzone/ZOTHER")]
    public void Destructive_actions_reach_only_the_apps_own_resources_in_its_narrowed_policy(string action, string own, string others)
    {
        var app = Support.Manifests.Parse("app: shop\nsource:\n  git: x\naws:\n  region: eu-west-1\n  dns:\n    hostedZoneId: Z123\n    name: shop.example.com\n",
            "/nonexistent/slipway.yaml", "aws");
        var narrowed = IamPolicy.Parse(DeployPolicy.For(app));

        Assert.Equal(IamDecision.Allowed, narrowed.Evaluate(new IamRequest(action, own)));
        Assert.NotEqual(IamDecision.Allowed, narrowed.Evaluate(new IamRequest(action, others)));
    }

    [Theory]
    [InlineData("elasticloadbalancing:DeleteLoadBalancer")]
    [InlineData("ec2:DeleteRoute")]
    [InlineData("ec2:DetachInternetGateway")]
    [InlineData("ec2:DeleteVpcEndpoints")]
    public void Network_and_load_balancer_changes_need_the_stacks_tag(string action)
    {
        var policy = IamPolicy.Load(PolicyPath);
        var tagged = new Dictionary<string, string> { [DeployPolicy.StackNameTag] = "slipway-shop" };

        Assert.Equal(IamDecision.Allowed, policy.Evaluate(new IamRequest(action, "arn:aws:ec2:eu-west-1:1:x/y", tagged)));
        Assert.Equal(IamDecision.ImplicitDeny, policy.Evaluate(new IamRequest(action, "arn:aws:ec2:eu-west-1:1:x/y")));
    }

    [Fact]
    public void Role_actions_reach_only_roles_under_the_slipway_path_the_template_puts_them_in()
    {
        var app = Support.Manifests.Parse("app: shop\nsource:\n  git: x\naws:\n  stackName: Custom-Name\n", "/nonexistent/slipway.yaml", "aws");
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
        // To the tasks they run as, and to EventBridge Scheduler, which starts the jobs' tasks as their own role.
        Assert.Equal(["ecs-tasks.amazonaws.com", "scheduler.amazonaws.com", "events.amazonaws.com"], Values(pass["Condition"]!["StringEquals"]!["iam:PassedToService"]));
        var attach = Assert.Single(iam, s => Values(s["Action"]).Contains("iam:AttachRolePolicy"));
        Assert.Equal("arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy", (string?)attach["Condition"]!["ArnEquals"]!["iam:PolicyARN"]);
    }

    [Fact]
    public void Network_deletes_and_rule_changes_reach_only_what_a_slipway_stack_made()
    {
        var policy = IamPolicy.Load(PolicyPath);
        var deletes = new[] { "ec2:DeleteVpc", "ec2:DeleteSubnet", "ec2:DeleteSecurityGroup", "ec2:DeleteRouteTable", "ec2:DeleteNatGateway",
            "ec2:ReleaseAddress", "ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress" };
        Dictionary<string, string> MadeBy(string stack) => new() { ["aws:ResourceTag/aws:cloudformation:stack-name"] = stack };
        Assert.All(deletes, action =>
        {
            Assert.Equal(IamDecision.Allowed, policy.Evaluate(new(action, "arn:aws:ec2:eu-west-1:123456789012:x/1", MadeBy("slipway-shop"))));
            Assert.Equal(IamDecision.ImplicitDeny, policy.Evaluate(new(action, "arn:aws:ec2:eu-west-1:123456789012:x/1", MadeBy("payments"))));
            Assert.Equal(IamDecision.ImplicitDeny, policy.Evaluate(new(action, "arn:aws:ec2:eu-west-1:123456789012:x/1")));
        });
        // The tag is CloudFormation's own, on every type whose schema says it applies it (cloudFormationSystemTags):
        // VPC, Subnet, SecurityGroup, RouteTable, NatGateway, EIP, in their resource provider schemas.
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
