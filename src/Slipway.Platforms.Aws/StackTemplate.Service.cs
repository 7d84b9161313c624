using System.Text.Json.Nodes;
using Slipway.Configuration;

namespace Slipway.Platforms.Aws;

/// <summary>The ECS service and what it runs with: its task definition, deployment under the circuit breaker, and the secrets its tasks may read.</summary>
public static partial class StackTemplate
{
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
            ["NetworkConfiguration"] = TaskNetwork(app),
            ["LoadBalancers"] = new JsonArray(new JsonObject
            {
                ["ContainerName"] = ContainerName(app), ["ContainerPort"] = app.Port, ["TargetGroupArn"] = Ref("TargetGroup"),
            }),
        };
        if (app.Aws().Autoscaling is null) properties["DesiredCount"] = app.Replicas;
        if (app.Aws().Exec) properties["EnableExecuteCommand"] = true;
        if (ServiceConnectClient(app) is { } client) properties["ServiceConnectConfiguration"] = client;
        var service = Resource("AWS::ECS::Service", properties,
            [.. ServiceDependencies(app), .. StorageDependencies(app, release), .. AccessoryDependencies(app)]);
        // The release it runs, readable in the template (ReleaseIn), and a change of the service's own definition with each release.
        service["Metadata"] = new JsonObject { [VersionKey] = ReleaseOf(release)?.Version };
        yield return ("Service", service);
        foreach (var scaling in Autoscaling(app)) yield return scaling;
        foreach (var process in Processes(app, release)) yield return process;
        foreach (var job in Jobs(app, release)) yield return job;
    }

    /// <summary>Where a task runs: the task subnets, behind the task security group.</summary>
    internal static JsonObject TaskNetwork(AppManifest app) => new()
    {
        ["AwsvpcConfiguration"] = new JsonObject
        {
            ["AssignPublicIp"] = app.Aws().PrivateSubnets ? "DISABLED" : "ENABLED",
            ["Subnets"] = TaskSubnets(app),
            ["SecurityGroups"] = new JsonArray(Ref("TaskSecurityGroup")),
        },
    };

    /// <summary>
    /// What the service needs before its tasks can start and be reached, which no Ref implies: the listener that
    /// forwards to its target group, and in private subnets the routes or endpoints that reach ECR and CloudWatch.
    /// </summary>
    private static string[] ServiceDependencies(AppManifest app) =>
        [app.Aws().CertificateArn is null ? "HttpListener" : "HttpsListener", .. NetworkDependencies(app)];

    /// <summary>The mount targets a task with volumes mounts through, which must exist before it starts.</summary>
    private static string[] StorageDependencies(AppManifest app, JsonObject? release) =>
        VolumesOf(app, release).Count > 0 ? MountTargetIds(app).ToArray() : [];

    /// <summary>
    /// In public subnets, the gateway attachment: a task there has a public IP, and the gateway cannot be detached while one
    /// is mapped, so tasks must go first on delete (AWS's "When a DependsOn attribute is required"). In private subnets, the
    /// routes or endpoints that reach ECR and CloudWatch, which a task needs to start.
    /// </summary>
    private static string[] NetworkDependencies(AppManifest app)
    {
        if (app.Aws().ExistingVpc is not null) return [];
        if (!app.Aws().PrivateSubnets) return ["GatewayAttachment"];
        return
        [
            "PrivateSubnet1Routes", "PrivateSubnet2Routes",
            .. app.Aws().Egress == EgressMode.Nat
                ? ["PrivateDefaultRoute1", "PrivateDefaultRoute2"]
                : EndpointServices(app.Secrets.Count > 0, app.Aws().Exec).Select(e => e.Name).Append("S3Endpoint"),
        ];
    }

    /// <summary>
    /// Whether tasks read secrets: the manifest's, or the serving release's (kept until a release without them
    /// replaces it, so that an infrastructure change never stops a serving release from starting tasks).
    /// </summary>
    private static bool ReadsSecrets(AppManifest app, JsonObject? release) =>
        app.Secrets.Count > 0 || app.Accessories.Any(a => a.Secrets.Count > 0) || release?["Properties"]?["ContainerDefinitions"]?.AsArray().Any(c => c?["Secrets"] is not null) == true;

    /// <summary>
    /// The user's own parameters the tasks read (secrets <c>fromSsm</c>), the manifest's and the serving release's, so
    /// that an infrastructure change never stops the serving release from starting tasks.
    /// </summary>
    private static IEnumerable<string> UsersParameters(AppManifest app, JsonObject? release) =>
        app.Secrets.Values.Concat(app.Accessories.SelectMany(a => a.Secrets.Values)).Select(s => s.FromSsm).OfType<string>()
            .Concat(release?["Properties"]?["ContainerDefinitions"]?.AsArray().SelectMany(c => c?["Secrets"]?.AsArray() ?? [])
                .Select(s => (string?)s?["ValueFrom"]).OfType<string>() ?? [])
            .Where(p => !p.StartsWith($"/slipway/{app.App}/", StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);

    /// <summary>A parameter's ARN: as given when it is one, else in the stack's own region and account.</summary>
    private static JsonNode ParameterArn(string parameter) => parameter.StartsWith("arn:", StringComparison.Ordinal)
        ? JsonValue.Create(parameter)!
        : new JsonObject { ["Fn::Sub"] = $"arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter/{parameter.TrimStart('/')}" };

    /// <summary>
    /// Lets ECS read the app's secret parameters (and nothing else) when it starts a task. The user's own parameters
    /// (fromSsm) may be encrypted with a key of the user's, which ECS can use only with kms:Decrypt ("Required only if your
    /// secret uses a custom KMS key", https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-app-secrets-manager.html
    /// and the SSM page beside it); it is allowed through SSM only. Slipway's own parameters use the account's aws/ssm key.
    /// </summary>
    private static JsonArray SecretsPolicy(AppManifest app, JsonObject? release)
    {
        if (!ReadsSecrets(app, release)) return [];
        var users = UsersParameters(app, release).ToList();
        var statements = new JsonArray(new JsonObject
        {
            ["Effect"] = "Allow", ["Action"] = new JsonArray("ssm:GetParameters"),
            // One resource unless the user's own parameters add to it: a stack deployed before they existed stays unchanged.
            ["Resource"] = users.Count > 0
                ? new JsonArray(users.Prepend($"slipway/{app.App}/*").Select(ParameterArn).ToArray())
                : ParameterArn($"slipway/{app.App}/*"),
        });
        if (users.Count > 0)
            statements.Add((JsonNode)new JsonObject
            {
                ["Effect"] = "Allow", ["Action"] = new JsonArray("kms:Decrypt"), ["Resource"] = "*",
                ["Condition"] = new JsonObject
                {
                    ["StringEquals"] = new JsonObject { ["kms:ViaService"] = new JsonObject { ["Fn::Sub"] = "ssm.${AWS::Region}.${AWS::URLSuffix}" } },
                },
            });
        return new JsonArray(new JsonObject
        {
            ["PolicyName"] = "read-secrets",
            ["PolicyDocument"] = new JsonObject { ["Version"] = "2012-10-17", ["Statement"] = statements },
        });
    }
}
