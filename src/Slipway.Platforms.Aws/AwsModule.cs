using Slipway.Cloud.Aws;
using Slipway.Foundation;
using Slipway.Configuration;
using Slipway.Engine;
using Slipway.Platforms.Aws.SharedState;

namespace Slipway.Platforms.Aws;

/// <summary>
/// The aws platform: a CloudFormation stack per app (VPC, load balancer, ECS Fargate service), images pushed to ECR, runs
/// coordinated by a lease and recorded in a DynamoDB table every machine shares. Its settings are the manifest's <c>aws:</c>.
/// </summary>
public sealed class AwsModule : IPlatformModule
{
    public const string PlatformName = "aws";

    public string Name => PlatformName;
    public string? Section => "aws";
    public bool ReadsSsmParameters => true;
    public object ReadSection(MappingReader? section) => AwsManifestSection.Read(section);

    /// <summary>
    /// A preview is a stack of its own: a stack name of the base's with the preview's after it (the default, slipway-APP-PREVIEW, is
    /// already its own), its DNS record at the preview's host in the base's zone (none when previews have no host: the load
    /// balancer's name serves), and the base's certificate only with that record (a wildcard certificate covers previews).
    /// </summary>
    public object ForPreview(object settings, PreviewInfo preview, string? host)
    {
        var aws = (AwsSpec)settings;
        var dns = host is not null && aws.Dns is { } zone ? zone with { Name = host } : null;
        return aws with
        {
            StackName = aws.StackName is { } name ? $"{name}-{preview.Name}" : null,
            Dns = dns,
            CertificateArn = dns is null ? null : aws.CertificateArn,
        };
    }

    public PlatformSession Open(AppManifest app, AppSecrets secrets, PlatformContext context)
    {
        var (time, environment) = (context.Time, context.Environment);
        var settings = AwsSettings.Resolve(app.Aws().Region, environment);
        var profile = AwsEndpointProfile.FromEnvironment(environment); // before anything is opened: a refusal leaves nothing to close
        var engine = new DockerEngine(EngineSelection.Resolve(app.Engine, environment));
        var table = new StateTable(DynamoDbClient.Create(settings, time), time);
        var stackName = StackTemplate.StackName(app);
        var platform = new AwsPlatform(CloudFormationClient.Create(settings, time), EcrClient.Create(settings, time), EcsClient.Create(settings, time),
            LogsClient.Create(settings, time), SsmClient.Create(settings, time), engine, profile, secrets,
            new EcsExec(EcsClient.Create(settings, time), settings.Region.SystemName, settings.EndpointFor("ecs", "ECS"), environment), context.Confirm, time,
            AwsPlatform.StackTags(app), app.Notify is { } notify ? notify.Webhook?.ToString() ?? environment(notify.WebhookFromEnv!) : null);
        return new PlatformSession(platform, new TableDeployLock(table, stackName, app.App, app.Environment.Name), new TableReleaseLog(table, stackName),
            secrets, [engine]);
    }

    public async Task<IReadOnlyList<DoctorCheck>> CheckAsync(AppManifest? app, PlatformContext context, CancellationToken ct)
    {
        AwsSettings settings;
        try
        {
            settings = AwsSettings.Resolve(app?.Aws().Region, context.Environment);
        }
        catch (SlipwayException e)
        {
            return [new("aws", CheckStatus.Failed, e.Message, e.Hint)];
        }
        var endpoint = settings.EndpointFor("cloudformation", "CloudFormation");
        string kind;
        try
        {
            kind = settings.CredentialsKind(); // only the kind of credentials is shown, never a key
        }
        catch (SlipwayException e)
        {
            return [new("aws", CheckStatus.Failed, e.Message, e.Hint)];
        }
        var found = new DoctorCheck("aws", CheckStatus.Ok, $"region {settings.Region.SystemName}, credentials found ({kind}), endpoint {endpoint.Host}");
        return app is null ? [found] : [found, await PermissionsAsync(app, settings, context.Time, ct)];
    }

    /// <summary>
    /// The permissions that can be proven without changing anything: one read per service Slipway writes to, on this
    /// app's own resources (a missing one answers "not found", which proves the permission as well). Writes are
    /// proven only by making them, so the check says which it verified.
    /// </summary>
    private static async Task<DoctorCheck> PermissionsAsync(AppManifest app, AwsSettings settings, TimeProvider time, CancellationToken ct)
    {
        var cloudFormation = CloudFormationClient.Create(settings, time);
        var ecr = EcrClient.Create(settings, time);
        var dynamo = DynamoDbClient.Create(settings, time);
        (string Action, Func<Task> Read)[] probes =
        [
            ("cloudformation:DescribeStacks", () => cloudFormation.DescribeStackAsync(StackTemplate.StackName(app), ct)),
            ("ecr:DescribeRepositories", () => ecr.RepositoryUriAsync(StackTemplate.RepositoryName(app), ct)),
            ("dynamodb:DescribeTable", () => dynamo.TableStatusAsync(StateTable.DefaultName, ct)),
        ];
        var (verified, denied) = (new List<string>(), new List<string>());
        foreach (var (action, read) in probes)
        {
            try
            {
                await read();
                verified.Add(action);
            }
            catch (AwsServiceException e) when (e.IsAccessDenied)
            {
                if (e.IsCredentialProblem)
                    return new("permissions", CheckStatus.Failed, $"AWS refused the credentials ({e.Code})", "check them: aws sts get-caller-identity");
                denied.Add(action);
            }
            catch (AwsUnreachableException e)
            {
                return new("permissions", CheckStatus.Failed, e.Message, "check the network (and AWS_ENDPOINT_URL, if set)");
            }
        }
        return denied.Count > 0
            ? new("permissions", CheckStatus.Failed, $"denied: {string.Join(", ", denied)}; allowed: {(verified.Count == 0 ? "none" : string.Join(", ", verified))}",
                "attach the policy slipway package -e aws --policy writes (deploy/aws/iam-policy.json, narrowed to this app)")
            : new("permissions", CheckStatus.Ok,
                $"verified {string.Join(", ", verified)}; the writes a deploy makes are proven only by making them (slipway package -e aws --policy lists them)");
    }

    /// <summary>
    /// Every stack with a recorded run in the shared state table, from any machine: its last runs, and who holds its lease.
    /// Without an AWS region here the platform is not set up, and shows nothing.
    /// </summary>
    public TimeSpan OverviewEvery => TimeSpan.FromSeconds(15);

    public async Task<PlatformOverview> OverviewAsync(PlatformContext context, CancellationToken ct)
    {
        AwsSettings settings;
        try
        {
            settings = AwsSettings.Resolve(null, context.Environment);
        }
        catch (SlipwayException)
        {
            return PlatformOverview.None(PlatformName, "not set up here (no AWS region)");
        }
        using var dynamo = DynamoDbClient.Create(settings, context.Time);
        var table = new StateTable(dynamo, context.Time);
        try
        {
            if (!await table.ExistsAsync(ct)) return PlatformOverview.None(PlatformName, $"region {settings.Region.SystemName}: no deploys yet");
            var stacks = await table.Client.QueryDescendingAsync(table.Name, TableReleaseLog.DeploymentsPartition, StateTable.PartitionOf(""), 100, ct);
            var apps = new List<DeploymentOverview>();
            foreach (var stack in stacks.OrderBy(s => StateTable.Text(s, "app"), StringComparer.Ordinal))
            {
                var (stackName, app, environment) = (StateTable.Text(stack, DynamoDbClient.SortKey)![StateTable.PartitionOf("").Length..], StateTable.Text(stack, "app") ?? "?",
                    StateTable.Text(stack, "environment") ?? PlatformName);
                var releases = (await new TableReleaseLog(table, stackName).ListAsync(app, environment, 5, ct)).Select(ReleaseOverview.Of).ToList();
                var lease = await new TableDeployLock(table, stackName, app, environment).InspectAsync(ct);
                var serving = releases.FirstOrDefault(r => r.Result == "succeeded" && r.Action != "destroy");
                apps.Add(new DeploymentOverview(app, environment, PlatformName, null,
                    releases.FirstOrDefault()?.Action == "destroy" ? null : serving?.Version, serving?.StartedAt, [], false,
                    lease.Held ? lease.Holder : null, releases));
            }
            return new PlatformOverview(PlatformName, $"region {settings.Region.SystemName}", apps);
        }
        catch (Exception e) when (ToUserError(e) is { } error) // the dashboard shows the others, and says why this one is empty
        {
            return PlatformOverview.None(PlatformName, $"region {settings.Region.SystemName}: {error.Message}");
        }
    }

    public SlipwayException? ToUserError(Exception e) => e switch
    {
        AwsServiceException aws => aws.ToUserError("AWS request failed"),
        AwsUnreachableException unreachable => new SlipwayException(ErrorCode.AwsRequestFailed, unreachable.Message,
            "check the network (and AWS_ENDPOINT_URL, if set), then run the command again: it converges"),
        _ => null,
    };
}

/// <summary>The manifest's <c>aws:</c> settings of an app.</summary>
public static class AwsManifest
{
    public static AwsSpec Aws(this AppManifest app) => app.SettingsOf<AwsSpec>(AwsModule.PlatformName);

    /// <summary>The app with other <c>aws:</c> settings.</summary>
    public static AppManifest WithAws(this AppManifest app, AwsSpec settings) =>
        app with { PlatformSettings = new Dictionary<string, object>(app.PlatformSettings) { [AwsModule.PlatformName] = settings } };
}
