using System.CommandLine;
using Slipway.Platforms;
using Slipway.Pipeline;

namespace Slipway.Cli.Commands;

public static class RollbackCommand
{
    public static Command Create(PlatformCatalog platforms)
    {
        var file = CommonOptions.File();
        var environment = CommonOptions.Environment(platforms);
        var json = CommonOptions.Json();
        var noCheck = new Option<bool>("--no-check") { Description = "Skip the final check of the public URL" };
        var noWait = CommonOptions.NoWait();
        var yes = CommonOptions.Yes();
        var version = new Argument<string?>("version")
        {
            Description = "The version to go back to (default: the release before the one serving)",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command("rollback", "Roll back to the previous (or a named) release, with the same health-gated cut-over as a deploy")
        {
            version, file, environment, json, noCheck, noWait, yes,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(platforms, parse.GetValue(file)!, parse.GetValue(environment)!, async context =>
        {
            context.ConfirmProtected("roll back", parse.GetValue(yes));
            context.Reporter.Header($"slipway rollback {context.App.App} ({context.Environment})");
            var pipeline = new RollbackPipeline(context.Platform, context.LockTaker(!parse.GetValue(noWait)), context.History, context.Reporter, context.Time);
            var result = await pipeline.RunAsync(context.App, parse.GetValue(version), check: !parse.GetValue(noCheck), ct);
            if (parse.GetValue(json)) CommandContext.WriteJson(result, CliJson.Default.RollbackResult);
            else Console.Out.WriteLine(result.Url);
            return 0;
        }));
        return command;
    }
}
