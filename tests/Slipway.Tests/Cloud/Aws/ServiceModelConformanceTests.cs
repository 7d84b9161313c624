using Slipway.Platforms.Aws;
using System.IO.Compression;
using System.Net;
using System.Text.Json.Nodes;
using Slipway.Tests.Support;
using Slipway.Cloud.Aws;

namespace Slipway.Tests.Cloud.Aws;

/// <summary>
/// Every request the typed clients send is checked against botocore's service model (the reference for every
/// wire shape): the operation exists, and every field sent is a member of the operation's input shape, recursively.
/// The requests are captured from the wire by a loopback endpoint standing in for AWS.
/// </summary>
[Trait("Tier", "edge")]
public sealed class ServiceModelConformanceTests : IAsyncLifetime
{
    private FakeAwsEndpoint _endpoint = null!;
    private List<AwsRequest> Captured => _endpoint.Requests;
    private string _url = "";

    public async ValueTask InitializeAsync()
    {
        _endpoint = await FakeAwsEndpoint.StartAsync(request => request.Target is not null ? CannedJson(request.Target) : CannedXml(request.Body));
        _url = _endpoint.Url;
    }

    private AwsSettings Settings => new(new Amazon.Runtime.BasicAWSCredentials("AKIDEXAMPLE", "secret"), Amazon.RegionEndpoint.EUWest1,
        name => name == "AWS_ENDPOINT_URL" ? _url : null);

    private static string CannedJson(string target) => target.Split('.')[1] switch
    {
        "DescribeTaskDefinition" or "RegisterTaskDefinition" => """{"taskDefinition":{"taskDefinitionArn":"arn:td:2","family":"f","containerDefinitions":[{"name":"shop","image":"i"}]}}""",
        "UpdateService" => """{"service":{"serviceName":"shop","desiredCount":2,"runningCount":0,"taskDefinition":"arn:td:2"}}""",
        // Timestamps as the JSON protocol sends them: epoch seconds with a fraction.
        "DescribeServices" => """{"services":[{"serviceName":"shop","status":"ACTIVE","desiredCount":2,"runningCount":2,"deployments":[{"id":"ecs-svc/1","status":"PRIMARY","createdAt":1764950400.123,"rolloutState":"COMPLETED"}],"events":[{"id":"e1","createdAt":1764950460.5,"message":"(service shop) has reached a steady state."}]}]}""",
        "ListTasks" => """{"taskArns":["arn:task/1"]}""",
        "RunTask" => """{"tasks":[{"taskArn":"arn:aws:ecs:eu-west-1:123456789012:task/slipway-shop/abc"}]}""",
        "DescribeTasks" => """{"tasks":[{"taskArn":"arn:aws:ecs:eu-west-1:123456789012:task/slipway-shop/abc","lastStatus":"STOPPED","stopCode":"EssentialContainerExited","startedAt":1764950401.25,"stoppedAt":1764950402,"containers":[{"name":"shop","exitCode":0,"runtimeId":"abc-1"}]}]}""",
        "ExecuteCommand" => """{"clusterArn":"arn:c/slipway-shop","taskArn":"arn:t/abc","containerName":"shop","session":{"sessionId":"s","streamUrl":"wss://x","tokenValue":"t"}}""",
        "DescribeTable" => """{"Table":{"TableStatus":"ACTIVE"}}""",
        "UpdateItem" => """{"Attributes":{"next":{"N":"7"}}}""",
        "GetItem" => """{"Item":{"holder":{"S":"{\"processId\":1,\"host\":\"h\",\"user\":\"u\",\"command\":\"slipway up\",\"since\":\"2026-12-02T00:00:00Z\"}"},"leaseUntil":{"N":"1"}}}""",
        "Query" => """{"Items":[{"pk":{"S":"stack:slipway-shop"},"sk":{"S":"run#000000000007"},"action":{"S":"deploy"},"startedAt":{"N":"1"}}]}""",
        "GetAuthorizationToken" => """{"authorizationData":[{"authorizationToken":"QVdTOnBhc3N3b3Jk","proxyEndpoint":"https://1.dkr.ecr"}]}""",
        _ => "{}",
    };

    private static string CannedXml(string form)
    {
        var action = form.Split('&').First(p => p.StartsWith("Action=", StringComparison.Ordinal))[7..];
        return action switch
        {
            "DetectStackDrift" => "<DetectStackDriftResponse><DetectStackDriftResult><StackDriftDetectionId>d-1</StackDriftDetectionId></DetectStackDriftResult></DetectStackDriftResponse>",
            "DescribeChangeSet" => "<DescribeChangeSetResponse><DescribeChangeSetResult><Status>CREATE_COMPLETE</Status><ExecutionStatus>AVAILABLE</ExecutionStatus><Changes/></DescribeChangeSetResult></DescribeChangeSetResponse>",
            _ => $"<{action}Response><{action}Result/></{action}Response>",
        };
    }

    private async Task<JsonObject> CallEveryEcsEcrSsmAndLogsOperationAsync(CancellationToken ct)
    {
        var ecs = EcsClient.Create(Settings, TimeProvider.System);
        var ecr = EcrClient.Create(Settings, TimeProvider.System);
        var definition = await ecs.DescribeTaskDefinitionAsync("arn:td:1", ct);
        await ecs.ForceNewDeploymentAsync("cluster", "shop", ct);
        var service = await ecs.DescribeServiceAsync("cluster", "shop", ct);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_764_950_460_500), service?.Events?.Single().CreatedAt);
        await ecs.DescribeServicesAsync("cluster", ["shop", "shop-worker"], ct);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_764_950_401_250), Assert.Single(await ecs.StoppedTasksAsync("cluster", "shop", ct)).StartedAt);
        await ecs.StoppedTaskReasonsAsync("cluster", "shop", ct);
        // A one-off task of a release, with the task definition Slipway registers for it.
        var app = Support.Manifests.Parse("app: shop\nsource:\n  git: x\nsecrets:\n  API_TOKEN:\n    fromEnv: T\naws:\n  exec: true\n",
            "/deploy/slipway.yaml", "local") with { Environment = new Slipway.Configuration.EnvironmentSpec { Name = "aws", Platform = "aws" } };
        var stack = new Slipway.Platforms.Aws.StackReferences(new Dictionary<string, string>
        {
            ["ExecutionRole"] = "slipway-shop-ExecutionRole-1", ["TaskRole"] = "slipway-shop-TaskRole-1", ["LogGroup"] = "/slipway/shop",
            ["PublicSubnet1"] = "subnet-1", ["PublicSubnet2"] = "subnet-2", ["TaskSecurityGroup"] = "sg-1",
        }, "arn:aws:cloudformation:eu-west-1:123456789012:stack/slipway-shop/guid", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/slipway/shop");
        var release = Slipway.Platforms.Aws.StackTemplate.Release(app, "v2", "f1");
        var registered = await ecs.RegisterTaskDefinitionAsync(Slipway.Platforms.Aws.OneOffTaskDefinition.From(app, release, stack, AwsEndpointProfile.RealAws), ct);
        var task = await ecs.RunTaskAsync("slipway-shop", registered, Slipway.Platforms.Aws.OneOffTaskDefinition.Network(app, stack),
            Slipway.Platforms.Aws.OneOffTaskDefinition.CommandOverride(app, ["flask", "db", "upgrade"]), ct);
        await ecs.DescribeTaskAsync("slipway-shop", task, ct);
        await ecs.StopTaskAsync("slipway-shop", task, "stopped by slipway", ct);
        await ecs.DeregisterTaskDefinitionAsync(registered, ct);
        await ecs.RunningTasksAsync("slipway-shop", "shop", ct);
        await ecs.ExecuteCommandAsync("slipway-shop", task, "shop", "ps aux", ct);
        await ecr.HasTagAsync("slipway/shop", "v2", ct);
        await ecr.ListImagesAsync("slipway/shop", ct);
        await ecr.GetAuthorizationAsync(ct);
        await ecr.RepositoryUriAsync("slipway/shop", ct);
        await ecr.DeleteRepositoryAsync("slipway/shop", ct);
        var ssm = SsmClient.Create(Settings, TimeProvider.System);
        await ssm.PutSecretAsync("/slipway/shop/API_TOKEN", "value", ct);
        await ssm.DeleteAsync(["/slipway/shop/API_TOKEN"], ct);
        await LogsClient.Create(Settings, TimeProvider.System).FilterAsync("/slipway/shop", 1_700_000_000_000, "shop/worker/", ct);

        return definition;
    }

    private async Task CallEveryCloudFormationOperationAsync(CancellationToken ct)
    {
        var cloudFormation = CloudFormationClient.Create(Settings, TimeProvider.System);
        await cloudFormation.CreateChangeSetAsync("slipway-shop", "cs1", "{}", create: true, ct);
        await cloudFormation.DescribeChangeSetAsync("slipway-shop", "cs1", ct);
        await cloudFormation.ExecuteChangeSetAsync("slipway-shop", "cs1", "slipway-token-1", ct);
        await cloudFormation.DeleteChangeSetAsync("slipway-shop", "cs1", ct);
        await cloudFormation.DescribeStackAsync("slipway-shop", ct);
        await cloudFormation.NewestEventIdAsync("slipway-shop", ct);
        await cloudFormation.DescribeStackEventsAsync("slipway-shop", after: null, ct);
        await cloudFormation.GetTemplateAsync("slipway-shop", ct);
        await cloudFormation.ContinueUpdateRollbackAsync("slipway-shop", "slipway-token-2", ct);
        await cloudFormation.CancelUpdateStackAsync("slipway-shop", "slipway-token-4", ct);
        await cloudFormation.DeleteStackAsync("slipway-shop", "slipway-token-3", ct);
        await cloudFormation.DetectStackDriftAsync("slipway-shop", ct);
        await cloudFormation.DescribeDriftDetectionAsync("d-1", ct);
        await cloudFormation.DescribeResourceDriftsAsync("slipway-shop", ct);
        await cloudFormation.DescribeStackResourcesAsync("slipway-shop", ct);
    }

    /// <summary>Every DynamoDB request of the shared lock and history, through their real code.</summary>
    private async Task CallEveryDynamoDbOperationAsync(CancellationToken ct)
    {
        var table = new Slipway.Platforms.Aws.SharedState.StateTable(DynamoDbClient.Create(Settings, TimeProvider.System), TimeProvider.System);
        var lease = new Slipway.Platforms.Aws.SharedState.TableDeployLock(table, "slipway-shop", "shop", "aws");
        await using (await lease.AcquireAsync(wait: false, _ => { }, _ => { }, ct)) { }
        await lease.ReleaseAbandonedAsync(ct);
        var log = new Slipway.Platforms.Aws.SharedState.TableReleaseLog(table, "slipway-shop");
        var id = await log.StartAsync(new Slipway.Platforms.History.RunStart("shop", "aws", "aws", "deploy", DateTimeOffset.UnixEpoch, "u", "h"), ct);
        await log.CompleteAsync(id, new Slipway.Platforms.History.RunEnd("succeeded", "v1", null, null, DateTimeOffset.UnixEpoch), ct);
        Assert.Equal(7, Assert.Single(await log.ListAsync("shop", "aws", 5, ct)).Id);
        await DynamoDbClient.Create(Settings, TimeProvider.System).CreateTableAsync("slipway-state", new Dictionary<string, string> { ["k"] = "v" }, ct);
    }

    [Fact]
    public async Task DynamoDb_requests_match_its_model()
    {
        var ct = TestContext.Current.CancellationToken;
        await CallEveryDynamoDbOperationAsync(ct);

        var model = ServiceModel.Load("dynamodb");
        var problems = new List<string>();
        foreach (var (target, contentType, body, _) in Captured)
        {
            Assert.Equal("application/x-amz-json-1.0", contentType);
            Assert.Equal(model.Metadata["targetPrefix"]!.GetValue<string>(), target!.Split('.')[0]);
            problems.AddRange(model.CheckJson(target.Split('.')[1], JsonNode.Parse(body)!).Select(p => $"{target}: {p}"));
        }
        Assert.Equal(["CreateTable", "DeleteItem", "DescribeTable", "GetItem", "PutItem", "Query", "UpdateItem"],
            Captured.Select(r => r.Target!.Split('.')[1]).Distinct().Order());
        Assert.Empty(problems);
    }

    [Fact]
    public async Task Every_call_the_clients_make_is_allowed_by_the_published_policy()
    {
        var ct = TestContext.Current.CancellationToken;
        await CallEveryEcsEcrSsmAndLogsOperationAsync(ct);
        await CallEveryCloudFormationOperationAsync(ct);
        await CallEveryDynamoDbOperationAsync(ct);
        var policy = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "deploy", "aws", "iam-policy.json")))!;
        var allowed = policy["Statement"]!.AsArray().Where(st => (string?)st!["Effect"] == "Allow")
            .SelectMany(st => st!["Action"] is JsonArray many ? many.Select(a => (string)a!) : [(string)st["Action"]!]).ToList();

        var actions = Captured.Select(r => r.Target is null ? $"cloudformation:{r.Form["Action"]}" : r.Target.Split('.')[0] switch
        {
            "AmazonSSM" => "ssm:", "Logs_20140328" => "logs:", "DynamoDB_20120810" => "dynamodb:",
            var prefix when prefix.StartsWith("AmazonEC2ContainerService", StringComparison.Ordinal) => "ecs:",
            _ => "ecr:",
        } + r.Target.Split('.')[1]).Distinct().ToList();

        Assert.True(actions.Count >= 20, string.Join(", ", actions));
        Assert.All(actions, action => Assert.True(
            allowed.Any(a => a == action || (a.EndsWith('*') && action.StartsWith(a[..^1], StringComparison.Ordinal))),
            $"{action} is called but deploy/aws/iam-policy.json does not allow it"));
    }

    [Fact]
    public async Task Ecs_and_ecr_requests_match_their_models()
    {
        var ct = TestContext.Current.CancellationToken;
        var definition = await CallEveryEcsEcrSsmAndLogsOperationAsync(ct);

        Assert.Equal("f", (string?)definition["family"]);
        var problems = new List<string>();
        foreach (var (target, contentType, body, _) in Captured)
        {
            Assert.Equal("application/x-amz-json-1.1", contentType);
            var (prefix, operation) = (target!.Split('.')[0], target.Split('.')[1]);
            var model = ServiceModel.Load(prefix switch
            {
                "AmazonSSM" => "ssm",
                "Logs_20140328" => "logs",
                _ when prefix.StartsWith("AmazonEC2ContainerService", StringComparison.Ordinal) => "ecs",
                _ => "ecr",
            });
            Assert.Equal(model.Metadata["targetPrefix"]!.GetValue<string>(), prefix);
            problems.AddRange(model.CheckJson(operation, JsonNode.Parse(body)!).Select(p => $"{target}: {p}"));
        }
        Assert.Equal(23, Captured.Count);
        Assert.Empty(problems);
    }

    [Fact]
    public async Task CloudFormation_requests_match_its_model()
    {
        var ct = TestContext.Current.CancellationToken;
        await CallEveryCloudFormationOperationAsync(ct);

        var model = ServiceModel.Load("cloudformation");
        var problems = new List<string>();
        foreach (var (_, contentType, _, form) in Captured)
        {
            Assert.StartsWith("application/x-www-form-urlencoded", contentType);
            Assert.Equal("2010-05-15", form["Version"]);
            problems.AddRange(model.CheckQuery(form["Action"], form.Keys.Where(k => k is not "Action" and not "Version")).Select(p => $"{form["Action"]}: {p}"));
        }
        Assert.Equal(15, Captured.Count);
        Assert.Empty(problems);
    }

    [Fact]
    public void The_checker_catches_fields_the_model_does_not_have()
    {
        Assert.NotEmpty(ServiceModel.Load("ecs").CheckJson("UpdateService", JsonNode.Parse("""{"cluster":"c","serviceName":"s"}""")!));
        Assert.NotEmpty(ServiceModel.Load("ecs").CheckJson("RegisterTaskDefinition",
            JsonNode.Parse("""{"family":"f","containerDefinitions":[{"Name":"shop"}]}""")!));
        Assert.Contains("UpdateService.desiredCount should be a integer", ServiceModel.Load("ecs").CheckJson("UpdateService",
            JsonNode.Parse("""{"service":"s","desiredCount":"2"}""")!));
        Assert.Contains("UpdateService: required member service is missing", ServiceModel.Load("ecs").CheckJson("UpdateService",
            JsonNode.Parse("""{"cluster":"c","desiredCount":2}""")!));
        Assert.NotEmpty(ServiceModel.Load("cloudformation").CheckQuery("CreateChangeSet", ["StackName", "ChangeSetName", "Parameters.member.1.Key"]));
        Assert.Contains("CreateChangeSet: required member ChangeSetName is missing",
            ServiceModel.Load("cloudformation").CheckQuery("CreateChangeSet", ["StackName", "Parameters.member.1.ParameterKey"]));
        Assert.Empty(ServiceModel.Load("cloudformation").CheckQuery("CreateChangeSet", ["StackName", "ChangeSetName", "Parameters.member.1.ParameterKey"]));
    }

    public async ValueTask DisposeAsync() => await _endpoint.DisposeAsync();
}

/// <summary>A botocore service model (service-2.json.gz from the machine's pyenv Python) and checks of requests against it.</summary>
internal sealed class ServiceModel(JsonObject model)
{
    public JsonObject Metadata => model["metadata"]!.AsObject();
    private JsonObject Shapes => model["shapes"]!.AsObject();

    public static ServiceModel Load(string service)
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var file = Directory.EnumerateDirectories(Path.Combine(home, ".pyenv", "versions"))
            .SelectMany(v => Directory.EnumerateDirectories(Path.Combine(v, "lib")))
            .Select(lib => Path.Combine(lib, "site-packages", "botocore", "data", service))
            .Where(Directory.Exists)
            .SelectMany(dir => Directory.EnumerateFiles(dir, "service-2.json.gz", SearchOption.AllDirectories))
            .Order().Last();
        using var stream = new GZipStream(File.OpenRead(file), CompressionMode.Decompress);
        return new ServiceModel(JsonNode.Parse(stream)!.AsObject());
    }

    private string InputShape(string operation) =>
        model["operations"]![operation]?["input"]?["shape"]?.GetValue<string>() ?? throw new ArgumentException($"no operation {operation}");

    public IEnumerable<string> CheckJson(string operation, JsonNode body) => Check(body, model["operations"]![operation] is null ? null : InputShape(operation), operation);

    private IEnumerable<string> Check(JsonNode? value, string? shapeName, string path)
    {
        if (shapeName is null) { yield return $"{path}: unknown operation"; yield break; }
        var shape = Shapes[shapeName]!;
        var type = shape["type"]!.GetValue<string>();
        switch (type)
        {
            case "structure" when value is JsonObject obj:
                foreach (var required in shape["required"]?.AsArray().Select(r => r!.GetValue<string>()) ?? [])
                    if (obj[required] is null) yield return $"{path}: required member {required} is missing";
                foreach (var (key, child) in obj)
                {
                    var member = shape["members"]![key];
                    if (member is null) { yield return $"{path}.{key} is not a member of {shapeName}"; continue; }
                    foreach (var problem in Check(child, member["shape"]!.GetValue<string>(), $"{path}.{key}")) yield return problem;
                }
                break;
            case "list" when value is JsonArray array:
                foreach (var item in array)
                foreach (var problem in Check(item, shape["member"]!["shape"]!.GetValue<string>(), path + "[]")) yield return problem;
                break;
            case "map" when value is JsonObject map:
                foreach (var (_, child) in map)
                foreach (var problem in Check(child, shape["value"]!["shape"]!.GetValue<string>(), path + "{}")) yield return problem;
                break;
            case "string" when value is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String:
            case "integer" or "long" or "double" or "float" when value is JsonValue n && n.GetValueKind() == System.Text.Json.JsonValueKind.Number:
            case "boolean" when value is JsonValue b && b.GetValueKind() is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False:
            case "timestamp" when value is JsonValue t && t.GetValueKind() is System.Text.Json.JsonValueKind.Number or System.Text.Json.JsonValueKind.String:
            case "blob" when value is JsonValue:
                break;
            case var _ when value is null:
                break; // null members are left out on the wire
            default:
                yield return $"{path} should be a {type}";
                break;
        }
    }

    /// <summary>Query parameters such as <c>Parameters.member.1.ParameterKey</c> walked through the input shape.</summary>
    public IEnumerable<string> CheckQuery(string operation, IEnumerable<string> keys)
    {
        var sent = keys.ToList();
        var input = Shapes[InputShape(operation)]!;
        foreach (var required in input["required"]?.AsArray().Select(r => r!.GetValue<string>()) ?? [])
            if (!sent.Any(k => k == required || k.StartsWith(required + ".", StringComparison.Ordinal)))
                yield return $"{operation}: required member {required} is missing";
        foreach (var key in sent)
        {
            var shape = input;
            foreach (var part in key.Split('.').Where(p => p != "member" && !int.TryParse(p, out _)))
            {
                while (shape["type"]!.GetValue<string>() == "list") shape = Shapes[shape["member"]!["shape"]!.GetValue<string>()]!;
                var member = shape["members"]?[part];
                if (member is null) { yield return $"{key}: {part} is not a member"; break; }
                shape = Shapes[member["shape"]!.GetValue<string>()]!;
            }
        }
    }
}
