using System.CommandLine;
using Slipway.Foundation;
using Slipway.Platforms;

namespace Slipway.Cli.Commands;

/// <summary><c>slipway jobs</c> and <c>slipway jobs run NAME</c>: the app's scheduled jobs (<c>jobs:</c>), and one run now.</summary>
public static class JobsCommand
{
    private static IScheduledJobs Require(CommandContext context) => context.Platform as IScheduledJobs ?? throw new SlipwayException(ErrorCode.PlatformNotAvailable,
        $"jobs: the {context.Platform.Name} platform runs no scheduled jobs yet", "deploy this environment on the local platform");

    public static Command Create(PlatformCatalog platforms)
    {
        var file = CommonOptions.File();
        var environment = CommonOptions.Environment(platforms);
        var json = CommonOptions.Json();
        var command = new Command("jobs", "The app's scheduled jobs: each one's schedule, next run, and last run with its result and duration")
        {
            file, environment, json, Run(platforms),
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(platforms, parse.GetValue(file)!, parse.GetValue(environment)!, async context =>
        {
            var jobs = await Require(context).JobsAsync(context.App, ct);
            if (parse.GetValue(json))
            {
                CommandContext.WriteJson(jobs, CliJson.Default.IReadOnlyListJobStatus);
                return 0;
            }
            if (jobs.Count == 0) Console.Out.WriteLine($"{context.App.App} has no jobs (declare them under jobs: in the manifest)");
            foreach (var job in jobs)
            {
                var next = job.Next is { } at ? at.ToLocalTime().ToString("yyyy-MM-dd HH:mm") : job.Version is null ? "not deployed (slipway up)" : "never";
                var last = job.Last is { } run
                    ? $"{run.Result}{(run.StartedAt is { } started ? $" at {started.ToLocalTime():yyyy-MM-dd HH:mm:ss}" : "")}"
                      + (run.Duration is { } duration ? $" in {Slipway.Foundation.Timing.Duration.Format(duration)}" : "") + $" ({run.Trigger})"
                    : "none yet";
                Console.Out.WriteLine($"{job.Name,-20} {job.Schedule} ({job.TimeZone})  next: {next}  last: {last}");
            }
            return jobs.Any(j => j.Last?.Failed == true) ? ErrorCodeExtensions.OperationFailed : 0;
        }));
        return command;
    }

    private static Command Run(PlatformCatalog platforms)
    {
        var file = CommonOptions.File();
        var environment = CommonOptions.Environment(platforms);
        var name = new Argument<string>("name") { Description = "The job, as the manifest's jobs: names it" };
        var command = new Command("run", "Run a job now, as its schedule would (the serving release's image, env and secrets); its output is redacted and its exit code passed through")
        {
            name, file, environment,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(platforms, parse.GetValue(file)!, parse.GetValue(environment)!, async context =>
        {
            var exit = await Require(context).RunJobAsync(context.App, parse.GetValue(name)!, line => Console.Out.WriteLine(context.Redactor.Redact(line)), ct);
            if (exit != 0) context.Reporter.Line($"job {parse.GetValue(name)} exited with {exit}");
            return exit;
        }));
        return command;
    }
}
