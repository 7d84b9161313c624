using Slipway.Cloud.Aws;
using Slipway.Common;
using Slipway.Configuration;
using Slipway.Edge;
using Slipway.EdgeControl;
using Slipway.Engine;
using Slipway.Source;

namespace Slipway.Diagnostics;

public enum CheckStatus { Ok, Warning, Failed }

public sealed record DoctorCheck(string Name, CheckStatus Status, string Detail, string? Hint = null);

/// <summary>Preflight checks, each a status line with a fix hint: what `up` needs, checked without changing anything.</summary>
public sealed class Doctor(StateDirectory state, string manifestPath, string environment)
{
    public const string BaseImage = "localhost/bookworm-python:latest";

    public async Task<IReadOnlyList<DoctorCheck>> RunAsync(CancellationToken ct)
    {
        var checks = new List<DoctorCheck>();
        AppManifest? app = null;
        try
        {
            app = ManifestLoader.Load(manifestPath, environment);
            app.Build.EnsureDockerfileExists();
            checks.Add(new("manifest", CheckStatus.Ok, $"{Path.GetFileName(manifestPath)}: app {app.App}"));
        }
        catch (SlipwayException e)
        {
            checks.Add(new("manifest", e.Code == ErrorCode.ManifestNotFound ? CheckStatus.Warning : CheckStatus.Failed, e.Message, e.Hint));
        }

        checks.Add(await GitAsync(ct));
        checks.AddRange(await EngineAsync(ct));
        checks.Add(StateDirectory());
        checks.Add(Disk());
        // The environment's platform decides, not its name: an aws production environment gets the AWS checks.
        var onAws = (app?.Environment.Platform ?? PlatformKinds.Parse(environment)) == PlatformKind.Aws;
        if (!onAws) checks.Add(await EdgeAsync(app, ct));
        else checks.AddRange(await AwsAsync(app, ct));
        return checks;
    }

    private static async Task<DoctorCheck> GitAsync(CancellationToken ct)
    {
        try
        {
            var version = await new Git().RunAsync(Path.GetTempPath(), ["--version"], ct);
            return version.Ok ? new("git", CheckStatus.Ok, version.Output.Trim())
                : new("git", CheckStatus.Failed, version.LastErrorLine, "install git (apt-get install git)");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or CliWrap.Exceptions.CliWrapException)
        {
            return new("git", CheckStatus.Failed, "git is not installed", "install git (apt-get install git)");
        }
    }

    private static async Task<IReadOnlyList<DoctorCheck>> EngineAsync(CancellationToken ct)
    {
        EngineEndpoint endpoint;
        try
        {
            endpoint = EngineEndpoint.FromEnvironment();
        }
        catch (SlipwayException e)
        {
            return [new("engine", CheckStatus.Failed, e.Message, e.Hint)];
        }
        using var engine = new DockerEngine(endpoint);
        try
        {
            var version = await engine.EnsureReachableAsync(ct);
            var image = await engine.ImageExistsAsync(BaseImage, ct);
            return
            [
                new("engine", CheckStatus.Ok, $"{endpoint.Display}: engine {version.Version} (API {version.ApiVersion}), API {version.ApiInUse} in use"),
                image ? new("base image", CheckStatus.Ok, $"{BaseImage} present")
                      : new("base image", CheckStatus.Warning, $"{BaseImage} is missing (the example app builds FROM it)", "run scripts/install.sh as root"),
            ];
        }
        catch (SlipwayException e)
        {
            return [new("engine", CheckStatus.Failed, e.Message, e.Hint)];
        }
        catch (Exception e) when (e is EngineApiException or EngineTimeoutException or HttpRequestException or System.Net.Sockets.SocketException or IOException)
        {
            // doctor reports, it never throws: whatever the engine answered is one line.
            return [new("engine", CheckStatus.Failed, $"{endpoint.Display}: {e.Message.Split('\n')[0]}", "check the engine (docker info, or its log)")];
        }
    }

    private DoctorCheck StateDirectory()
    {
        try
        {
            Directory.CreateDirectory(state.Root);
            var probe = Path.Combine(state.Root, $".doctor-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
            return new("state directory", CheckStatus.Ok, $"{state.Root} is writable");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new("state directory", CheckStatus.Failed, $"{state.Root}: {e.Message}", "set SLIPWAY_STATE_DIR to a writable folder");
        }
    }

    private DoctorCheck Disk()
    {
        var existing = state.Root;
        while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is { } parent) existing = parent;
        var free = new DriveInfo(existing).AvailableFreeSpace / (1024.0 * 1024 * 1024);
        return free >= 2
            ? new("disk", CheckStatus.Ok, $"{free:0.0} GiB free for images and state")
            : new("disk", CheckStatus.Warning, $"only {free:0.0} GiB free", "free some space: images need a few hundred MiB each (docker image prune)");
    }

    private async Task<DoctorCheck> EdgeAsync(AppManifest? app, CancellationToken ct)
    {
        using var edge = new EdgeClient(new EdgePaths(state.Edge));
        var info = await edge.InfoAsync(ct);
        var port = app?.Edge.Port;
        if (info is not null)
        {
            var serves = port is not null && info.Ports.Contains(port.Value);
            if (port is null || serves || Ports.IsFree(port.Value))
                return new("edge proxy", CheckStatus.Ok, $"running (pid {info.ProcessId}), ports {string.Join(", ", info.Ports.DefaultIfEmpty())}");
        }
        else if (File.Exists(edge.Paths.StateFile) && new FileInfo(edge.Paths.StateFile).Length > 2)
        {
            return new("edge proxy", CheckStatus.Failed, "not running, but it has saved routes: the apps deployed here are not served",
                "run slipway up for any app: it starts the edge proxy, which restores every route");
        }
        else if (port is null || Ports.IsFree(port.Value))
        {
            return new("edge proxy", CheckStatus.Ok, "not running: up starts it" + (port is null ? "" : $"; port {port} is free"));
        }
        return new("edge proxy", CheckStatus.Failed, $"port {port} is in use by another program", "choose another edge.port, or stop that program");
    }

    private static async Task<IReadOnlyList<DoctorCheck>> AwsAsync(AppManifest? app, CancellationToken ct)
    {
        AwsSettings settings;
        try
        {
            settings = AwsSettings.Resolve(app?.Aws.Region, Environment.GetEnvironmentVariable);
        }
        catch (SlipwayException e)
        {
            return [new("aws", CheckStatus.Failed, e.Message, e.Hint)];
        }
        var endpoint = settings.EndpointFor("cloudformation", "CloudFormation");
        // Only the kind of credentials is shown, never a key.
        var found = new DoctorCheck("aws", CheckStatus.Ok,
            $"region {settings.Region.SystemName}, credentials found ({settings.Credentials.GetType().Name}), endpoint {endpoint.Host}");
        return app is null ? [found] : [found, await PermissionsAsync(app, settings, ct)];
    }

    /// <summary>
    /// The permissions that can be proven without changing anything: one read per service Slipway writes to, on this
    /// app's own resources (a missing one answers "not found", which proves the permission as well). Writes are
    /// proven only by making them, so the check says which it verified.
    /// </summary>
    private static async Task<DoctorCheck> PermissionsAsync(AppManifest app, AwsSettings settings, CancellationToken ct)
    {
        var time = TimeProvider.System;
        var cloudFormation = CloudFormationClient.Create(settings, time);
        var ecr = EcrClient.Create(settings, time);
        var dynamo = DynamoDbClient.Create(settings, time);
        (string Action, Func<Task> Read)[] probes =
        [
            ("cloudformation:DescribeStacks", () => cloudFormation.DescribeStackAsync(Platforms.Aws.StackTemplate.StackName(app), ct)),
            ("ecr:DescribeRepositories", () => ecr.RepositoryUriAsync(Platforms.Aws.StackTemplate.RepositoryName(app), ct)),
            ("dynamodb:DescribeTable", () => dynamo.TableStatusAsync(Platforms.Aws.Shared.StateTable.DefaultName, ct)),
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

}
