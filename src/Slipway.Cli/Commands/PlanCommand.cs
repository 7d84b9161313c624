using System.CommandLine;
using Slipway.Platforms;
using Slipway.Pipeline;

namespace Slipway.Cli.Commands;

public static class PlanCommand
{
    public static Command Create(PlatformCatalog platforms)
    {
        var file = CommonOptions.File();
        var environment = CommonOptions.Environment(platforms);
        var json = CommonOptions.Json();
        var command = new Command("plan", "Show what up would do (infrastructure changes, build, rollout), changing nothing") { file, environment, json };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(platforms, parse.GetValue(file)!, parse.GetValue(environment)!, async context =>
        {
            var plan = await new PlanPipeline(context.Platform, context.Secrets, context.Sources).RunAsync(context.App, ct);
            if (parse.GetValue(json))
            {
                CommandContext.WriteJson(plan, CliJson.Default.PlanResult);
                return 0;
            }
            var output = Console.Out;
            output.WriteLine($"plan for {plan.App} ({context.Environment}, {plan.Platform})");
            output.WriteLine("infrastructure:");
            foreach (var line in plan.Infrastructure) output.WriteLine($"  {line}");
            output.WriteLine($"build:  {(plan.Build ? $"yes, version {plan.Version}" : "no (image exists or release already serves)")}");
            output.WriteLine($"deploy: {(plan.Deploy ? $"{plan.ServingVersion ?? "nothing"} -> {plan.Version}" : $"nothing to do ({plan.Version} serves)")}");
            return 0;
        }));
        return command;
    }
}
