using System.CommandLine;
using Slipway.Platforms;
using Slipway.Foundation;
using Slipway.Pipeline;

namespace Slipway.Cli.Commands;

public static class DestroyCommand
{
    public static Command Create(PlatformCatalog platforms)
    {
        var file = CommonOptions.File();
        var environment = CommonOptions.Environment(platforms);
        var yes = CommonOptions.Yes();
        var json = CommonOptions.Json();
        var noWait = CommonOptions.NoWait();
        var command = new Command("destroy", "Remove everything the app owns: replicas, images, routes, state (and the edge proxy when no app is left)")
        {
            file, environment, yes, json, noWait,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(platforms, parse.GetValue(file)!, parse.GetValue(environment)!, async context =>
        {
            var app = context.App.App;
            if (!new Confirmation(parse.GetValue(yes)).ConfirmByTyping(
                    $"destroy of {app} ({context.Environment}) removes it and everything it owns.", app, "pass --yes to confirm from a script"))
                throw new SlipwayException(ErrorCode.ConfirmationRequired, "destroy cancelled: the name did not match", $"type {app} exactly, or pass --yes");
            context.Reporter.Header($"slipway destroy {app} ({context.Environment})");
            var pipeline = new DestroyPipeline(context.Platform, context.LockTaker(!parse.GetValue(noWait)), context.History, context.Reporter);
            var report = await pipeline.RunAsync(context.App, ct);
            if (parse.GetValue(json)) CommandContext.WriteJson(report);
            return report.Problems.Count == 0 ? 0 : ErrorCodeExtensions.OperationFailed;
        }));
        return command;
    }
}
