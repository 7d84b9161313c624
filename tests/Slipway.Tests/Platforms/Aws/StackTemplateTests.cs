using System.Text.Json.Nodes;
using Slipway.Configuration;
using Slipway.Platforms.Aws;

namespace Slipway.Tests.Platforms.Aws;

[Trait("Tier", "unit")]
public sealed class StackTemplateTests
{
    private static AppManifest App(Func<AppManifest, AppManifest>? change = null)
    {
        var app = new AppManifest
        {
            App = "shop",
            ManifestPath = "/deploy/slipway.yaml",
            Source = new SourceSpec { Location = "https://example.invalid/shop.git" },
            Build = new BuildSpec { Dockerfile = "/deploy/Dockerfile" },
            Env = new Dictionary<string, string> { ["MODE"] = "production" },
            Environment = new EnvironmentSpec { Name = AwsModule.PlatformName, Platform = AwsModule.PlatformName },
        };
        return change is null ? app : change(app);
    }

    private static JsonObject Resources(JsonObject template) => template["Resources"]!.AsObject();

    [Fact]
    public void A_secret_from_the_users_ssm_parameter_is_named_as_it_is_and_only_the_tasks_may_read_it()
    {
        var template = Templates.Serving(App(a => a with
        {
            Secrets = new Dictionary<string, SecretSpec>
            {
                ["DB_PASSWORD"] = new() { FromSsm = "/copilot/shop/prod/secrets/DB_PASSWORD" },
                ["TOKEN"] = new() { FromSsm = "arn:aws:ssm:eu-west-1:123456789012:parameter/team/token" },
                ["API_KEY"] = new() { FromEnv = "API_KEY" },
            },
        }));

        var secrets = Resources(template)["TaskDefinition"]!["Properties"]!["ContainerDefinitions"]![0]!["Secrets"]!.AsArray()
            .ToDictionary(s => (string)s!["Name"]!, s => (string)s!["ValueFrom"]!);
        Assert.Equal("/copilot/shop/prod/secrets/DB_PASSWORD", secrets["DB_PASSWORD"]);
        Assert.Equal("arn:aws:ssm:eu-west-1:123456789012:parameter/team/token", secrets["TOKEN"]);
        Assert.Equal(StackTemplate.SecretParameter(App(), "API_KEY"), secrets["API_KEY"]); // Slipway's own, as before
        var readable = Resources(template)["ExecutionRole"]!["Properties"]!["Policies"]![0]!["PolicyDocument"]!["Statement"]![0]!["Resource"]!.ToJsonString();
        Assert.Contains("parameter/slipway/shop/*", readable);
        Assert.Contains("parameter/copilot/shop/prod/secrets/DB_PASSWORD", readable);
        Assert.Contains("arn:aws:ssm:eu-west-1:123456789012:parameter/team/token", readable);
    }

    [Fact]
    public void Has_every_resource_of_the_original_stack_and_the_service()
    {
        var resources = Resources(Templates.Serving(App()));

        string[] expected =
        [
            "Vpc", "InternetGateway", "GatewayAttachment", "PublicSubnet1", "PublicSubnet2", "PublicRouteTable", "DefaultRoute",
            "PublicSubnet1Routes", "PublicSubnet2Routes", "LoadBalancerSecurityGroup", "TaskSecurityGroup", "LoadBalancer",
            "TargetGroup", "HttpListener", "Cluster", "Repository", "LogGroup", "ExecutionRole", "TaskDefinition", "Service",
        ];
        Assert.Equal(expected.Order(), resources.Select(r => r.Key).Order());
    }

    [Fact]
    public void Every_reference_points_at_a_resource_and_nothing_is_left_to_parameters()
    {
        var template = Templates.Serving(App());
        Assert.Null(template["Parameters"]); // the release is rendered whole: a change set carries no parameter to get wrong
        var known = Resources(template).Select(r => r.Key).Concat(["AWS::Region", "AWS::Partition", "AWS::AccountId", "AWS::URLSuffix"]).ToHashSet();
        var references = new List<string>();
        void Walk(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject obj:
                    foreach (var (key, value) in obj)
                    {
                        if (key == "Ref") references.Add(value!.GetValue<string>());
                        else if (key == "Fn::GetAtt") references.Add(value![0]!.GetValue<string>());
                        else if (key == "DependsOn")
                            references.AddRange(value is JsonArray many ? many.Select(d => d!.GetValue<string>()) : [value!.GetValue<string>()]);
                        else if (key == "Fn::Sub")
                            references.AddRange(System.Text.RegularExpressions.Regex.Matches(value!.GetValue<string>(), @"\$\{([A-Za-z0-9:]+)")
                                .Select(m => m.Groups[1].Value));
                        Walk(value);
                    }
                    break;
                case JsonArray array:
                    foreach (var item in array) Walk(item);
                    break;
            }
        }
        Walk(template);

        Assert.NotEmpty(references);
        Assert.All(references, r => Assert.Contains(r, known));
    }

    [Fact]
    public void Defaults_match_the_original_network_and_are_fast_where_it_was_slow()
    {
        var resources = Resources(Templates.Serving(App()));

        Assert.Equal("10.10.0.0/16", (string?)resources["Vpc"]!["Properties"]!["CidrBlock"]);
        Assert.Equal("10.10.0.0/24", (string?)resources["PublicSubnet1"]!["Properties"]!["CidrBlock"]);
        Assert.Equal("10.10.1.0/24", (string?)resources["PublicSubnet2"]!["Properties"]!["CidrBlock"]);
        var group = resources["TargetGroup"]!["Properties"]!;
        Assert.Equal("ip", (string?)group["TargetType"]);
        Assert.Equal("/", (string?)group["HealthCheckPath"]);
        Assert.Equal(5, (int)group["HealthCheckIntervalSeconds"]!); // the manifest's 1 s, raised to the ALB's minimum
        Assert.Equal(2, (int)group["HealthyThresholdCount"]!);
        Assert.Equal("5", (string?)group["TargetGroupAttributes"]![0]!["Value"]); // drain 5 s, not 300
        var listener = resources["HttpListener"]!["Properties"]!;
        Assert.Equal(80, (int)listener["Port"]!);
        var service = resources["Service"]!["Properties"]!;
        Assert.Equal(100, (int)service["DeploymentConfiguration"]!["MinimumHealthyPercent"]!);
        Assert.Equal(200, (int)service["DeploymentConfiguration"]!["MaximumPercent"]!);
        Assert.True((bool)service["DeploymentConfiguration"]!["DeploymentCircuitBreaker"]!["Rollback"]!);
        Assert.Equal(2, (int)service["DesiredCount"]!);
        Assert.Equal("FARGATE", (string?)service["LaunchType"]);
    }

    [Fact]
    public void Tasks_are_reachable_only_from_the_load_balancer()
    {
        var resources = Resources(Templates.Serving(App()));

        var albIngress = resources["LoadBalancerSecurityGroup"]!["Properties"]!["SecurityGroupIngress"]![0]!;
        Assert.Equal("0.0.0.0/0", (string?)albIngress["CidrIp"]);
        Assert.Equal(80, (int)albIngress["FromPort"]!);
        var taskIngress = resources["TaskSecurityGroup"]!["Properties"]!["SecurityGroupIngress"]!.AsArray();
        var rule = Assert.Single(taskIngress);
        Assert.Equal(8000, (int)rule!["FromPort"]!);
        Assert.Null(rule["CidrIp"]);
        Assert.Equal("LoadBalancerSecurityGroup", (string?)rule["SourceSecurityGroupId"]!["Ref"]);
    }

    [Fact]
    public void Options_from_the_manifest_reach_the_template()
    {
        var app = App(a => (a with
        {
            Port = 9000, Replicas = 3, Drain = TimeSpan.FromSeconds(20),
            HealthCheck = new HealthCheckSpec { Path = "/up", Interval = TimeSpan.FromSeconds(10), Timeout = TimeSpan.FromSeconds(30), HealthyThreshold = 1 },
        }).WithAws(new AwsSpec { VpcCidr = "172.20.0.0/20", Cpu = 512, Memory = 1024, ListenerPort = 8080, ImagesKept = 3, StackName = "shop-prod" }));
        var resources = Resources(Templates.Serving(app));

        Assert.Equal("172.20.0.16/28", (string?)resources["PublicSubnet2"]!["Properties"]!["CidrBlock"]);
        Assert.Equal("512", (string?)resources["TaskDefinition"]!["Properties"]!["Cpu"]);
        Assert.Equal(9000, (int)resources["TaskDefinition"]!["Properties"]!["ContainerDefinitions"]![0]!["PortMappings"]![0]!["ContainerPort"]!);
        Assert.Equal(8080, (int)resources["HttpListener"]!["Properties"]!["Port"]!);
        var group = resources["TargetGroup"]!["Properties"]!;
        Assert.Equal("/up", (string?)group["HealthCheckPath"]);
        Assert.Equal(9, (int)group["HealthCheckTimeoutSeconds"]!); // below the interval, as the ALB requires
        Assert.Equal(2, (int)group["HealthyThresholdCount"]!); // the ALB's minimum
        Assert.Equal("20", (string?)group["TargetGroupAttributes"]![0]!["Value"]);
        Assert.Equal("shop-prod", (string?)resources["Cluster"]!["Properties"]!["ClusterName"]);
        Assert.Contains("\"countNumber\":3", (string?)resources["Repository"]!["Properties"]!["LifecyclePolicy"]!["LifecyclePolicyText"]);
        var environment = resources["TaskDefinition"]!["Properties"]!["ContainerDefinitions"]![0]!["Environment"]!.AsArray();
        Assert.Contains(environment, e => (string?)e!["Name"] == "MODE" && (string?)e["Value"] == "production");
    }

    [Fact]
    public void The_execution_role_may_read_the_apps_secret_parameters_only_when_it_has_secrets()
    {
        Assert.Empty(Resources(Templates.Serving(App()))["ExecutionRole"]!["Properties"]!["Policies"]!.AsArray());

        var withSecrets = App(a => a with { Secrets = new Dictionary<string, SecretSpec> { ["API_TOKEN"] = new() { FromEnv = "T" } } });
        var statement = Resources(Templates.Serving(withSecrets))["ExecutionRole"]!["Properties"]!["Policies"]![0]!["PolicyDocument"]!["Statement"]![0]!;
        Assert.Equal("ssm:GetParameters", (string?)statement["Action"]![0]);
        Assert.EndsWith(":parameter/slipway/shop/*", (string?)statement["Resource"]!["Fn::Sub"]);
    }

    [Theory]
    [InlineData("10.10.0.0/16", 0, "10.10.0.0/24")]
    [InlineData("10.10.0.0/16", 1, "10.10.1.0/24")]
    [InlineData("192.168.4.0/22", 1, "192.168.4.16/28")]
    [InlineData("10.0.0.0/24", 1, "10.0.0.16/28")]
    public void Subnets_are_carved_from_the_vpc(string vpc, int index, string expected) =>
        Assert.Equal(expected, StackTemplate.SubnetCidr(vpc, index));

    [Fact]
    public void The_load_balancer_waits_for_the_gateway_it_needs_and_is_deleted_before_it()
    {
        Assert.Equal("GatewayAttachment", (string?)Resources(Templates.Serving(App()))["LoadBalancer"]!["DependsOn"]);
    }

    [Fact]
    public void The_template_is_valid_json_that_round_trips()
    {
        var text = Templates.ServingText(App());
        var parsed = JsonNode.Parse(text)!;

        Assert.Equal("2010-09-09", (string?)parsed["AWSTemplateFormatVersion"]);
        Assert.True(JsonNode.DeepEquals(Templates.Serving(App()), parsed)); // nothing lost or changed in the text
        Assert.Equal(text, Templates.ServingText(App())); // the same manifest renders the same bytes: no spurious change sets
    }

    [Fact]
    public void Before_the_first_release_there_is_no_task_definition_and_no_service()
    {
        var template = StackTemplate.Build(App(), release: null);

        Assert.DoesNotContain("TaskDefinition", Resources(template).Select(r => r.Key));
        Assert.DoesNotContain("Service", Resources(template).Select(r => r.Key));
        Assert.Null(template["Outputs"]!["Version"]);
        Assert.Equal(Templates.Version, (string?)Templates.Serving(App())["Outputs"]!["Version"]!["Value"]);
    }

    [Fact]
    public void The_deployed_templates_release_is_carried_over_whole()
    {
        var deployed = Templates.ServingText(App());

        var release = StackTemplate.ReleaseIn(deployed);

        Assert.Equal(new ServingRelease(Templates.Version, Templates.Fingerprint), StackTemplate.ReleaseOf(release));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(deployed), StackTemplate.Build(App(), release)));
        Assert.Null(StackTemplate.ReleaseIn(StackTemplate.Render(App(), release: null)));
    }

    private static readonly ProcessSpec Worker = new("worker", ["python", "worker.py"], 2, TimeSpan.FromSeconds(10), null);
    private static readonly ProcessSpec Report = new("nightly-report", ["sh", "-c", "python report.py"], 1, TimeSpan.FromSeconds(30), ["test", "-f", "/tmp/alive"]);

    [Fact]
    public void Each_worker_process_is_a_service_of_its_own_without_a_target_group_running_the_releases_image_with_its_command()
    {
        var app = App(a => a with { Processes = [Worker, Report] });

        var resources = Resources(Templates.Serving(app));

        var web = resources["TaskDefinition"]!["Properties"]!["ContainerDefinitions"]![0]!;
        var worker = resources["ProcessWorkerTaskDefinition"]!["Properties"]!.AsObject();
        var container = worker["ContainerDefinitions"]![0]!.AsObject();
        Assert.Equal("slipway-shop-worker", (string?)worker["Family"]);
        Assert.Equal("worker", (string?)container["Name"]);
        Assert.Equal(["python", "worker.py"], container["Command"]!.AsArray().Select(c => (string)c!));
        Assert.Null(container["PortMappings"]);
        Assert.True(JsonNode.DeepEquals(web["Image"], container["Image"]));
        Assert.True(JsonNode.DeepEquals(web["Environment"], container["Environment"]));
        Assert.True(JsonNode.DeepEquals(resources["TaskDefinition"]!["Properties"]!["ExecutionRoleArn"], worker["ExecutionRoleArn"]));

        var service = resources["ProcessWorkerService"]!["Properties"]!.AsObject();
        Assert.Equal("shop-worker", (string?)service["ServiceName"]);
        Assert.Equal(2, (int)service["DesiredCount"]!);
        Assert.Equal("ProcessWorkerTaskDefinition", (string?)service["TaskDefinition"]!["Ref"]);
        Assert.Null(service["LoadBalancers"]);
        Assert.Null(service["HealthCheckGracePeriodSeconds"]);
        Assert.True((bool)service["DeploymentConfiguration"]!["DeploymentCircuitBreaker"]!["Rollback"]!);

        var check = resources["ProcessNightlyReportTaskDefinition"]!["Properties"]!["ContainerDefinitions"]![0]!["HealthCheck"]!;
        Assert.Equal(["CMD", "test", "-f", "/tmp/alive"], check["Command"]!.AsArray().Select(c => (string)c!));
        Assert.Equal(30, (int)check["StartPeriod"]!);
        Assert.Null(container["HealthCheck"]);
    }

    [Fact]
    public void Workers_belong_to_the_release_an_infrastructure_change_carries_them_over_and_a_release_without_them_removes_them()
    {
        var withWorkers = App(a => a with { Processes = [Worker] });
        var deployed = StackTemplate.ReleaseIn(Templates.ServingText(withWorkers));

        // The manifest no longer lists the worker, but until a release says so the serving one keeps its worker.
        Assert.NotNull(Resources(StackTemplate.Build(App(), deployed))["ProcessWorkerService"]);
        Assert.Null(Resources(Templates.Serving(App()))["ProcessWorkerService"]);
        Assert.Equal(["worker"], StackTemplate.ProcessesOf(deployed));
        // An app without workers renders exactly as before they existed.
        Assert.Null(Templates.Serving(App())["Resources"]!["TaskDefinition"]!["Metadata"]![StackTemplate.ProcessesKey]);
    }

    [Fact]
    public void Ecs_exec_gives_the_tasks_a_role_for_session_managers_channels_and_the_services_allow_it()
    {
        var app = App(a => a.WithAws(a.Aws() with { Exec = true }) with { Processes = [Worker] });

        var resources = Resources(Templates.Serving(app));

        Assert.Equal(["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"],
            resources["TaskRole"]!["Properties"]!["Policies"]![0]!["PolicyDocument"]!["Statement"]![0]!["Action"]!.AsArray().Select(a => (string)a!));
        Assert.Equal(StackTemplate.RolePath, (string?)resources["TaskRole"]!["Properties"]!["Path"]);
        Assert.Equal("TaskRole", (string?)resources["TaskDefinition"]!["Properties"]!["TaskRoleArn"]!["Fn::GetAtt"]![0]);
        Assert.True((bool)resources["Service"]!["Properties"]!["EnableExecuteCommand"]!);
        Assert.True((bool)resources["ProcessWorkerService"]!["Properties"]!["EnableExecuteCommand"]!);

        var without = Resources(Templates.Serving(App()));
        Assert.Null(without["TaskRole"]);
        Assert.Null(without["Service"]!["Properties"]!["EnableExecuteCommand"]);
        // Turned off, the serving release keeps the role it names until a release without it replaces it.
        Assert.NotNull(Resources(StackTemplate.Build(App(), StackTemplate.ReleaseIn(Templates.ServingText(app))))["TaskRole"]);
    }

    [Fact]
    public void Maintenance_is_a_fixed_response_rule_ahead_of_the_service_that_every_later_template_carries_until_it_is_turned_off()
    {
        var deployed = Templates.ServingText(App());

        var on = StackTemplate.WithMaintenance(deployed, new Slipway.Platforms.MaintenancePage("<h1>back at noon</h1>", IsHtml: true));

        var rule = StackTemplate.MaintenanceIn(on)!;
        Assert.Equal("HttpListener", (string?)rule["Properties"]!["ListenerArn"]!["Ref"]);
        Assert.Equal(1, (int)rule["Properties"]!["Priority"]!);
        var response = rule["Properties"]!["Actions"]![0]!["FixedResponseConfig"]!;
        Assert.Equal(("503", "text/html", "<h1>back at noon</h1>"), ((string?)response["StatusCode"], (string?)response["ContentType"], (string?)response["MessageBody"]));
        var withoutRule = JsonNode.Parse(on)!.AsObject();
        withoutRule["Resources"]!.AsObject().Remove("MaintenanceRule");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(deployed), withoutRule)); // nothing else changed
        // An infrastructure change or a new release keeps it, on the listener that serves (HTTPS once there is a certificate).
        var https = App(a => a.WithAws(a.Aws() with { CertificateArn = "arn:aws:acm:eu-west-1:123456789012:certificate/abc" }));
        var carried = Resources(StackTemplate.Build(https, StackTemplate.ReleaseIn(on), maintenance: StackTemplate.MaintenanceIn(on)))["MaintenanceRule"]!;
        Assert.Equal("HttpsListener", (string?)carried["Properties"]!["ListenerArn"]!["Ref"]);
        Assert.Null(StackTemplate.MaintenanceIn(StackTemplate.WithMaintenance(on, page: null)));
    }

    /// <summary>The review's case (five workers and 25 variables made 57,706 bytes of indented JSON), with every option on.</summary>
    [Fact]
    public void A_template_with_five_workers_25_variables_and_every_option_fits_what_cloudformation_takes_inline()
    {
        var env = string.Concat(Enumerable.Range(1, 25).Select(i => $"  VARIABLE_NUMBER_{i:D2}: \"a value of some length for variable {i}\"\n"));
        var workers = string.Concat(Enumerable.Range(1, 5).Select(i =>
            $"  worker-{i}:\n    command: [python, worker.py, --queue, queue-{i}]\n    replicas: 2\n    check: test -f /tmp/alive\n"));
        var app = Support.Manifests.Parse($"app: shop\nsource:\n  git: x\nenv:\n{env}secrets:\n  TOKEN:\n    fromSsm: /shop/token\nprocesses:\n{workers}" +
            "aws:\n  region: eu-west-1\n  certificateArn: arn:aws:acm:eu-west-1:123456789012:certificate/abc\n  dns:\n    hostedZoneId: Z123456789\n" +
            "    name: shop.example.com\n  subnets: private\n  egress: endpoints\n  exec: true\n  autoscaling:\n    max: 6\n    requestsPerTarget: 500\n",
            "/nonexistent/slipway.yaml", "aws");

        var sent = Templates.ServingText(app);

        Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(sent), 1, StackTemplate.InlineLimit);
        Assert.DoesNotContain("\n", StackTemplate.Render(app, null), StringComparison.Ordinal); // sent compact
    }

    /// <summary>A worker's tasks in public subnets have public IPs: the gateway cannot be detached before they are gone.</summary>
    [Fact]
    public void Workers_in_public_subnets_are_deleted_before_the_gateway_is_detached()
    {
        var app = Support.Manifests.Parse("app: shop\nsource:\n  git: x\nprocesses:\n  worker:\n    command: python worker.py\naws:\n  region: eu-west-1\n",
            "/nonexistent/slipway.yaml", "aws");

        var dependsOn = Templates.Serving(app)["Resources"]!.AsObject()
            .Single(r => (string?)r.Value!["Type"] == "AWS::ECS::Service" && r.Key != "Service").Value!["DependsOn"];

        Assert.Contains("GatewayAttachment", dependsOn is JsonArray many ? many.Select(d => (string)d!) : [(string)dependsOn!]);
    }

    /// <summary>A parameter of the user's may be under a key of the user's: ECS may decrypt through SSM only, and only then.</summary>
    [Fact]
    public void Tasks_may_decrypt_the_users_own_parameters_through_ssm_only()
    {
        static JsonArray Statements(string secrets) => (JsonArray)Templates.Serving(Support.Manifests.Parse(
                $"app: shop\nsource:\n  git: x\nsecrets:\n{secrets}aws:\n  region: eu-west-1\n", "/nonexistent/slipway.yaml", "aws"))
            ["Resources"]!["ExecutionRole"]!["Properties"]!["Policies"]![0]!["PolicyDocument"]!["Statement"]!;

        var users = Statements("  TOKEN:\n    fromSsm: /team/token\n");
        var own = Statements("  TOKEN:\n    fromEnv: TOKEN\n");

        var decrypt = Assert.Single(users, s => (string?)s!["Action"]![0] == "kms:Decrypt")!;
        Assert.Equal("ssm.${AWS::Region}.${AWS::URLSuffix}", (string?)decrypt["Condition"]!["StringEquals"]!["kms:ViaService"]!["Fn::Sub"]);
        Assert.DoesNotContain(own, s => (string?)s!["Action"]![0] == "kms:Decrypt");
    }

    /// <summary>
    /// The review's case: port 8000 serving, the manifest says 9000. ECS refuses a service whose container port the task
    /// definition does not map, so the infrastructure stage keeps every port-bound resource on the serving release's port and
    /// the new release moves them all at once.
    /// </summary>
    [Fact]
    public void A_new_port_moves_with_the_release_that_listens_on_it_never_before()
    {
        static int[] Ports(JsonObject template)
        {
            var resources = template["Resources"]!;
            return
            [
                (int)resources["TargetGroup"]!["Properties"]!["Port"]!,
                (int)resources["TaskSecurityGroup"]!["Properties"]!["SecurityGroupIngress"]![0]!["FromPort"]!,
                (int)resources["Service"]!["Properties"]!["LoadBalancers"]![0]!["ContainerPort"]!,
                (int)resources["TaskDefinition"]!["Properties"]!["ContainerDefinitions"]![0]!["PortMappings"]![0]!["ContainerPort"]!,
            ];
        }
        var serving = Support.Manifests.Parse("app: shop\nsource:\n  git: x\nport: 8000\naws:\n  region: eu-west-1\n", "/nonexistent/slipway.yaml", "aws");
        var moved = serving with { Port = 9000 };
        var deployed = Templates.ServingText(serving);

        Assert.Equal([8000, 8000, 8000, 8000], Ports(StackTemplate.Infrastructure(moved, deployed)));
        Assert.Equal([9000, 9000, 9000, 9000], Ports(StackTemplate.Build(moved, StackTemplate.Release(moved, "v2", Templates.Fingerprint))));
    }

    /// <summary>China and GovCloud have partitions of their own: the template takes its partition from the stack (AWS::Partition).</summary>
    [Fact]
    public void No_template_names_a_partition_itself()
    {
        foreach (var variant in TemplateLintTests.Variants)
        {
            var (name, aws) = variant.Data;
            var app = Support.Manifests.Parse($"app: shop\nsource:\n  git: x\nsecrets:\n  T:\n    fromSsm: /team/t\naws:\n  region: eu-west-1\n{aws}",
                "/nonexistent/slipway.yaml", "aws");
            // The manifest's own certificate ARN is the user's to write.
            var text = Templates.ServingText(app).Replace("arn:aws:acm:", "", StringComparison.Ordinal);
            Assert.False(text.Contains("arn:aws:", StringComparison.Ordinal), $"{name} names the aws partition");
        }
    }

    [Fact]
    public void In_china_the_deploy_policy_and_the_endpoints_are_of_chinas_partition()
    {
        var app = Support.Manifests.Parse("app: shop\nsource:\n  git: x\naws:\n  region: cn-north-1\n", "/nonexistent/slipway.yaml", "aws");

        var policy = DeployPolicy.For(app);
        var settings = Slipway.Cloud.Aws.AwsSettings.Resolve("cn-north-1", _ => null);

        Assert.DoesNotContain("\"arn:aws:", policy, StringComparison.Ordinal);
        Assert.Contains("\"arn:aws-cn:cloudformation:cn-north-1:*:stack/slipway-shop/*\"", policy, StringComparison.Ordinal);
        Assert.Equal("https://cloudformation.cn-north-1.amazonaws.com.cn/", settings.EndpointFor("cloudformation", "CloudFormation").ToString());
    }

    /// <summary>However many rejected releases are pushed after it, the serving image and the rollback target stay.</summary>
    [Fact]
    public void The_lifecycle_rule_never_expires_the_serving_release_nor_the_one_before_it()
    {
        var rules = JsonNode.Parse(StackTemplate.LifecyclePolicy(imagesKept: 1))!["rules"]!.AsArray();

        Assert.Equal([1, 2, 3], rules.Select(r => (int)r!["rulePriority"]!)); // the "any" rule last, as ECR requires
        Assert.Equal([["slipway-serving"], ["slipway-previous"]], rules.Take(2).Select(r => r!["selection"]!["tagPrefixList"]!.AsArray().Select(t => (string)t!).ToArray()));
        Assert.All(rules.Take(2), r => Assert.Equal(("tagged", 1), ((string)r!["selection"]!["tagStatus"]!, (int)r["selection"]!["countNumber"]!)));
        Assert.Equal(("any", 1), ((string)rules[2]!["selection"]!["tagStatus"]!, (int)rules[2]!["selection"]!["countNumber"]!));
    }

    [Fact]
    public void Volumes_mount_the_data_stacks_file_system_encrypted_through_an_access_point_each_that_only_the_tasks_reach()
    {
        var app = App(a => a with { User = "1000:1001", Volumes = [new VolumeSpec("data", "/var/lib/app"), new VolumeSpec("uploads", "/srv/uploads", Shared: true)] });

        var template = Templates.Serving(app);

        Assert.Equal("^fs-[0-9a-f]+$", (string?)template["Parameters"]!["FileSystemId"]!["AllowedPattern"]);
        var resources = Resources(template);
        var ingress = resources["FileSystemSecurityGroup"]!["Properties"]!["SecurityGroupIngress"]!.AsArray().Single()!;
        Assert.Equal((2049, "TaskSecurityGroup"), ((int)ingress["FromPort"]!, (string?)ingress["SourceSecurityGroupId"]!["Ref"]));
        Assert.Equal(["FileSystemMountTarget1", "FileSystemMountTarget2"],
            resources.Where(r => (string?)r.Value!["Type"] == "AWS::EFS::MountTarget").Select(r => r.Key).Order());
        var data = resources["VolumeDataAccessPoint"]!["Properties"]!;
        Assert.Equal(("/data", "1000", "1001", "0755"), ((string?)data["RootDirectory"]!["Path"], (string?)data["PosixUser"]!["Uid"],
            (string?)data["PosixUser"]!["Gid"], (string?)data["RootDirectory"]!["CreationInfo"]!["Permissions"]));
        var definition = resources["TaskDefinition"]!["Properties"]!;
        Assert.Equal(["data", "uploads"], definition["Volumes"]!.AsArray().Select(v => (string)v!["Name"]!));
        var efs = definition["Volumes"]![1]!["EFSVolumeConfiguration"]!;
        Assert.Equal(("FileSystemId", "ENABLED", "VolumeUploadsAccessPoint", "ENABLED"), ((string?)efs["FilesystemId"]!["Ref"], (string?)efs["TransitEncryption"],
            (string?)efs["AuthorizationConfig"]!["AccessPointId"]!["Ref"], (string?)efs["AuthorizationConfig"]!["IAM"]));
        Assert.Equal("TaskRole", (string?)definition["TaskRoleArn"]!["Fn::GetAtt"]![0]);
        var policy = Assert.Single(resources["TaskRole"]!["Properties"]!["Policies"]!.AsArray())!;
        Assert.Equal("efs-client", (string?)policy["PolicyName"]); // no Session Manager channels without exec
        Assert.Contains("FileSystemMountTarget1", resources["Service"]!["DependsOn"]!.AsArray().Select(d => (string?)d));
    }

    [Fact]
    public void Without_volumes_the_template_has_no_parameter_no_task_role_and_no_file_system_and_a_release_with_volumes_keeps_its_mounts()
    {
        var plain = Templates.Serving(App());
        Assert.Null(plain["Parameters"]);
        Assert.DoesNotContain(Resources(plain), r => r.Key is "TaskRole" or "FileSystemSecurityGroup" || ((string?)r.Value!["Type"])!.StartsWith("AWS::EFS::", StringComparison.Ordinal));

        // A manifest without the volumes the serving release mounts: an infrastructure change keeps what that release needs.
        var withVolumes = App(a => a with { Replicas = 1, Volumes = [new VolumeSpec("data", "/var/lib/app")] });
        var carried = StackTemplate.Build(App(), StackTemplate.Release(withVolumes, Templates.Version, Templates.Fingerprint));
        Assert.NotNull(carried["Parameters"]!["FileSystemId"]);
        Assert.NotNull(Resources(carried)["VolumeDataAccessPoint"]);
        Assert.Equal("efs-client", (string?)Resources(carried)["TaskRole"]!["Properties"]!["Policies"]![0]!["PolicyName"]);
    }

    [Fact]
    public void Each_job_is_a_schedule_starting_a_task_of_the_release_with_its_command_by_a_role_that_may_do_nothing_else()
    {
        var nightly = new JobSpec("nightly-report", Slipway.Foundation.Timing.CronSchedule.TryParse("0 3 * * *",
            TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris"), out _)!, ["python", "report.py"], TimeSpan.FromMinutes(10), JobConcurrency.Forbid,
            TimeSpan.FromHours(6));
        var app = App(a => a with { Jobs = [nightly] });

        var resources = Resources(Templates.Serving(app));

        var definition = resources["JobNightlyReportTaskDefinition"]!["Properties"]!;
        Assert.Equal("slipway-shop-job-nightly-report", (string?)definition["Family"]);
        var container = definition["ContainerDefinitions"]![0]!;
        Assert.Equal(["python", "report.py"], container["Command"]!.AsArray().Select(c => (string)c!));
        Assert.Equal(Templates.Version, ((string?)container["Image"]!["Fn::Sub"])!.Split(':').Last());
        Assert.Null(container["PortMappings"]);
        var schedule = resources["JobNightlyReportSchedule"]!["Properties"]!;
        Assert.Equal(("cron(0 3 * * ? *)", "Europe/Paris", "OFF"), ((string?)schedule["ScheduleExpression"], (string?)schedule["ScheduleExpressionTimezone"],
            (string?)schedule["FlexibleTimeWindow"]!["Mode"]));
        Assert.Equal(21_600, (int)schedule["Target"]!["RetryPolicy"]!["MaximumEventAgeInSeconds"]!);
        Assert.Equal("JobNightlyReportTaskDefinition", (string?)schedule["Target"]!["EcsParameters"]!["TaskDefinitionArn"]!["Ref"]);
        var role = resources["JobSchedulerRole"]!["Properties"]!;
        var trust = role["AssumeRolePolicyDocument"]!["Statement"]![0]!;
        Assert.Equal("scheduler.amazonaws.com", (string?)trust["Principal"]!["Service"]);
        Assert.NotNull(trust["Condition"]!["StringEquals"]!["aws:SourceAccount"]);
        var statements = role["Policies"]![0]!["PolicyDocument"]!["Statement"]!.AsArray();
        Assert.Equal(["ecs:RunTask", "iam:PassRole"], statements.Select(s => (string)s!["Action"]!));
        Assert.Equal(["JobNightlyReportTaskDefinition"], statements[0]!["Resource"]!.AsArray().Select(r => (string)r!["Ref"]!));

        // A new release moves the schedule's task to its image in the same stack update; a manifest without jobs adds nothing.
        var next = Resources(StackTemplate.Build(app, StackTemplate.Release(app, "9f8e7d6", Templates.Fingerprint)));
        Assert.EndsWith(":9f8e7d6", (string?)next["JobNightlyReportTaskDefinition"]!["Properties"]!["ContainerDefinitions"]![0]!["Image"]!["Fn::Sub"]);
        Assert.DoesNotContain(Resources(Templates.Serving(App())), r => r.Key.StartsWith("Job", StringComparison.Ordinal));
    }

    [Fact]
    public void A_preview_is_a_stack_of_its_own_with_its_host_in_the_bases_zone_and_no_name_without_one()
    {
        var module = new AwsModule();
        var based = new AwsSpec
        {
            StackName = "Team-Shop", CertificateArn = "arn:aws:acm:eu-west-1:123456789012:certificate/wild", Dns = new DnsSpec("Z123", "shop.example.com"),
        };
        var info = new PreviewInfo("pr-7", "shop@staging", DateTimeOffset.UnixEpoch);

        var hosted = (AwsSpec)module.ForPreview(based, info, "pr-7.preview.example.com");
        Assert.Equal(("Team-Shop-pr-7", "pr-7.preview.example.com", "Z123"), (hosted.StackName, hosted.Dns!.Name, hosted.Dns.HostedZoneId));
        Assert.Equal(based.CertificateArn, hosted.CertificateArn); // a wildcard certificate covers previews
        var bare = (AwsSpec)module.ForPreview(based, info, host: null);
        Assert.Equal(("Team-Shop-pr-7", (DnsSpec?)null, (string?)null), (bare.StackName, bare.Dns, bare.CertificateArn));
        Assert.Null(((AwsSpec)module.ForPreview(new AwsSpec(), info, null)).StackName); // slipway-APP-PREVIEW is its own already
    }
}
