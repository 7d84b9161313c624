using System.Text.Json;
using Slipway.Cloud.Aws;
using Slipway.Platforms.Aws;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Aws;

/// <summary>
/// The aws platform through the real CLI against moto's wire protocol, with a real registry for the push:
/// create, no-op, status, plan, destroy. (moto runs no containers: the check stage is skipped with --no-check,
/// and the rollout waiting logic is covered against recorded answers in DeploymentProgressTests.)
/// </summary>
[Trait("Tier", "aws")]
[Collection(Slipway.Tests.EndToEnd.AwsCollection.Name)]
public sealed class AwsPlatformMotoTests(MotoFixture moto) : IClassFixture<MotoFixture>, IAsyncLifetime
{
    private LocalApp _app = null!;

    public async ValueTask InitializeAsync()
    {
        await moto.ResetAsync();
        _app = new LocalApp("aws");
    }

    private Task<CliResult> RunAsync(params string[] args) =>
        _app.Cli.RunAsync([.. args, "-e", "aws", "-f", _app.ManifestPath], moto.Environment, TestContext.Current.CancellationToken);

    private AwsSettings Settings => new(new Amazon.Runtime.BasicAWSCredentials("testing", "testing"),
        Amazon.RegionEndpoint.USEast1, name => moto.Environment.GetValueOrDefault(name));

    [Fact]
    public async Task Up_creates_the_stack_pushes_and_deploys_then_a_second_up_does_nothing_and_destroy_removes_it_all()
    {
        var ct = TestContext.Current.CancellationToken;
        var up = await RunAsync("up", "--no-check");
        up.Succeeded();
        Assert.Contains("creating stack slipway-" + _app.Name, up.Stderr);
        Assert.Contains($"pushing {moto.Registry}/slipway/{_app.Name}:{_app.FirstVersion}", up.Stderr);

        // The image is in the registry under the version, and the service runs a revision with it.
        using (var head = new HttpRequestMessage(HttpMethod.Head, $"http://{moto.Registry}/v2/slipway/{_app.Name}/manifests/{_app.FirstVersion}"))
        {
            head.Headers.Accept.ParseAdd("application/vnd.docker.distribution.manifest.v2+json");
            Assert.True((await Http.Client.SendAsync(head, ct)).IsSuccessStatusCode);
        }
        var ecs = EcsClient.Create(Settings, TimeProvider.System);
        var service = await ecs.DescribeServiceAsync($"slipway-{_app.Name}", _app.Name, ct);
        Assert.Equal(2, service!.DesiredCount);
        var definition = await ecs.DescribeTaskDefinitionAsync(service.TaskDefinition!, ct);
        Assert.Equal($"{moto.Registry}/slipway/{_app.Name}:{_app.FirstVersion}", (string?)definition["containerDefinitions"]![0]!["image"]);

        var status = await RunAsync("status", "--json");
        Assert.Equal(0, status.ExitCode);
        Assert.Equal(_app.FirstVersion, JsonDocument.Parse(status.Stdout).RootElement.GetProperty("version").GetString());

        var again = await RunAsync("up", "--no-check");
        again.Succeeded();
        Assert.Contains("nothing to do", again.Stderr);

        var plan = await RunAsync("plan");
        plan.Succeeded();
        Assert.Contains("deploy: nothing to do", plan.Stdout);

        var destroy = await RunAsync("destroy", "--yes");
        destroy.Succeeded();
        Assert.Contains($"removed stack slipway-{_app.Name}", destroy.Stderr);
        var cloudFormation = CloudFormationClient.Create(Settings, TimeProvider.System);
        Assert.Null(await cloudFormation.DescribeStackAsync($"slipway-{_app.Name}", ct));
        Assert.Null(await EcrClient.Create(Settings, TimeProvider.System).RepositoryUriAsync($"slipway/{_app.Name}", ct));

        var twice = await RunAsync("destroy", "--yes");
        twice.Succeeded();
        Assert.Contains("nothing was left to remove", twice.Stderr);
    }

    [Fact]
    public async Task A_new_version_deploys_as_a_new_revision_and_rollback_goes_back_without_building()
    {
        var ct = TestContext.Current.CancellationToken;
        (await RunAsync("up", "--no-check")).Succeeded();
        _app.Repo.Write("app/app.py", TestEngine.FlaskApp.Replace("version {VERSION}", "v2 {VERSION}"));
        var second = _app.Repo.Commit("v2");
        var up = await RunAsync("up", "--no-check");
        up.Succeeded();
        Assert.Contains($"{second} serving on 2 replica(s) (was {_app.FirstVersion})", up.Stderr);
        // The serving image and the rollback target carry the tags the repository's lifecycle rule never expires.
        Assert.Equal((await DigestAsync(second), await DigestAsync(_app.FirstVersion)), (await DigestAsync("slipway-serving"), await DigestAsync("slipway-previous")));

        var rollback = await RunAsync("rollback", "--no-check");

        rollback.Succeeded();
        Assert.Equal((await DigestAsync(_app.FirstVersion), await DigestAsync(second)), (await DigestAsync("slipway-serving"), await DigestAsync("slipway-previous")));
        Assert.DoesNotContain("→ build", rollback.Stderr);
        // The stack, the service's one owner, serves the first version again: its task definition names that image.
        var template = await CloudFormationClient.Create(Settings, TimeProvider.System).GetTemplateAsync($"slipway-{_app.Name}", ct);
        var image = StackTemplate.ReleaseIn(template!)!["Properties"]!["ContainerDefinitions"]![0]!["Image"]!.ToString();
        Assert.EndsWith($":{_app.FirstVersion}", image);
        Assert.Equal(_app.FirstVersion, JsonDocument.Parse((await RunAsync("status", "--json")).Stdout).RootElement.GetProperty("version").GetString());
        var releases = JsonDocument.Parse((await RunAsync("releases", "--json")).Stdout).RootElement.EnumerateArray().ToList();
        Assert.Equal(["rollback", "deploy", "deploy"], releases.Select(r => r.GetProperty("action").GetString()));
        Assert.Equal(_app.FirstVersion, releases[0].GetProperty("version").GetString());
    }

    [Fact]
    public async Task Secrets_go_to_ssm_as_secure_strings_the_task_definition_names_them_and_no_output_shows_them()
    {
        var ct = TestContext.Current.CancellationToken;
        var secret = "s3cr3t-" + Guid.NewGuid().ToString("N");
        _app.WriteManifest(extra: "secrets:\n  API_TOKEN:\n    fromEnv: AWS_TEST_TOKEN\n");
        var env = new Dictionary<string, string>(moto.Environment) { ["AWS_TEST_TOKEN"] = secret };

        var up = await _app.Cli.RunAsync(["up", "-e", "aws", "--no-check", "-f", _app.ManifestPath], env, ct);

        up.Succeeded();
        Assert.DoesNotContain(secret, up.All);
        var parameter = JsonDocument.Parse(await moto.AwsCliAsync("ssm", "get-parameter", "--name", $"/slipway/{_app.Name}/API_TOKEN", "--with-decryption"))
            .RootElement.GetProperty("Parameter");
        Assert.Equal("SecureString", parameter.GetProperty("Type").GetString());
        Assert.Equal(secret, parameter.GetProperty("Value").GetString());
        var ecs = EcsClient.Create(Settings, TimeProvider.System);
        var service = await ecs.DescribeServiceAsync($"slipway-{_app.Name}", _app.Name, ct);
        var definition = (await ecs.DescribeTaskDefinitionAsync(service!.TaskDefinition!, ct)).ToJsonString();
        Assert.Contains($"\"valueFrom\":\"/slipway/{_app.Name}/API_TOKEN\"", definition);
        Assert.DoesNotContain(secret, definition);

        var destroy = await _app.Cli.RunAsync(["destroy", "-e", "aws", "--yes", "-f", _app.ManifestPath], env, ct);
        destroy.Succeeded();
        await Assert.ThrowsAsync<InvalidOperationException>(() => moto.AwsCliAsync("ssm", "get-parameter", "--name", $"/slipway/{_app.Name}/API_TOKEN"));
    }

    [Fact]
    public async Task Plan_compares_templates_for_a_first_create_and_makes_no_call_that_changes_anything()
    {
        CliResult plan = null!;
        var calls = await moto.RecordAsync(async () => plan = await RunAsync("plan"));

        plan.Succeeded();
        Assert.NotEmpty(calls);
        Assert.All(calls.Where(c => !c.IsSharedState), c => Assert.True(c.IsRead, $"plan made {c.Action}")); // no change set, no stack
        Assert.Contains($"stack slipway-{_app.Name}: create", plan.Stdout);
        Assert.Contains("+ Repository (AWS::ECR::Repository)", plan.Stdout);
        Assert.DoesNotContain("AWS::ECS::Service", plan.Stdout); // the service comes with the first release, once its image exists
        Assert.Contains("build:  yes", plan.Stdout);
        Assert.Null(await CloudFormationClient.Create(Settings, TimeProvider.System)
            .DescribeStackAsync($"slipway-{_app.Name}", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Doctor_checks_the_aws_credentials_and_region_without_printing_them()
    {
        var doctor = await RunAsync("doctor");
        doctor.Succeeded();
        Assert.Contains("ok    aws              region us-east-1, credentials found", doctor.Stdout);
        Assert.Contains("ok    permissions      verified cloudformation:DescribeStacks, ecr:DescribeRepositories, dynamodb:DescribeTable", doctor.Stdout);
        Assert.DoesNotContain("testing", doctor.Stdout);
    }

    [Fact]
    public async Task The_clients_speak_the_wire_format_and_map_missing_things_to_null()
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.Null(await CloudFormationClient.Create(Settings, TimeProvider.System).DescribeStackAsync("no-such-stack", ct));
        Assert.Null(await EcsClient.Create(Settings, TimeProvider.System).DescribeServiceAsync("no-such-cluster", "svc", ct));
        var ecr = EcrClient.Create(Settings, TimeProvider.System);
        Assert.False(await ecr.HasTagAsync("no-such-repo", "v1", ct));
        Assert.Empty(await ecr.ListImagesAsync("no-such-repo", ct));
        Assert.False(await ecr.DeleteRepositoryAsync("no-such-repo", ct));
        var login = await ecr.GetAuthorizationAsync(ct);
        Assert.Equal("AWS", login.Username);
        Assert.NotEmpty(login.Password);

        // Tagging an image anew puts its manifest again under the new tag: the same digest, both tags.
        var repository = $"slipway/{_app.Name}";
        await moto.AwsCliAsync("ecr", "create-repository", "--repository-name", repository);
        await moto.AwsCliAsync("ecr", "put-image", "--repository-name", repository, "--image-tag", "v1", "--image-manifest",
            """{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":1,"digest":"sha256:0000000000000000000000000000000000000000000000000000000000000001"},"layers":[]}""");
        Assert.True(await ecr.TagAsync(repository, "v1", "slipway-serving", ct));
        Assert.True(await ecr.TagAsync(repository, "v1", "slipway-serving", ct)); // again: already there
        Assert.False(await ecr.TagAsync(repository, "v9", "slipway-previous", ct));
        var described = JsonDocument.Parse(await moto.AwsCliAsync("ecr", "describe-images", "--repository-name", repository)).RootElement.GetProperty("imageDetails");
        Assert.Equal(["slipway-serving", "v1"], Assert.Single(described.EnumerateArray()).GetProperty("imageTags").EnumerateArray().Select(t => t.GetString()).Order());
    }

    [Fact]
    public async Task Missing_credentials_and_region_are_one_clear_line_each()
    {
        var env = new Dictionary<string, string>(moto.Environment)
        {
            ["AWS_ACCESS_KEY_ID"] = "", ["AWS_SECRET_ACCESS_KEY"] = "", ["AWS_PROFILE"] = "",
            ["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent", ["AWS_CONFIG_FILE"] = "/nonexistent",
        };
        var noCredentials = await _app.Cli.RunAsync(["up", "-e", "aws", "-f", _app.ManifestPath], env, TestContext.Current.CancellationToken);
        Assert.Equal(2, noCredentials.ExitCode);
        Assert.Contains("error: no AWS credentials were found", noCredentials.Stderr);

        var noRegion = new Dictionary<string, string>(moto.Environment) { ["AWS_REGION"] = "", ["AWS_DEFAULT_REGION"] = "", ["AWS_CONFIG_FILE"] = "/nonexistent" };
        var result = await _app.Cli.RunAsync(["up", "-e", "aws", "-f", _app.ManifestPath], noRegion, TestContext.Current.CancellationToken);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error: no AWS region is set", result.Stderr);
        Assert.DoesNotContain("testing", noCredentials.All + result.All); // no credential is ever printed
    }

    /// <summary>The digest of the image the registry has under the tag; null when it has none.</summary>
    private async Task<string?> DigestAsync(string tag)
    {
        using var head = new HttpRequestMessage(HttpMethod.Head, $"http://{moto.Registry}/v2/slipway/{_app.Name}/manifests/{tag}");
        head.Headers.Accept.ParseAdd("application/vnd.docker.distribution.manifest.v2+json");
        using var response = await Http.Client.SendAsync(head, TestContext.Current.CancellationToken);
        return response.IsSuccessStatusCode ? response.Headers.GetValues("Docker-Content-Digest").Single() : null;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Maintenance_puts_a_fixed_503_rule_in_front_of_the_service_that_a_deploy_keeps_and_off_removes()
    {
        var ct = TestContext.Current.CancellationToken;
        (await RunAsync("up", "--no-check")).Succeeded();
        async Task<JsonElement?> RuleAsync()
        {
            var listener = JsonDocument.Parse(await moto.AwsCliAsync("cloudformation", "describe-stack-resource", "--stack-name", $"slipway-{_app.Name}",
                "--logical-resource-id", "HttpListener")).RootElement.GetProperty("StackResourceDetail").GetProperty("PhysicalResourceId").GetString()!;
            return JsonDocument.Parse(await moto.AwsCliAsync("elbv2", "describe-rules", "--listener-arn", listener)).RootElement.GetProperty("Rules")
                .EnumerateArray().Where(r => r.GetProperty("Priority").GetString() == "1").Select(r => (JsonElement?)r.Clone()).FirstOrDefault();
        }

        var on = await RunAsync("maintenance", "on", "--message", "back at noon");

        on.Succeeded();
        var response = (await RuleAsync())!.Value.GetProperty("Actions")[0].GetProperty("FixedResponseConfig");
        Assert.Equal("503", response.GetProperty("StatusCode").GetString());
        Assert.Equal("back at noon", response.GetProperty("MessageBody").GetString());
        _app.Repo.Write("app/app.py", TestEngine.FlaskApp.Replace("version {VERSION}", "v2 {VERSION}"));
        _app.Repo.Commit("v2");
        var deploy = await RunAsync("up", "--no-check");
        deploy.Succeeded();
        Assert.NotNull(await RuleAsync()); // a deploy carries the maintenance over

        var tooLong = await RunAsync("maintenance", "on", "--message", new string('x', 1025));
        Assert.Equal(2, tooLong.ExitCode);
        Assert.Contains("a load balancer's fixed response carries 1024 at most", tooLong.Stderr);

        var off = await RunAsync("maintenance", "off");
        off.Succeeded();
        // The stack no longer has the rule; CloudFormation deletes a resource its template drops (moto's ELBv2 keeps it: it deletes no rule through CloudFormation).
        var template = await CloudFormationClient.Create(Settings, TimeProvider.System).GetTemplateAsync($"slipway-{_app.Name}", ct);
        Assert.Null(StackTemplate.MaintenanceIn(template!));
        Assert.NotNull(StackTemplate.ReleaseIn(template!));
    }
}

/// <summary><c>slipway logs -e aws</c> reads CloudWatch Logs (moto), events put there with the aws CLI.</summary>
[Trait("Tier", "aws")]
[Collection(Slipway.Tests.EndToEnd.AwsCollection.Name)]
public sealed class AwsLogsMotoTests(MotoFixture moto) : IClassFixture<MotoFixture>
{
    [Fact]
    public async Task Logs_come_from_the_apps_log_group_named_by_task_stream()
    {
        await moto.ResetAsync();
        await using var app = new LocalApp("awslogs");
        var group = $"/slipway/{app.Name}";
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Aws("logs", "create-log-group", "--log-group-name", group);
        await Aws("logs", "create-log-stream", "--log-group-name", group, "--log-stream-name", $"{app.Name}/{app.Name}/task1");
        await Aws("logs", "put-log-events", "--log-group-name", group, "--log-stream-name", $"{app.Name}/{app.Name}/task1",
            "--log-events", $"timestamp={now - 2000},message=first line", $"timestamp={now - 1000},message=second line");

        var result = await app.Cli.RunAsync(["logs", "-e", "aws", "-m", app.ManifestPath, "--since", "1h"], moto.Environment, TestContext.Current.CancellationToken);

        result.Succeeded();
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.EndsWith("[task1] first line", lines[0]);
        Assert.EndsWith("[task1] second line", lines[1]);
    }

    private async Task Aws(params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo(MotoFixture.Find("aws"), args) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var (key, value) in moto.Environment) start.Environment[key] = value;
        start.Environment["AWS_DEFAULT_REGION"] = "us-east-1";
        using var process = System.Diagnostics.Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, $"aws {string.Join(' ', args)}: {error}");
    }
}

/// <summary>
/// The production options' template is accepted by moto's CloudFormation, creates what each option promises,
/// and the app deploys on it. (moto skips autoscaling's resource types silently: the template tests cover them.)
/// </summary>
[Trait("Tier", "aws")]
[Collection(Slipway.Tests.EndToEnd.AwsCollection.Name)]
public sealed class AwsProductionOptionsMotoTests(MotoFixture moto) : IClassFixture<MotoFixture>
{
    [Fact]
    public async Task A_stack_with_https_dns_private_subnets_and_autoscaling_is_created_and_deployed()
    {
        await moto.ResetAsync();
        await using var app = new LocalApp("prod");
        var certificate = System.Text.Json.JsonDocument.Parse(await moto.AwsCliAsync("acm", "request-certificate", "--domain-name", "shop.example.com"))
            .RootElement.GetProperty("CertificateArn").GetString();
        var zone = System.Text.Json.JsonDocument.Parse(await moto.AwsCliAsync("route53", "create-hosted-zone", "--name", "example.com", "--caller-reference", "slipway-test"))
            .RootElement.GetProperty("HostedZone").GetProperty("Id").GetString()!.Split('/').Last();
        app.WriteManifest(extra: $$"""
            aws:
              certificateArn: {{certificate}}
              dns:
                hostedZoneId: {{zone}}
                name: shop.example.com
              subnets: private
              egress: endpoints
              autoscaling:
                min: 2
                max: 4
                targetCpu: 60
            """);

        var up = await app.Cli.RunAsync(["up", "-e", "aws", "--no-check", "-f", app.ManifestPath], moto.Environment, TestContext.Current.CancellationToken);

        up.Succeeded();
        Assert.Contains("creating stack", up.Stderr);
        var stack = $"slipway-{app.Name}";
        var resources = Json(await moto.AwsCliAsync("cloudformation", "list-stack-resources", "--stack-name", stack))
            .GetProperty("StackResourceSummaries").EnumerateArray()
            .Where(r => r.GetProperty("LogicalResourceId").GetString() is { Length: > 0 }) // moto lists what it skipped with no name
            .ToDictionary(r => r.GetProperty("LogicalResourceId").GetString()!, r => r.GetProperty("PhysicalResourceId").GetString()!);
        foreach (var expected in new[] { "HttpsListener", "HttpListener", "DnsRecord", "PrivateSubnet1", "PrivateSubnet2",
                     "EcrApiEndpoint", "EcrDockerEndpoint", "LogsEndpoint", "S3Endpoint" })
            Assert.True(resources.ContainsKey(expected), $"{expected} was not created: {string.Join(", ", resources.Keys)}");

        // What CloudFormation made of them: HTTPS with the certificate, HTTP redirecting, the alias, subnets without public IPs.
        var listeners = Json(await moto.AwsCliAsync("elbv2", "describe-listeners", "--load-balancer-arn", resources["LoadBalancer"]))
            .GetProperty("Listeners").EnumerateArray().ToDictionary(l => l.GetProperty("Port").GetInt32());
        Assert.Equal("HTTPS", listeners[443].GetProperty("Protocol").GetString());
        Assert.Equal(certificate, listeners[443].GetProperty("Certificates")[0].GetProperty("CertificateArn").GetString());
        Assert.Equal(Slipway.Platforms.Aws.StackTemplate.TlsPolicy, listeners[443].GetProperty("SslPolicy").GetString());
        var redirect = listeners[80].GetProperty("DefaultActions")[0];
        Assert.Equal("redirect", redirect.GetProperty("Type").GetString());
        Assert.Equal("HTTPS", redirect.GetProperty("RedirectConfig").GetProperty("Protocol").GetString());
        Assert.Equal("443", redirect.GetProperty("RedirectConfig").GetProperty("Port").GetString());
        var records = Json(await moto.AwsCliAsync("route53", "list-resource-record-sets", "--hosted-zone-id", zone))
            .GetProperty("ResourceRecordSets").EnumerateArray();
        Assert.Contains(records, r => r.GetProperty("Name").GetString()!.TrimEnd('.') == "shop.example.com" && r.TryGetProperty("AliasTarget", out _));
        var subnet = Json(await moto.AwsCliAsync("ec2", "describe-subnets", "--subnet-ids", resources["PrivateSubnet1"])).GetProperty("Subnets")[0];
        Assert.False(subnet.GetProperty("MapPublicIpOnLaunch").GetBoolean());
        var destroy = await app.Cli.RunAsync(["destroy", "-e", "aws", "--yes", "-f", app.ManifestPath], moto.Environment, TestContext.Current.CancellationToken);
        destroy.Succeeded();
    }

    private static System.Text.Json.JsonElement Json(string text) => System.Text.Json.JsonDocument.Parse(text).RootElement;
}
