using System.CommandLine;
using Slipway.Common;
using Slipway.Output;
using Slipway.Platforms.Aws;

namespace Slipway.Cli.Commands;

public static class DriftCommand
{
    public static Command Create()
    {
        var file = CommonOptions.File();
        var environment = CommonOptions.Environment();
        var json = CommonOptions.Json();
        var repair = new Option<bool>("--repair") { Description = "Put drifted resources back by re-applying the template, then detect again" };
        var command = new Command("drift", "Detect (and with --repair, undo) changes made to the app's AWS stack outside Slipway")
        {
            file, environment, json, repair,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse.GetValue(file)!, parse.GetValue(environment)!, async context =>
        {
            if (context.Platform is not AwsPlatform aws)
                throw new SlipwayException(ErrorCode.PlatformNotAvailable, $"drift detection is for stacks: the {context.Platform.Name} platform has none",
                    "run it with -e aws (or an environment on the aws platform); locally, slipway up converges what it finds");
            var stack = StackTemplate.StackName(context.App);
            var drifts = await context.Reporter.StageAsync("drift", async log =>
            {
                var found = await aws.DetectDriftAsync(context.App, log, ct);
                return StageOutcome.Done(found, found.Count == 0 ? "in sync" : $"{found.Count} resource(s) drifted");
            });
            DriftRepairPlan? plan = null;
            var remaining = drifts;
            if (parse.GetValue(repair) && drifts.Count > 0)
            {
                plan = await context.Reporter.StageAsync("repair", async log =>
                {
                    var done = await aws.RepairDriftAsync(context.App, drifts, log, ct);
                    return StageOutcome.Done(done, $"{done.Repairable.Count} re-applied, {done.Unrepairable.Count} need a hand");
                });
                remaining = await aws.DetectDriftAsync(context.App, new NullLog(), ct);
            }
            if (parse.GetValue(json))
            {
                CommandContext.WriteJson(new { stack, drifted = drifts, repaired = plan?.Repairable.Select(d => d.LogicalId), unrepairable = plan?.Unrepairable, remaining });
            }
            else
            {
                foreach (var line in DriftRepair.Render(stack, remaining)) Console.Out.WriteLine(line);
                foreach (var item in (plan?.Unrepairable ?? DriftRepair.Plan(remaining).Unrepairable))
                    Console.Out.WriteLine($"  cannot repair {item.Drift.LogicalId} automatically: {item.Reason}");
            }
            return remaining.Count == 0 ? 0 : ErrorCodeExtensions.OperationFailed;
        }));
        return command;
    }

    private sealed class NullLog : IStageLog
    {
        public void Info(string message) { }
        public void Warn(string message) { }
    }
}
