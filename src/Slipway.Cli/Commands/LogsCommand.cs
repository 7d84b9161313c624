using System.CommandLine;
using Slipway.Foundation;
using Slipway.Foundation.Timing;
using Slipway.Platforms;

namespace Slipway.Cli.Commands;

public static class LogsCommand
{
    public static Command Create(PlatformCatalog platforms)
    {
        var file = CommonOptions.File();
        var environment = CommonOptions.Environment(platforms);
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new lines until interrupted" };
        var since = new Option<string?>("--since") { Description = "Only lines newer than this (e.g. 10m, 1h)", HelpName = "duration" };
        var version = new Option<string?>("--version") { Description = "Only the replicas of this version (local)", HelpName = "sha" };
        var tail = new Option<int?>("--tail") { Description = "Only the last N lines of each replica", HelpName = "n" };
        var json = new Option<bool>("--json") { Description = "One JSON object per line: time (UTC, ISO 8601), replica, text" };
        var process = new Option<string?>("--process") { Description = "Only this process's containers (one of the manifest's processes:)", HelpName = "name" };
        var job = new Option<string?>("--job") { Description = "The output of a scheduled job's kept runs instead (one of the manifest's jobs:)", HelpName = "name" };
        // -f is the manifest everywhere else; here the user expects -f to follow, as in docker logs and kamal.
        file.Aliases.Remove("-f");
        file.Aliases.Add("-m");
        var command = new Command("logs", "The app's logs, interleaved by time, each line named by its replica (-m for the manifest)")
        {
            file, environment, follow, since, version, tail, json, process, job,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(platforms, parse.GetValue(file)!, parse.GetValue(environment)!, async context =>
        {
            var window = Window(parse.GetValue(since), parse.GetValue(tail));
            if (parse.GetValue(process) is { } name && context.App.Processes.All(p => p.Name != name))
                throw new SlipwayException(ErrorCode.InvalidSetting, $"--process: {context.App.App} has no process \"{name}\"",
                    context.App.Processes.Count == 0 ? "its manifest declares no processes: (logs without --process shows the web replicas)"
                        : $"its processes: {string.Join(", ", context.App.Processes.Select(p => p.Name))}");
            var query = new LogQuery(window, parse.GetValue(follow), parse.GetValue(version), parse.GetValue(tail), parse.GetValue(process));
            var asJson = parse.GetValue(json);
            var output = Console.Out;
            var gate = new object();
            try
            {
                Task Stream(Action<LogLine> onLine) => parse.GetValue(job) is { } name
                    ? (context.Platform as IScheduledJobs ?? throw new SlipwayException(ErrorCode.PlatformNotAvailable,
                        $"--job: the {context.Platform.Name} platform runs no scheduled jobs", "deploy the environment on the local platform")).StreamJobLogsAsync(context.App, name, query, onLine, ct)
                    : context.Platform.StreamLogsAsync(context.App, query, onLine, ct);
                await Stream(line =>
                {
                    var text = asJson
                        ? System.Text.Json.JsonSerializer.Serialize(new LogLineOutput(line.Time == DateTimeOffset.MinValue ? null : line.Time.ToUniversalTime().ToString("O"),
                            line.Replica, line.Text), CliLineJson.Default.LogLineOutput)
                        : $"{(line.Time == DateTimeOffset.MinValue ? "" : line.Time.ToLocalTime().ToString("HH:mm:ss.fff "))}[{line.Replica}] {line.Text}";
                    lock (gate) output.WriteLine(context.Redactor.Redact(text));
                });
            }
            catch (OperationCanceledException) when (query.Follow && ct.IsCancellationRequested)
            {
                // Ctrl-C ends following: a normal way out.
            }
            return 0;
        }));
        return command;
    }

    /// <summary>The --since window, with --tail checked: each bad value is one line and exit 2.</summary>
    internal static TimeSpan? Window(string? since, int? tail)
    {
        if (tail is < 0)
            throw new SlipwayException(ErrorCode.InvalidSetting, $"--tail: {tail} is negative", "give a number of lines, 0 or more");
        if (since is null) return null;
        return Duration.TryParse(since, out var parsed) ? parsed
            : throw new SlipwayException(ErrorCode.InvalidSetting, $"--since: \"{since}\" is not a duration", "use e.g. 30s, 10m, 2h");
    }
}
