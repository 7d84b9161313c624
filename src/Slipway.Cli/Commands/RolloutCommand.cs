using System.CommandLine;
using Slipway.Foundation;
using Slipway.Platforms;

namespace Slipway.Cli.Commands;

/// <summary><c>slipway rollout promote|abort</c>: ends a canary by hand, before the edge judges it.</summary>
public static class RolloutCommand
{
    public static Command Create(PlatformCatalog platforms)
    {
        var root = new Command("rollout", "End a canary in progress (up --canary) by hand: promote it to every request, or abort it");
        root.Subcommands.Add(Wire(platforms, new Command("promote", "Send every request to the canary now; the serving release drains"), promote: true));
        root.Subcommands.Add(Wire(platforms, new Command("abort", "Send every request back to the serving release now; the canary drains"), promote: false));
        return root;
    }

    private static Command Wire(PlatformCatalog platforms, Command command, bool promote)
    {
        var file = CommonOptions.File();
        var environment = CommonOptions.Environment(platforms);
        var json = CommonOptions.Json();
        command.Options.Add(file);
        command.Options.Add(environment);
        command.Options.Add(json);
        command.SetAction((parse, ct) => CommandRunner.RunAsync(platforms, parse.GetValue(file)!, parse.GetValue(environment)!, async context =>
        {
            if (context.Platform is not ICanaryReleases platform)
                throw new SlipwayException(ErrorCode.PlatformNotAvailable, $"rollout: the {context.Platform.Name} platform runs no canaries",
                    "canaries run on the local and swarm platforms (slipway up --canary PERCENT)");
            var report = await context.Reporter.StageAsync(promote ? "promote" : "abort", async log =>
                await platform.EndCanaryAsync(context.App, promote, log, ct) is { } ended
                    ? Foundation.Output.StageOutcome.Done(ended, $"{ended.Version} {ended.Outcome} ({ended.Requests} request(s), {ended.Errors} 5xx)")
                    : throw new SlipwayException(ErrorCode.NoCanary, $"no canary of {context.App.App} is in progress",
                        "start one with slipway up --canary PERCENT; slipway status shows what serves"));
            await CleanUpAsync(context, ct);
            if (parse.GetValue(json)) CommandContext.WriteJson(report, CliJson.Default.CanaryReport);
            else context.Reporter.Line(promote
                ? $"{report.Version} takes every request; {report.StableVersion} drained"
                : $"{report.StableVersion} takes every request again; {report.Version} drained");
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// The <c>up</c> that started the canary removes the replicas that no longer take requests. When none holds the app's lock
    /// (it was killed), they are removed here.
    /// </summary>
    private static async Task CleanUpAsync(CommandContext context, CancellationToken ct)
    {
        try
        {
            await using var held = await context.LockTaker(wait: false).AcquireAsync(context.App.App, ct);
            await context.Reporter.StageAsync("clean up", async stage =>
                Foundation.Output.StageOutcome.Done(true, $"removed {await context.Platform.RemoveLeftoversAsync(context.App, stage, ct)} replica(s) that take no requests"));
        }
        catch (SlipwayException e) when (e.Code == ErrorCode.LockHeld)
        {
            context.Reporter.Line("the slipway up that started the canary removes the drained replicas");
        }
    }
}
