using System.CommandLine;
using Slipway.Foundation;
using Slipway.Foundation.Output;
using Slipway.Platforms;

namespace Slipway.Cli.Commands;

public static class DriftCommand
{
    public static Command Create(PlatformCatalog platforms)
    {
        var file = CommonOptions.File();
        var environment = CommonOptions.Environment(platforms);
        var json = CommonOptions.Json();
        var repair = new Option<bool>("--repair") { Description = "Put drifted resources back by re-applying the template, then detect again" };
        var noWait = CommonOptions.NoWait();
        var command = new Command("drift", "Detect (and with --repair, undo) changes made to the app's AWS stack outside Slipway")
        {
            file, environment, json, repair, noWait,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(platforms, parse.GetValue(file)!, parse.GetValue(environment)!, async context =>
        {
            if (context.Platform is not IDriftDetection platform)
                throw new SlipwayException(ErrorCode.PlatformNotAvailable, $"drift detection is for stacks: the {context.Platform.Name} platform has none",
                    "run it with -e aws (or an environment on the aws platform); locally, slipway up converges what it finds");
            // A repair changes the stack: like every command that changes anything, it holds the app's deploy lock meanwhile.
            await using var held = parse.GetValue(repair) ? await context.LockTaker(wait: !parse.GetValue(noWait)).AcquireAsync(context.App.App, ct) : null;
            var report = await context.Reporter.StageAsync(parse.GetValue(repair) ? "drift and repair" : "drift", async log =>
            {
                var found = await platform.CheckDriftAsync(context.App, parse.GetValue(repair), log, ct);
                return StageOutcome.Done(found, found.Remaining == 0 ? "in sync" : $"{found.Remaining} resource(s) differ");
            });
            if (parse.GetValue(json)) CommandContext.WriteJson(report.Document, CliJson.Default.JsonNode);
            else foreach (var line in report.Lines) Console.Out.WriteLine(line);
            return report.Remaining == 0 ? 0 : ErrorCodeExtensions.OperationFailed;
        }));
        return command;
    }
}
