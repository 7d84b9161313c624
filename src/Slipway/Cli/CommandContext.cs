using System.Text.Json;
using System.Text.Json.Serialization;
using Slipway.Common;
using Slipway.Configuration;
using Slipway.Edge;
using Slipway.Engine;
using Slipway.Output;
using Slipway.Platforms;
using Slipway.Cloud.Aws;
using Slipway.Platforms.Aws;
using Slipway.Platforms.Local;
using Slipway.Source;

namespace Slipway.Cli;

/// <summary>What a command runs with: the loaded manifest, the chosen platform, the reporter. Built per invocation.</summary>
public sealed class CommandContext : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    private readonly List<IDisposable> _owned = [];

    private CommandContext(AppManifest app, string environment, IPlatform platform, StateDirectory state, Reporter reporter, Redactor redactor)
    {
        Redactor = redactor;
        App = app;
        Environment = environment;
        Platform = platform;
        State = state;
        Reporter = reporter;
    }

    public AppManifest App { get; }
    public string Environment { get; }
    public IPlatform Platform { get; }
    public StateDirectory State { get; }
    public Reporter Reporter { get; }
    public Redactor Redactor { get; }
    public TimeProvider Time => TimeProvider.System;

    public SourceResolver Sources => new(new Git(), State.Sources);

    public History.ReleaseHistory History => new(State, Time, Redactor);

    public Pipeline.AppLocker Locker(bool wait) => new(State, Environment, wait, Reporter);

    /// <summary>A protected environment (production by default) asks before changing anything, unless --yes.</summary>
    public void ConfirmProtected(string action, bool assumeYes)
    {
        if (!App.Environment.Protected) return;
        if (!new Confirmation(assumeYes).Confirm($"{action} {App.App} in the protected environment {Environment}?",
                "pass --yes to confirm from a script"))
            throw new SlipwayException(ErrorCode.ConfirmationRequired, $"{action} of {App.App} ({Environment}) cancelled",
                "answer y, or pass --yes");
    }

    public static CommandContext Create(string manifestPath, string environment, Reporter reporter, Redactor redactor, bool assumeYes = false)
    {
        var app = ManifestLoader.Load(manifestPath, environment);
        foreach (var value in SecretResolver.Readable(app, System.Environment.GetEnvironmentVariable)) redactor.Add(value);
        var state = StateDirectory.FromEnvironment();
        state.MakePrivate();
        switch (app.Environment.Platform)
        {
            case "local":
                var engine = new DockerEngine(EngineEndpoint.FromEnvironment());
                var edge = new EdgeClient(new EdgePaths(state.Edge));
                var context = new CommandContext(app, environment, new LocalPlatform(engine, edge, state, TimeProvider.System), state, reporter, redactor);
                context._owned.Add(engine);
                context._owned.Add(edge);
                return context;
            case "aws":
                var settings = AwsSettings.Resolve(app.Aws.Region, System.Environment.GetEnvironmentVariable);
                var time = TimeProvider.System;
                var awsEngine = new DockerEngine(EngineEndpoint.FromEnvironment());
                var aws = new CommandContext(app, environment, new AwsPlatform(CloudFormationClient.Create(settings, time),
                    EcrClient.Create(settings, time), EcsClient.Create(settings, time), LogsClient.Create(settings, time), SsmClient.Create(settings, time), awsEngine,
                    RegistryOverride.FromEnvironment(System.Environment.GetEnvironmentVariable),
                    question => new Confirmation(assumeYes).Confirm(question, "pass --yes to confirm from a script"), time), state, reporter, redactor);
                aws._owned.Add(awsEngine);
                return aws;
            default:
                throw new SlipwayException(ErrorCode.PlatformNotAvailable, $"platform \"{app.Environment.Platform}\" is not available",
                    "use local or aws");
        }
    }

    public static void WriteJson<T>(T value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, Json));

    public void Dispose()
    {
        foreach (var owned in _owned) owned.Dispose();
    }
}
