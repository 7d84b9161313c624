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
        var volumes = new Option<bool>("--volumes") { Description = "Remove the app's and its accessories' volumes too, and the data in them (kept by default)" };
        var preview = PreviewCommand.Option("Remove preview environment NAME completely: its replicas, accessories, volumes and route");
        var command = new Command("destroy",
            "Remove everything the app owns: replicas, accessories, images, routes, state (and the edge proxy when no app is left); volumes are kept unless --volumes")
        {
            file, environment, yes, json, noWait, volumes, preview,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(platforms, parse.GetValue(file)!, parse.GetValue(environment)!, async context =>
        {
            var app = context.App.App;
            var removeVolumes = parse.GetValue(volumes) || context.App.Preview is not null; // a preview goes completely
            if (removeVolumes && context.Platform is not IAppData)
                throw new SlipwayException(ErrorCode.PlatformNotAvailable, $"--volumes: the {context.Platform.Name} platform keeps no volumes of Slipway's",
                    "run destroy without --volumes");
            var data = context.Platform is IAppData appData ? await DescribeDataAsync(appData, context.App, ct) : null;
            var warning = $"destroy of {app} ({context.Environment}) removes it and everything it owns"
                + (data is null ? "." : removeVolumes ? $", and DELETES the data in {data}." : $"; its data is kept in {data}.");
            if (!new Confirmation(parse.GetValue(yes)).ConfirmByTyping(warning, app, "pass --yes to confirm from a script"))
                throw new SlipwayException(ErrorCode.ConfirmationRequired, "destroy cancelled: the name did not match", $"type {app} exactly, or pass --yes");
            context.Reporter.Header($"slipway destroy {app} ({context.Environment})");
            var pipeline = new DestroyPipeline(context.Platform, context.LockTaker(!parse.GetValue(noWait)), context.History, context.Reporter);
            var report = await pipeline.RunAsync(context.App, ct, removeVolumes);
            if (parse.GetValue(json)) CommandContext.WriteJson(report, CliJson.Default.DestroyReport);
            return report.Problems.Count == 0 ? 0 : ErrorCodeExtensions.OperationFailed;
        }, preview: parse.GetValue(preview)));
        return command;
    }

    /// <summary>The app's volumes and what they hold, in a few words; null: none (or the engine cannot say, which destroy reports itself).</summary>
    private static async Task<string?> DescribeDataAsync(IAppData data, Slipway.Configuration.AppManifest app, CancellationToken ct)
    {
        IReadOnlyList<VolumeStatus> volumes;
        try
        {
            volumes = await data.VolumesAsync(app, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return null;
        }
        if (volumes.Count == 0) return null;
        var holding = volumes.All(v => v.Bytes is not null)
            ? $" holding {Slipway.Foundation.Output.ByteSize.Format(volumes.Sum(v => v.Bytes ?? 0))}" : "";
        return $"{volumes.Count} volume(s){holding} ({string.Join(", ", volumes.Select(v => v.Volume))})";
    }
}
