using System.Text.Json.Nodes;
using System.Text.Json;
using Slipway.Configuration;

namespace Slipway.Platforms.Aws;

/// <summary>
/// Generates the app's CloudFormation template from its manifest, so there is no hand-kept template to
/// drift from the code: VPC, two public subnets in two AZs, internet gateway and routes, security groups
/// (the ALB open on its listener port; tasks reachable only from the ALB), an ALB with an HTTP listener and an
/// ip target group health-checking the manifest's path, ECS cluster, ECR repository (scan on push, lifecycle),
/// log group, task execution role, Fargate task definition and service (minimum healthy 100 %, maximum 200 %,
/// circuit breaker with rollback).
/// </summary>
/// <remarks>
/// CloudFormation is the one owner of the service: the release (image, version, fingerprint, secret names) is
/// rendered into the template's task definition, so every deploy and rollback is a stack update that ECS rolls
/// out under its circuit breaker, and a failed one is rolled back by CloudFormation to the previous template.
/// Before the first release the template has no task definition and no service (there is no image to run yet).
/// </remarks>
public static partial class StackTemplate
{
    public const string RolePath = "/slipway/";
    public const string VersionKey = "slipway:version";
    public const string FingerprintKey = "slipway:fingerprint";

    /// <summary>
    /// The permissions boundary every role Slipway makes carries (deploy/aws/role-boundary.json, created once by an
    /// administrator under this name): the deploy policy lets the deployer create or change a role only with it, so no
    /// trust policy or inline policy a deployer writes can give a role more than an app's tasks need.
    /// </summary>
    public const string RoleBoundaryName = "slipway/SlipwayRoleBoundary";

    internal static JsonObject RoleBoundary() => new() { ["Fn::Sub"] = $"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:policy/{RoleBoundaryName}" };

    private static JsonObject WithDeletionPolicy(JsonObject resource, string policy)
    {
        resource["DeletionPolicy"] = policy;
        resource["UpdateReplacePolicy"] = policy;
        return resource;
    }

    public static string StackName(AppManifest app) => app.Aws().StackName ?? $"slipway-{app.App}";
    public static string RepositoryName(AppManifest app) => $"slipway/{app.App}";
    public static string ContainerName(AppManifest app) => app.App;
    // Names are set explicitly in the template, so Slipway finds its resources without reading stack outputs.
    public static string ClusterName(AppManifest app) => StackName(app);
    public static string ServiceName(AppManifest app) => app.App;
    public static string LogGroupName(AppManifest app) => $"/slipway/{app.App}";
    public static string SecretParameter(AppManifest app, string secret) => $"/slipway/{app.App}/{secret}";

    /// <summary>
    /// The template as CloudFormation is sent it: compact JSON, since an inline template may be at most 51,200 bytes
    /// (<see cref="InlineLimit"/>); <paramref name="indented"/> for a person to read (<c>slipway package</c>).
    /// </summary>
    public static string Render(AppManifest app, JsonObject? release, DriftRepairTags? repair = null, JsonObject? maintenance = null, bool indented = false) =>
        Build(app, release, repair, maintenance).ToJsonString(new JsonSerializerOptions { WriteIndented = indented });

    /// <summary>CloudFormation's limit on a TemplateBody, in bytes (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html).</summary>
    public const int InlineLimit = 51_200;

    /// <param name="release">The task definition resource of the release to serve (<see cref="Release"/>, or the
    /// deployed template's own); null before the first release: no task definition and no service.</param>
    /// <param name="maintenance">The maintenance rule to keep (<see cref="MaintenanceRule"/>, or the deployed template's own); null: the app serves.</param>
    public static JsonObject Build(AppManifest app, JsonObject? release, DriftRepairTags? repair = null, JsonObject? maintenance = null)
    {
        var health = AlbHealthCheck.From(app.HealthCheck);
        var resources = new JsonObject
        {
            ["LoadBalancerSecurityGroup"] = Resource("AWS::EC2::SecurityGroup", new JsonObject
            {
                ["GroupDescription"] = $"{app.App}: load balancer, open on its listener port",
                ["VpcId"] = Vpc(app),
                ["SecurityGroupIngress"] = new JsonArray(PublicPorts(app).Select(port => (JsonNode)new JsonObject
                {
                    ["IpProtocol"] = "tcp", ["FromPort"] = port, ["ToPort"] = port, ["CidrIp"] = "0.0.0.0/0",
                }).ToArray()),
            }),
            ["TaskSecurityGroup"] = Resource("AWS::EC2::SecurityGroup", new JsonObject
            {
                ["GroupDescription"] = $"{app.App}: tasks, reachable only from the load balancer",
                ["VpcId"] = Vpc(app),
                ["SecurityGroupIngress"] = new JsonArray(new JsonObject
                {
                    ["IpProtocol"] = "tcp", ["FromPort"] = app.Port, ["ToPort"] = app.Port,
                    ["SourceSecurityGroupId"] = Ref("LoadBalancerSecurityGroup"),
                }),
            }),
            // An internet-facing load balancer needs the gateway attached before it is created and after it is
            // deleted, which no Ref implies: AWS documents it under "When a DependsOn attribute is required"
            // (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-dependson.html#gatewayattachment).
            ["LoadBalancer"] = Resource("AWS::ElasticLoadBalancingV2::LoadBalancer", new JsonObject
            {
                ["Type"] = "application", ["Scheme"] = "internet-facing",
                ["Subnets"] = PublicSubnets(app),
                ["SecurityGroups"] = new JsonArray(Ref("LoadBalancerSecurityGroup")),
            }, app.Aws().ExistingVpc is null ? ["GatewayAttachment"] : []),
            ["TargetGroup"] = Resource("AWS::ElasticLoadBalancingV2::TargetGroup", new JsonObject
            {
                ["VpcId"] = Vpc(app), ["Protocol"] = "HTTP", ["Port"] = app.Port, ["TargetType"] = "ip",
                ["HealthCheckPath"] = app.HealthCheck.Path,
                ["HealthCheckIntervalSeconds"] = health.IntervalSeconds,
                ["HealthCheckTimeoutSeconds"] = health.TimeoutSeconds,
                ["HealthyThresholdCount"] = health.HealthyThreshold,
                ["UnhealthyThresholdCount"] = health.UnhealthyThreshold,
                ["Matcher"] = new JsonObject { ["HttpCode"] = "200-399" },
                ["TargetGroupAttributes"] = new JsonArray(new JsonObject
                {
                    ["Key"] = "deregistration_delay.timeout_seconds", ["Value"] = ((int)Math.Ceiling(app.Drain.TotalSeconds)).ToString(),
                }),
            }),
            ["Cluster"] = Resource("AWS::ECS::Cluster", new JsonObject { ["ClusterName"] = ClusterName(app) }),
            ["Repository"] = Resource("AWS::ECR::Repository", new JsonObject
            {
                ["RepositoryName"] = RepositoryName(app),
                // Deleting the stack deletes the images with the repository, so destroy needs no call outside it.
                ["EmptyOnDelete"] = true,
                ["ImageScanningConfiguration"] = new JsonObject { ["ScanOnPush"] = true },
                ["LifecyclePolicy"] = new JsonObject { ["LifecyclePolicyText"] = LifecyclePolicy(app.Aws().ImagesKept) },
            }),
            // destroy leaves nothing: the app's logs go with its stack, said explicitly (cfn-lint I3011 asks stateful resources to).
            ["LogGroup"] = WithDeletionPolicy(Resource("AWS::Logs::LogGroup", new JsonObject
            {
                ["LogGroupName"] = LogGroupName(app), ["RetentionInDays"] = app.Aws().LogRetentionDays,
            }), "Delete"),
            // Under the /slipway/ path, whatever the stack's name, so that the deploy policy can be limited to
            // Slipway's own roles (deploy/aws/iam-policy.json: role/slipway/*).
            ["ExecutionRole"] = Resource("AWS::IAM::Role", new JsonObject
            {
                ["Path"] = RolePath,
                ["PermissionsBoundary"] = RoleBoundary(),
                ["AssumeRolePolicyDocument"] = new JsonObject
                {
                    ["Version"] = "2012-10-17",
                    ["Statement"] = new JsonArray(new JsonObject
                    {
                        ["Effect"] = "Allow", ["Principal"] = new JsonObject { ["Service"] = "ecs-tasks.amazonaws.com" }, ["Action"] = "sts:AssumeRole",
                    }),
                },
                // The partition is the stack's (aws, aws-cn, aws-us-gov): no ARN in the template names one itself.
                ["ManagedPolicyArns"] = new JsonArray(new JsonObject { ["Fn::Sub"] = "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy" }),
                ["Policies"] = SecretsPolicy(app, release),
            }),
        };
        if (UsesTaskRole(app, release)) resources["TaskRole"] = TaskRole(app, release);
        if (maintenance is not null) resources["MaintenanceRule"] = OnServingListener(app, maintenance);
        foreach (var (name, resource) in Network(app, release).Concat(Listeners(app)).Concat(Dns(app)).Concat(Volumes(app, release)).Concat(Accessories(app)).Concat(Service(app, release)))
            resources[name] = resource;
        if (repair is not null)
        {
            foreach (var logicalId in repair.Resources.Where(id => resources.ContainsKey(id)))
            {
                var properties = resources[logicalId]!["Properties"]!.AsObject();
                var tags = properties["Tags"]?.AsArray() ?? [];
                properties["Tags"] = tags;
                tags.Add((JsonNode)new JsonObject { ["Key"] = DriftRepair.RepairTag, ["Value"] = repair.Nonce });
            }
        }

        var outputs = new JsonObject
        {
                ["LoadBalancerDns"] = Output(GetAtt("LoadBalancer", "DNSName")),
                // A plain value when nothing is substituted (a DNS name): Fn::Sub without a variable is lint (W1020).
                ["PublicUrl"] = Output(PublicUrlTemplate(app) is var url && url.Contains("${", StringComparison.Ordinal)
                    ? new JsonObject { ["Fn::Sub"] = url } : JsonValue.Create(url)),
                ["RepositoryUri"] = Output(GetAtt("Repository", "RepositoryUri")),
                ["ClusterName"] = Output(Ref("Cluster")),
                ["TargetGroupArn"] = Output(Ref("TargetGroup")),
                ["LogGroupName"] = Output(Ref("LogGroup")),
        };
        if (ReleaseOf(release) is { } serving)
        {
            outputs["ServiceName"] = Output(GetAtt("Service", "Name"));
            outputs["Version"] = Output(JsonValue.Create(serving.Version));
            outputs["Fingerprint"] = Output(JsonValue.Create(serving.Fingerprint));
        }
        var template = new JsonObject
        {
            ["AWSTemplateFormatVersion"] = "2010-09-09",
            ["Description"] = $"Slipway: {app.App} on ECS Fargate behind an Application Load Balancer (generated; do not edit)",
        };
        if (Parameters(app, release) is { } parameters) template["Parameters"] = parameters; // absent otherwise: existing stacks stay unchanged
        template["Resources"] = resources;
        template["Outputs"] = outputs;
        return template;
    }

    /// <summary>
    /// Keeps the last <paramref name="imagesKept"/> images, but never the serving release's nor the one before it: "an image
    /// that matches the tagging requirements of a higher priority rule cannot be expired by a rule with a lower priority"
    /// (https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html, lifecycle policy evaluation rules), and
    /// the first two rules select the tags only those two carry (<see cref="AwsImages.ProtectAsync"/>) and never have more
    /// than one image to keep.
    /// </summary>
    public static string LifecyclePolicy(int imagesKept) => new JsonObject
    {
        ["rules"] = new JsonArray(
            Protect(1, AwsImages.ServingTag, "never expire the serving release"),
            Protect(2, AwsImages.PreviousTag, "never expire the release before it (the rollback target)"),
            new JsonObject
            {
                ["rulePriority"] = 3,
                ["description"] = $"keep the last {imagesKept} images",
                ["selection"] = new JsonObject { ["tagStatus"] = "any", ["countType"] = "imageCountMoreThan", ["countNumber"] = imagesKept },
                ["action"] = new JsonObject { ["type"] = "expire" },
            }),
    }.ToJsonString();

    private static JsonObject Protect(int priority, string tag, string description) => new()
    {
        ["rulePriority"] = priority,
        ["description"] = description,
        ["selection"] = new JsonObject
        {
            ["tagStatus"] = "tagged", ["tagPrefixList"] = new JsonArray(tag), ["countType"] = "imageCountMoreThan", ["countNumber"] = 1,
        },
        ["action"] = new JsonObject { ["type"] = "expire" },
    };
}

/// <summary>The release a stack's template serves.</summary>
public sealed record ServingRelease(string Version, string Fingerprint);

/// <summary>Resources to give a new <c>slipway:repair</c> tag value, so CloudFormation re-applies them.</summary>
public sealed record DriftRepairTags(string Nonce, IReadOnlyList<string> Resources);

/// <summary>The manifest's health check within what an ALB target group accepts.</summary>
public sealed record AlbHealthCheck(int IntervalSeconds, int TimeoutSeconds, int HealthyThreshold, int UnhealthyThreshold)
{
    public static AlbHealthCheck From(HealthCheckSpec spec)
    {
        var interval = Math.Clamp((int)Math.Ceiling(spec.Interval.TotalSeconds), 5, 300);
        var timeout = Math.Clamp((int)Math.Ceiling(spec.Timeout.TotalSeconds), 2, Math.Min(120, interval - 1));
        return new AlbHealthCheck(interval, timeout, Math.Clamp(spec.HealthyThreshold, 2, 10), Math.Clamp(spec.UnhealthyThreshold, 2, 10));
    }
}
