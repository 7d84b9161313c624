using Slipway.Cloud.Aws;
using Slipway.Common;
using Slipway.Configuration;
using Slipway.Edge;
using Slipway.EdgeControl;
using Slipway.Engine;
using Slipway.History;
using Slipway.Platforms.Aws.Shared;
using Slipway.Platforms.Aws;
using Slipway.Platforms.Local;

namespace Slipway.Platforms;

/// <summary>
/// A platform with where its runs are coordinated (the deploy lock, the release log) and the clients it owns,
/// disposed together. Local environments keep both on this machine; aws ones share them through AWS.
/// </summary>
public sealed class PlatformSession(IPlatform platform, IDeployLock deployLock, IReleaseLog releases, AppSecrets secrets, IReadOnlyList<IDisposable> owned) : IDisposable
{
    /// <summary>The app's secrets, read once for the whole command.</summary>
    public AppSecrets Secrets { get; } = secrets;

    public IPlatform Platform { get; } = platform;
    public IDeployLock Lock { get; } = deployLock;
    public IReleaseLog Releases { get; } = releases;

    public void Dispose()
    {
        foreach (var resource in owned) resource.Dispose();
    }
}

/// <summary>
/// The composition root of the platforms: builds the chosen environment's platform with its clients (engine,
/// edge, AWS), so the CLI above never reaches a client itself.
/// </summary>
public static class PlatformFactory
{
    /// <param name="confirm">Asks the user a yes/no question (a platform may need one, e.g. to replace a failed stack).</param>
    public static PlatformSession Create(AppManifest app, StateDirectory state, Func<string, bool> confirm, TimeProvider time,
        Func<string, string?> environment)
    {
        var endpoint = EngineEndpoint.Parse(environment("DOCKER_HOST"));
        var secrets = new AppSecrets(app, environment);
        switch (app.Environment.Platform)
        {
            case PlatformKind.Aws:
                var settings = AwsSettings.Resolve(app.Aws.Region, environment);
                var awsEngine = new DockerEngine(endpoint);
                var table = new StateTable(DynamoDbClient.Create(settings, time), time);
                var stackName = StackTemplate.StackName(app);
                return new PlatformSession(new AwsPlatform(CloudFormationClient.Create(settings, time),
                    EcrClient.Create(settings, time), EcsClient.Create(settings, time), LogsClient.Create(settings, time),
                    SsmClient.Create(settings, time), awsEngine, RegistryOverride.FromEnvironment(environment), secrets,
                    new EcsExec(EcsClient.Create(settings, time), settings.Region.SystemName, settings.EndpointFor("ecs", "ECS"), environment), confirm, time),
                    new LeaseLock(table, stackName, app.App, app.Environment.Name), new TableReleaseLog(table, stackName), secrets, [awsEngine]);
            default:
                var engine = new DockerEngine(endpoint);
                var edge = new EdgeClient(new EdgePaths(state.Edge));
                return new PlatformSession(new LocalPlatform(engine, edge, state, secrets, time), new FileDeployLock(state, app.App, app.Environment.Name),
                    new SqliteReleaseLog(state), secrets, [engine, edge]);
        }
    }
}

/// <summary>
/// Turns what the clients throw (engine and AWS errors) into the one-line error and hint a user gets, so the
/// CLI maps failures without knowing the clients.
/// </summary>
public static class PlatformFailures
{
    public static SlipwayException? ToUserError(Exception e) => e switch
    {
        AwsServiceException aws => aws.ToUserError("AWS request failed"),
        AwsUnreachableException unreachable => new SlipwayException(ErrorCode.AwsRequestFailed, unreachable.Message,
            "check the network (and AWS_ENDPOINT_URL, if set), then run the command again: it converges"),
        EngineTimeoutException timeout => new SlipwayException(ErrorCode.EngineUnreachable, timeout.Message,
            "check the engine (docker info, or its log); once it answers, run the command again: it converges"),
        EngineApiException full when full.Message.Contains("no space left on device", StringComparison.OrdinalIgnoreCase) =>
            new SlipwayException(ErrorCode.EngineUnreachable, $"the engine's disk is full: {full.Message.Split('\n')[0]}",
                "free some space (docker system prune), then run the command again"),
        // Any other refusal by the edge (its disk full, an error of its own): one line, and where its log is.
        EdgeRequestException edge => new SlipwayException(ErrorCode.EdgeUnavailable, $"the edge proxy refused the change: {edge.Message.Split('\n')[0]}",
            "see the edge's log (edge.log in the state directory's edge folder), then run the command again"),
        EngineApiException api => new SlipwayException(ErrorCode.EngineUnreachable,
            $"the container engine refused a request: {api.Message.Split('\n')[0]}", "check the engine (docker info), then run the command again"),
        _ => null,
    };
}
