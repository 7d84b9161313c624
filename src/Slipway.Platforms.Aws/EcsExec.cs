using System.Diagnostics;
using System.Text.Json.Nodes;
using Slipway.Cloud.Aws;
using Slipway.Foundation;
using Slipway.Configuration;

namespace Slipway.Platforms.Aws;

/// <summary>
/// <c>slipway exec</c> on aws: ECS Exec into a running task of the web service (or of a worker's), its session carried by
/// the Session Manager plugin on this machine's terminal, called as the AWS CLI calls it
/// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html).
/// </summary>
/// <param name="ecsEndpoint">The ECS endpoint the plugin is told of, as the AWS CLI tells it.</param>
public sealed class EcsExec(EcsClient ecs, string region, Uri ecsEndpoint, Func<string, string?> environment)
{
    public const string Plugin = "session-manager-plugin";
    public const string InstallPlugin = "https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html";

    /// <summary>What exec needs on this side, checked before any request: ECS Exec enabled in the manifest, and the plugin installed; returns the plugin.</summary>
    public string EnsureUsable(AppManifest app)
    {
        if (!app.Aws().Exec)
            throw new SlipwayException(ErrorCode.InvalidSetting, $"exec: ECS Exec is not enabled for {app.App} ({app.Environment.Name})",
                "set aws.exec: true in the manifest and run slipway up: it gives the tasks the role ECS Exec needs");
        return FindPlugin()
            ?? throw new SlipwayException(ErrorCode.InvalidSetting, $"exec: the Session Manager plugin ({Plugin}) is not installed here",
                $"install it ({InstallPlugin}), then run the command again");
    }

    /// <param name="processes">The serving release's worker processes, whose tasks can be chosen too.</param>
    public async Task<int> RunAsync(AppManifest app, IReadOnlyList<string> processes, string? replica, IReadOnlyList<string> command, CancellationToken ct)
    {
        var plugin = EnsureUsable(app);
        var cluster = StackTemplate.ClusterName(app);
        var tasks = new List<(string Name, string Arn, string Container)>();
        foreach (var (service, container, prefix) in processes.Select(p => (StackTemplate.ProcessServiceName(app, p), p, p + "/"))
                     .Prepend((StackTemplate.ServiceName(app), StackTemplate.ContainerName(app), "")))
            tasks.AddRange((await ecs.RunningTasksAsync(cluster, service, ct)).Select(arn => (prefix + arn.Split('/')[^1], arn, container)));
        if (tasks.Count == 0)
            throw new SlipwayException(ErrorCode.VersionNotAvailable, $"no task of {app.App} is running on aws", "deploy it first with slipway up");
        var target = replica is null ? tasks[0]
            : tasks.FirstOrDefault(t => t.Name.StartsWith(replica, StringComparison.Ordinal) || t.Arn == replica) is { Arn: not null } found ? found
            : throw new SlipwayException(ErrorCode.InvalidSetting, $"--replica: {app.App} has no running task \"{replica}\"",
                $"its tasks: {string.Join(", ", tasks.Select(t => t.Name))}");
        var runtimeId = (await ecs.DescribeTaskAsync(cluster, target.Arn, ct))?.Containers?.FirstOrDefault(c => c.Name == target.Container)?.RuntimeId
            ?? throw new SlipwayException(ErrorCode.VersionNotAvailable, $"the task {target.Name} has no running container {target.Container}", "wait for it to start, or choose another with --replica");
        var session = await ecs.ExecuteCommandAsync(cluster, target.Arn, target.Container, ShellWords.Join(command), ct);
        return await StartPluginAsync(plugin, session.Session ?? new JsonObject(),
            new JsonObject { ["Target"] = $"ecs:{cluster}_{target.Arn.Split('/')[^1]}_{runtimeId}" }, ct);
    }

    private string? FindPlugin() =>
        (environment("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, Plugin)).FirstOrDefault(File.Exists);

    /// <summary>The plugin on this terminal: the user types into the task's command and sees its output; its exit code is the command's.</summary>
    private async Task<int> StartPluginAsync(string plugin, JsonObject session, JsonObject target, CancellationToken ct)
    {
        using var process = Process.Start(new ProcessStartInfo(plugin,
            [session.ToJsonString(), region, "StartSession", environment("AWS_PROFILE") ?? "", target.ToJsonString(), ecsEndpoint.ToString()])
        {
            UseShellExecute = false,
        }) ?? throw new SlipwayException(ErrorCode.InvalidSetting, $"exec: {plugin} did not start", $"reinstall it ({InstallPlugin})");
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return process.ExitCode;
    }
}

/// <summary>Words joined into one command line for a shell, each quoted unless it needs none.</summary>
public static class ShellWords
{
    public static string Join(IEnumerable<string> words) => string.Join(' ', words.Select(Quote));

    private static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,@%+".Contains(c)) ? word : "'" + word.Replace("'", "'\\''") + "'";
}
