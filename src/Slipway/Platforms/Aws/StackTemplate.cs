using System.Text.Json;
using System.Text.Json.Nodes;
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
public static class StackTemplate
{
    public const string RolePath = "/slipway/";
    public const string VersionKey = "slipway:version";
    public const string FingerprintKey = "slipway:fingerprint";

    public static string StackName(AppManifest app) => app.Aws.StackName ?? $"slipway-{app.App}";
    public static string RepositoryName(AppManifest app) => $"slipway/{app.App}";
    public static string ContainerName(AppManifest app) => app.App;
    // Names are set explicitly in the template, so Slipway finds its resources without reading stack outputs.
    public static string ClusterName(AppManifest app) => StackName(app);
    public static string ServiceName(AppManifest app) => app.App;
    public static string SecretParameter(AppManifest app, string secret) => $"/slipway/{app.App}/{secret}";

    public static string Render(AppManifest app, JsonObject? release, DriftRepairTags? repair = null) =>
        Build(app, release, repair).ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    /// <param name="release">The task definition resource of the release to serve (<see cref="Release"/>, or the
    /// deployed template's own); null before the first release: no task definition and no service.</param>
    public static JsonObject Build(AppManifest app, JsonObject? release, DriftRepairTags? repair = null)
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
            }, app.Aws.ExistingVpc is null ? ["GatewayAttachment"] : []),
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
                ["LifecyclePolicy"] = new JsonObject { ["LifecyclePolicyText"] = LifecyclePolicy(app.Aws.ImagesKept) },
            }),
            ["LogGroup"] = Resource("AWS::Logs::LogGroup", new JsonObject
            {
                ["LogGroupName"] = $"/slipway/{app.App}", ["RetentionInDays"] = app.Aws.LogRetentionDays,
            }),
            // Under the /slipway/ path, whatever the stack's name, so that the deploy policy can be limited to
            // Slipway's own roles (deploy/aws/iam-policy.json: role/slipway/*).
            ["ExecutionRole"] = Resource("AWS::IAM::Role", new JsonObject
            {
                ["Path"] = RolePath,
                ["AssumeRolePolicyDocument"] = new JsonObject
                {
                    ["Version"] = "2012-10-17",
                    ["Statement"] = new JsonArray(new JsonObject
                    {
                        ["Effect"] = "Allow", ["Principal"] = new JsonObject { ["Service"] = "ecs-tasks.amazonaws.com" }, ["Action"] = "sts:AssumeRole",
                    }),
                },
                ["ManagedPolicyArns"] = new JsonArray("arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"),
                ["Policies"] = SecretsPolicy(app, release),
            }),
        };
        foreach (var (name, resource) in Network(app, release).Concat(Listeners(app)).Concat(Dns(app)).Concat(Service(app, release)))
            resources[name] = resource;
        if (repair is not null)
        {
            foreach (var logicalId in repair.Resources.Where(id => resources.ContainsKey(id)))
            {
                var properties = resources[logicalId]!["Properties"]!.AsObject();
                var tags = properties["Tags"]?.AsArray() ?? [];
                properties["Tags"] = tags;
                tags.Add(new JsonObject { ["Key"] = DriftRepair.RepairTag, ["Value"] = repair.Nonce });
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
        return new JsonObject
        {
            ["AWSTemplateFormatVersion"] = "2010-09-09",
            ["Description"] = $"Slipway: {app.App} on ECS Fargate behind an Application Load Balancer (generated; do not edit)",
            ["Resources"] = resources,
            ["Outputs"] = outputs,
        };
    }

    /// <summary>
    /// The task definition resource of one release: the image of <paramref name="version"/>, the manifest's
    /// environment, the secrets by name (ECS reads their values from SSM when a task starts), the Fargate size and
    /// architecture. Its metadata names the release, so the deployed template says what serves.
    /// </summary>
    /// <param name="registry">A registry to pull from instead of the stack's ECR repository (tests use a local one).</param>
    public static JsonObject Release(AppManifest app, string version, string fingerprint, string? registry = null)
    {
        var resource = Resource("AWS::ECS::TaskDefinition", new JsonObject
        {
            ["Family"] = StackName(app),
            ["Cpu"] = app.Aws.Cpu.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Memory"] = app.Aws.Memory.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["NetworkMode"] = "awsvpc",
            ["RequiresCompatibilities"] = new JsonArray("FARGATE"),
            ["RuntimePlatform"] = new JsonObject
            {
                ["CpuArchitecture"] = app.Aws.Architecture.EcsName(), ["OperatingSystemFamily"] = "LINUX",
            },
            ["ExecutionRoleArn"] = GetAtt("ExecutionRole", "Arn"),
            ["ContainerDefinitions"] = new JsonArray(Container(app, version, fingerprint, registry)),
        });
        resource["Metadata"] = new JsonObject { [VersionKey] = version, [FingerprintKey] = fingerprint };
        return resource;
    }

    /// <summary>The version and fingerprint a task definition resource of <see cref="Release"/> carries; null for none.</summary>
    public static ServingRelease? ReleaseOf(JsonObject? release) =>
        release?["Metadata"]?[VersionKey]?.GetValue<string>() is { } version
            ? new ServingRelease(version, release["Metadata"]?[FingerprintKey]?.GetValue<string>() ?? "")
            : null;

    /// <summary>The task definition resource of a deployed template (as GetTemplate returns it); null when it has none.</summary>
    public static JsonObject? ReleaseIn(string templateBody) =>
        JsonNode.Parse(templateBody)?["Resources"]?["TaskDefinition"] is JsonObject resource ? (JsonObject)resource.DeepClone() : null;

    private static JsonObject Container(AppManifest app, string version, string fingerprint, string? registry)
    {
        var container = new JsonObject
        {
            ["Name"] = ContainerName(app),
            ["Image"] = registry is null
                ? new JsonObject { ["Fn::Sub"] = "${Repository.RepositoryUri}:" + version }
                : JsonValue.Create($"{registry}/{RepositoryName(app)}:{version}"),
            ["Essential"] = true,
            ["PortMappings"] = new JsonArray(new JsonObject { ["ContainerPort"] = app.Port, ["Protocol"] = "tcp" }),
            ["Environment"] = new JsonArray(Environment(app, version, fingerprint)
                .Select(e => (JsonNode)new JsonObject { ["Name"] = e.Key, ["Value"] = e.Value }).ToArray()),
            ["LogConfiguration"] = new JsonObject
            {
                ["LogDriver"] = "awslogs",
                ["Options"] = new JsonObject
                {
                    ["awslogs-group"] = Ref("LogGroup"), ["awslogs-region"] = new JsonObject { ["Ref"] = "AWS::Region" },
                    ["awslogs-stream-prefix"] = app.App,
                },
            },
        };
        if (app.User is { } user) container["User"] = user;
        if (app.Secrets.Count > 0)
            container["Secrets"] = new JsonArray(app.Secrets.Keys.Order(StringComparer.Ordinal)
                .Select(name => (JsonNode)new JsonObject { ["Name"] = name, ["ValueFrom"] = SecretParameter(app, name) }).ToArray());
        return container;
    }

    /// <summary>
    /// The service running the release, with its scaling. Without autoscaling it runs the manifest's replicas;
    /// with it, DesiredCount is left out so that a stack update never resets what the scaler chose: CloudFormation
    /// then starts a new service with 1 task and leaves an existing service's count alone
    /// (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ecs-service.html#cfn-ecs-service-desiredcount).
    /// </summary>
    private static IEnumerable<(string, JsonObject)> Service(AppManifest app, JsonObject? release)
    {
        if (release is null) yield break;
        yield return ("TaskDefinition", release);
        var properties = new JsonObject
        {
            ["Cluster"] = Ref("Cluster"),
            ["ServiceName"] = ServiceName(app),
            ["TaskDefinition"] = Ref("TaskDefinition"),
            ["LaunchType"] = "FARGATE",
            ["HealthCheckGracePeriodSeconds"] = (int)Math.Ceiling(app.HealthCheck.StartPeriod.TotalSeconds),
            ["DeploymentConfiguration"] = new JsonObject
            {
                ["MinimumHealthyPercent"] = 100, ["MaximumPercent"] = 200,
                ["DeploymentCircuitBreaker"] = new JsonObject { ["Enable"] = true, ["Rollback"] = true },
            },
            ["NetworkConfiguration"] = new JsonObject
            {
                ["AwsvpcConfiguration"] = new JsonObject
                {
                    ["AssignPublicIp"] = app.Aws.PrivateSubnets ? "DISABLED" : "ENABLED",
                    ["Subnets"] = TaskSubnets(app),
                    ["SecurityGroups"] = new JsonArray(Ref("TaskSecurityGroup")),
                },
            },
            ["LoadBalancers"] = new JsonArray(new JsonObject
            {
                ["ContainerName"] = ContainerName(app), ["ContainerPort"] = app.Port, ["TargetGroupArn"] = Ref("TargetGroup"),
            }),
        };
        if (app.Aws.Autoscaling is null) properties["DesiredCount"] = app.Replicas;
        var service = Resource("AWS::ECS::Service", properties, ServiceDependencies(app));
        // The release it runs, readable in the template; also a change of the service's own definition for an
        // emulator that does not follow a replaced task definition's Ref (moto).
        service["Metadata"] = new JsonObject { [VersionKey] = ReleaseOf(release)?.Version };
        yield return ("Service", service);
        foreach (var scaling in Autoscaling(app)) yield return scaling;
    }

    /// <summary>
    /// What the service needs before its tasks can start and be reached, which no Ref implies: the listener that
    /// forwards to its target group, and in private subnets the routes or endpoints that reach ECR and CloudWatch.
    /// </summary>
    private static string[] ServiceDependencies(AppManifest app)
    {
        var dependencies = new List<string> { app.Aws.CertificateArn is null ? "HttpListener" : "HttpsListener" };
        if (app.Aws is { PrivateSubnets: true, ExistingVpc: null })
        {
            dependencies.AddRange(["PrivateSubnet1Routes", "PrivateSubnet2Routes"]);
            dependencies.AddRange(app.Aws.Egress == EgressMode.Nat
                ? ["PrivateDefaultRoute1", "PrivateDefaultRoute2"]
                : EndpointServices(app.Secrets.Count > 0).Select(e => e.Name).Append("S3Endpoint"));
        }
        return [.. dependencies];
    }

    /// <summary>
    /// What a Fargate task reaches AWS through without internet access, one endpoint each: ECR's API and registry,
    /// CloudWatch Logs, and SSM Parameter Store when it has secrets (ECS reads them when a task starts).
    /// </summary>
    private static (string Name, string Service)[] EndpointServices(bool secrets) => secrets
        ? [("EcrApiEndpoint", "ecr.api"), ("EcrDockerEndpoint", "ecr.dkr"), ("LogsEndpoint", "logs"), ("SsmEndpoint", "ssm")]
        : [("EcrApiEndpoint", "ecr.api"), ("EcrDockerEndpoint", "ecr.dkr"), ("LogsEndpoint", "logs")];


    /// <summary>Environment of the container: the manifest's plain env plus the release's identity.</summary>
    private static IEnumerable<KeyValuePair<string, JsonNode>> Environment(AppManifest app, string version, string fingerprint)
    {
        foreach (var (key, value) in app.Env.Where(e => !app.Secrets.ContainsKey(e.Key)).OrderBy(e => e.Key, StringComparer.Ordinal))
            yield return new(key, JsonValue.Create(value)!);
        yield return new("SLIPWAY_APP", JsonValue.Create(app.App)!);
        yield return new("SLIPWAY_VERSION", JsonValue.Create(version)!);
        yield return new("SLIPWAY_FINGERPRINT", JsonValue.Create(fingerprint)!);
    }


    /// <summary>The URL users reach: the DNS name when one is set, HTTPS when a certificate is.</summary>
    public static string PublicUrlTemplate(AppManifest app)
    {
        var host = app.Aws.Dns?.Name ?? "${LoadBalancer.DNSName}";
        return app.Aws.CertificateArn is not null ? $"https://{host}/"
            : app.Aws.ListenerPort == 80 ? $"http://{host}/" : $"http://{host}:{app.Aws.ListenerPort}/";
    }

    /// <summary>
    /// Whether tasks read secrets: the manifest's, or the serving release's (kept until a release without them
    /// replaces it, so that an infrastructure change never stops a serving release from starting tasks).
    /// </summary>
    private static bool ReadsSecrets(AppManifest app, JsonObject? release) =>
        app.Secrets.Count > 0 || release?["Properties"]?["ContainerDefinitions"]?.AsArray().Any(c => c?["Secrets"] is not null) == true;

    /// <summary>Lets ECS read the app's secret parameters (and nothing else) when it starts a task.</summary>
    private static JsonArray SecretsPolicy(AppManifest app, JsonObject? release) => !ReadsSecrets(app, release) ? [] : new JsonArray(new JsonObject
    {
        ["PolicyName"] = "read-secrets",
        ["PolicyDocument"] = new JsonObject
        {
            ["Version"] = "2012-10-17",
            ["Statement"] = new JsonArray(new JsonObject
            {
                ["Effect"] = "Allow", ["Action"] = new JsonArray("ssm:GetParameters"),
                ["Resource"] = new JsonObject { ["Fn::Sub"] = $"arn:aws:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter/slipway/{app.App}/*" },
            }),
        },
    });

    private static int[] PublicPorts(AppManifest app) => app.Aws.CertificateArn is null ? [app.Aws.ListenerPort] : [80, 443];

    private static JsonNode Vpc(AppManifest app) => app.Aws.ExistingVpc is { } existing ? JsonValue.Create(existing.VpcId)! : Ref("Vpc");

    private static JsonArray PublicSubnets(AppManifest app) => app.Aws.ExistingVpc is { } existing
        ? new JsonArray(existing.PublicSubnetIds.Select(id => (JsonNode)JsonValue.Create(id)!).ToArray())
        : new JsonArray(Ref("PublicSubnet1"), Ref("PublicSubnet2"));

    private static JsonArray TaskSubnets(AppManifest app) => !app.Aws.PrivateSubnets ? PublicSubnets(app)
        : app.Aws.ExistingVpc is { } existing
            ? new JsonArray(existing.PrivateSubnetIds.Select(id => (JsonNode)JsonValue.Create(id)!).ToArray())
            : new JsonArray(Ref("PrivateSubnet1"), Ref("PrivateSubnet2"));

    /// <summary>The VPC and what routes it, unless an existing VPC is used; private subnets with their egress when asked.</summary>
    private static IEnumerable<(string, JsonObject)> Network(AppManifest app, JsonObject? release)
    {
        if (app.Aws.ExistingVpc is not null) yield break;
        yield return ("Vpc", Resource("AWS::EC2::VPC", new JsonObject
        {
            ["CidrBlock"] = app.Aws.VpcCidr, ["EnableDnsSupport"] = true, ["EnableDnsHostnames"] = true, ["Tags"] = NameTag(app, "vpc"),
        }));
        yield return ("InternetGateway", Resource("AWS::EC2::InternetGateway", new JsonObject { ["Tags"] = NameTag(app, "igw") }));
        yield return ("GatewayAttachment", Resource("AWS::EC2::VPCGatewayAttachment", new JsonObject
        {
            ["VpcId"] = Ref("Vpc"), ["InternetGatewayId"] = Ref("InternetGateway"),
        }));
        yield return ("PublicSubnet1", Subnet(app, 0, "public-1", isPublic: true));
        yield return ("PublicSubnet2", Subnet(app, 1, "public-2", isPublic: true));
        yield return ("PublicRouteTable", Resource("AWS::EC2::RouteTable", new JsonObject { ["VpcId"] = Ref("Vpc") }));
        yield return ("DefaultRoute", Resource("AWS::EC2::Route", new JsonObject
        {
            ["RouteTableId"] = Ref("PublicRouteTable"), ["DestinationCidrBlock"] = "0.0.0.0/0", ["GatewayId"] = Ref("InternetGateway"),
        }, "GatewayAttachment"));
        for (var i = 1; i <= 2; i++)
            yield return ($"PublicSubnet{i}Routes", Resource("AWS::EC2::SubnetRouteTableAssociation", new JsonObject
            {
                ["SubnetId"] = Ref($"PublicSubnet{i}"), ["RouteTableId"] = Ref("PublicRouteTable"),
            }));
        if (!app.Aws.PrivateSubnets) yield break;

        for (var i = 1; i <= 2; i++)
        {
            yield return ($"PrivateSubnet{i}", Subnet(app, i + 1, $"private-{i}", isPublic: false));
            yield return ($"PrivateRouteTable{i}", Resource("AWS::EC2::RouteTable", new JsonObject { ["VpcId"] = Ref("Vpc") }));
            yield return ($"PrivateSubnet{i}Routes", Resource("AWS::EC2::SubnetRouteTableAssociation", new JsonObject
            {
                ["SubnetId"] = Ref($"PrivateSubnet{i}"), ["RouteTableId"] = Ref($"PrivateRouteTable{i}"),
            }));
            if (app.Aws.Egress == EgressMode.Nat)
            {
                yield return ($"NatAddress{i}", Resource("AWS::EC2::EIP", new JsonObject { ["Domain"] = "vpc" }, "GatewayAttachment"));
                yield return ($"NatGateway{i}", Resource("AWS::EC2::NatGateway", new JsonObject
                {
                    ["AllocationId"] = GetAtt($"NatAddress{i}", "AllocationId"), ["SubnetId"] = Ref($"PublicSubnet{i}"),
                }));
                yield return ($"PrivateDefaultRoute{i}", Resource("AWS::EC2::Route", new JsonObject
                {
                    ["RouteTableId"] = Ref($"PrivateRouteTable{i}"), ["DestinationCidrBlock"] = "0.0.0.0/0", ["NatGatewayId"] = Ref($"NatGateway{i}"),
                }));
            }
        }
        if (app.Aws.Egress == EgressMode.Endpoints)
        {
            // What a Fargate task needs without internet access: pull from ECR (API, registry, layers in S3) and ship logs.
            yield return ("EndpointSecurityGroup", Resource("AWS::EC2::SecurityGroup", new JsonObject
            {
                ["GroupDescription"] = $"{app.App}: VPC endpoints, HTTPS from the tasks",
                ["VpcId"] = Ref("Vpc"),
                ["SecurityGroupIngress"] = new JsonArray(new JsonObject
                {
                    ["IpProtocol"] = "tcp", ["FromPort"] = 443, ["ToPort"] = 443, ["SourceSecurityGroupId"] = Ref("TaskSecurityGroup"),
                }),
            }));
            foreach (var (name, service) in EndpointServices(ReadsSecrets(app, release)))
                yield return (name, Resource("AWS::EC2::VPCEndpoint", new JsonObject
                {
                    ["VpcId"] = Ref("Vpc"), ["VpcEndpointType"] = "Interface", ["PrivateDnsEnabled"] = true,
                    ["ServiceName"] = new JsonObject { ["Fn::Sub"] = $"com.amazonaws.${{AWS::Region}}.{service}" },
                    ["SubnetIds"] = new JsonArray(Ref("PrivateSubnet1"), Ref("PrivateSubnet2")),
                    ["SecurityGroupIds"] = new JsonArray(Ref("EndpointSecurityGroup")),
                }));
            yield return ("S3Endpoint", Resource("AWS::EC2::VPCEndpoint", new JsonObject
            {
                ["VpcId"] = Ref("Vpc"), ["VpcEndpointType"] = "Gateway",
                ["ServiceName"] = new JsonObject { ["Fn::Sub"] = "com.amazonaws.${AWS::Region}.s3" },
                ["RouteTableIds"] = new JsonArray(Ref("PrivateRouteTable1"), Ref("PrivateRouteTable2")),
            }));
        }
    }

    /// <summary>HTTP forwarding; with a certificate, HTTPS forwarding and HTTP redirecting to it.</summary>
    private static IEnumerable<(string, JsonObject)> Listeners(AppManifest app)
    {
        var forward = new JsonArray(new JsonObject { ["Type"] = "forward", ["TargetGroupArn"] = Ref("TargetGroup") });
        if (app.Aws.CertificateArn is null)
        {
            yield return ("HttpListener", Resource("AWS::ElasticLoadBalancingV2::Listener", new JsonObject
            {
                ["LoadBalancerArn"] = Ref("LoadBalancer"), ["Port"] = app.Aws.ListenerPort, ["Protocol"] = "HTTP", ["DefaultActions"] = forward,
            }));
            yield break;
        }
        yield return ("HttpsListener", Resource("AWS::ElasticLoadBalancingV2::Listener", new JsonObject
        {
            ["LoadBalancerArn"] = Ref("LoadBalancer"), ["Port"] = 443, ["Protocol"] = "HTTPS",
            ["SslPolicy"] = TlsPolicy,
            ["Certificates"] = new JsonArray(new JsonObject { ["CertificateArn"] = app.Aws.CertificateArn }),
            ["DefaultActions"] = forward,
        }));
        yield return ("HttpListener", Resource("AWS::ElasticLoadBalancingV2::Listener", new JsonObject
        {
            ["LoadBalancerArn"] = Ref("LoadBalancer"), ["Port"] = 80, ["Protocol"] = "HTTP",
            ["DefaultActions"] = new JsonArray(new JsonObject
            {
                ["Type"] = "redirect",
                ["RedirectConfig"] = new JsonObject { ["Protocol"] = "HTTPS", ["Port"] = "443", ["StatusCode"] = "HTTP_301" },
            }),
        }));
    }

    /// <summary>A modern policy: TLS 1.3 and 1.2 only.</summary>
    public const string TlsPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06";

    private static IEnumerable<(string, JsonObject)> Dns(AppManifest app)
    {
        if (app.Aws.Dns is not { } dns) yield break;
        yield return ("DnsRecord", Resource("AWS::Route53::RecordSet", new JsonObject
        {
            ["HostedZoneId"] = dns.HostedZoneId, ["Name"] = dns.Name, ["Type"] = "A",
            ["AliasTarget"] = new JsonObject
            {
                ["DNSName"] = GetAtt("LoadBalancer", "DNSName"), ["HostedZoneId"] = GetAtt("LoadBalancer", "CanonicalHostedZoneID"),
                ["EvaluateTargetHealth"] = true,
            },
        }));
    }

    private static IEnumerable<(string, JsonObject)> Autoscaling(AppManifest app)
    {
        if (app.Aws.Autoscaling is not { } scaling) yield break;
        yield return ("ScalableTarget", Resource("AWS::ApplicationAutoScaling::ScalableTarget", new JsonObject
        {
            ["ServiceNamespace"] = "ecs", ["ScalableDimension"] = "ecs:service:DesiredCount",
            ["ResourceId"] = new JsonObject { ["Fn::Sub"] = "service/${Cluster}/${Service.Name}" },
            ["MinCapacity"] = scaling.Min, ["MaxCapacity"] = scaling.Max,
        }));
        var tracking = new JsonObject { ["TargetValue"] = scaling.TargetCpuPercent ?? scaling.RequestsPerTarget };
        tracking["PredefinedMetricSpecification"] = scaling.TargetCpuPercent is not null
            ? new JsonObject { ["PredefinedMetricType"] = "ECSServiceAverageCPUUtilization" }
            : new JsonObject
            {
                ["PredefinedMetricType"] = "ALBRequestCountPerTarget",
                ["ResourceLabel"] = new JsonObject { ["Fn::Sub"] = "${LoadBalancer.LoadBalancerFullName}/${TargetGroup.TargetGroupFullName}" },
            };
        yield return ("ScalingPolicy", Resource("AWS::ApplicationAutoScaling::ScalingPolicy", new JsonObject
        {
            ["PolicyName"] = $"{app.App}-target-tracking", ["PolicyType"] = "TargetTrackingScaling",
            ["ScalingTargetId"] = Ref("ScalableTarget"), ["TargetTrackingScalingPolicyConfiguration"] = tracking,
        }));
    }

    public static string LifecyclePolicy(int imagesKept) => new JsonObject
    {
        ["rules"] = new JsonArray(new JsonObject
        {
            ["rulePriority"] = 1,
            ["description"] = $"keep the last {imagesKept} images",
            ["selection"] = new JsonObject { ["tagStatus"] = "any", ["countType"] = "imageCountMoreThan", ["countNumber"] = imagesKept },
            ["action"] = new JsonObject { ["type"] = "expire" },
        }),
    }.ToJsonString();

    private static JsonObject Subnet(AppManifest app, int index, string name, bool isPublic) => Resource("AWS::EC2::Subnet", new JsonObject
    {
        ["VpcId"] = Ref("Vpc"),
        ["CidrBlock"] = SubnetCidr(app.Aws.VpcCidr, index),
        ["AvailabilityZone"] = new JsonObject { ["Fn::Select"] = new JsonArray(index % 2, new JsonObject { ["Fn::GetAZs"] = "" }) },
        ["MapPublicIpOnLaunch"] = isPublic,
        ["Tags"] = NameTag(app, name),
    });

    /// <summary>
    /// The index-th subnet of the VPC, 8 bits longer (at most /28): 10.10.0.0/16 gives 10.10.0.0/24, 10.10.1.0/24.
    /// Computed here rather than with Fn::Cidr, which some emulators do not evaluate.
    /// </summary>
    public static string SubnetCidr(string vpcCidr, int index)
    {
        var (address, prefix) = (vpcCidr.Split('/')[0], int.Parse(vpcCidr.Split('/')[1], System.Globalization.CultureInfo.InvariantCulture));
        var subnetPrefix = Math.Min(prefix + 8, 28);
        var bytes = System.Net.IPAddress.Parse(address).GetAddressBytes();
        var value = (uint)(bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8 | bytes[3]);
        value = (value & (uint.MaxValue << (32 - prefix))) + (uint)index * (1u << (32 - subnetPrefix));
        return $"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}/{subnetPrefix}";
    }

    private static JsonObject Resource(string type, JsonObject properties, params string[] dependsOn)
    {
        var resource = new JsonObject { ["Type"] = type, ["Properties"] = properties };
        if (dependsOn.Length == 1) resource["DependsOn"] = dependsOn[0];
        else if (dependsOn.Length > 1) resource["DependsOn"] = new JsonArray(dependsOn.Select(d => (JsonNode)JsonValue.Create(d)).ToArray());
        return resource;
    }

    private static JsonObject Ref(string name) => new() { ["Ref"] = name };
    private static JsonObject GetAtt(string resource, string attribute) => new() { ["Fn::GetAtt"] = new JsonArray(resource, attribute) };
    private static JsonObject Output(JsonNode value) => new() { ["Value"] = value };
    private static JsonArray NameTag(AppManifest app, string suffix) => new(new JsonObject { ["Key"] = "Name", ["Value"] = $"slipway-{app.App}-{suffix}" });
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
