using System.CommandLine;
using Slipway.Platforms;
using Slipway.Pipeline;

namespace Slipway.Cli.Commands;

public static class UpCommand
{
    public static Command Create(PlatformCatalog platforms)
    {
        var file = CommonOptions.File();
        var environment = CommonOptions.Environment(platforms);
        var json = CommonOptions.Json();
        var noCheck = new Option<bool>("--no-check") { Description = "Skip the final check of the public URL" };
        var force = new Option<bool>("--force") { Description = "Roll the release out again even when it already serves" };
        var yes = CommonOptions.Yes();
        var noWait = CommonOptions.NoWait();
        var canary = new Option<string?>("--canary")
        {
            Description = "Send this share of the requests (1-99%) to the new release first; the edge promotes it or aborts it by its 5xx rate and latency",
            HelpName = "percent",
        };
        var canaryFor = new Option<string?>("--for") { Description = "How long a canary is judged before it is promoted (default 2m)", HelpName = "duration" };
        var maxErrorRate = new Option<string?>("--max-error-rate")
        {
            Description = "How much higher than the serving release's the canary's 5xx rate may be (default 1%)", HelpName = "percent",
        };
        var preview = PreviewCommand.Option("Deploy the checked-out commit as preview environment NAME (e.g. pr-123), derived from previews.from");
        var command = new Command("up", "Build the app from git and roll it out with zero downtime: infrastructure, build, deploy, check")
        {
            file, environment, json, noCheck, force, yes, noWait, canary, canaryFor, maxErrorRate, preview,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(platforms, parse.GetValue(file)!, parse.GetValue(environment)!, async context =>
        {
            var plan = CanaryOptions.Parse(parse.GetValue(canary), parse.GetValue(canaryFor), parse.GetValue(maxErrorRate));
            context.ConfirmProtected("deploy", parse.GetValue(yes));
            if (context.App.Preview is not null) await PreviewCommand.MakeRoomAsync(context, parse.GetValue(json), ct);
            context.Reporter.Header($"slipway up {context.App.App} ({context.Environment})");
            var pipeline = new UpPipeline(context.Platform, context.Secrets, context.Sources, context.LockTaker(!parse.GetValue(noWait)), context.History,
                context.Reporter, context.Time);
            var result = await pipeline.RunAsync(context.App, new UpOptions(Check: !parse.GetValue(noCheck), Force: parse.GetValue(force), Canary: plan,
                AfterInfrastructure: context.App.Preview is null ? null : PreviewCommand.Seeding(context)), ct);
            if (parse.GetValue(json)) CommandContext.WriteJson(result, CliJson.Default.UpResult);
            else Console.Out.WriteLine(result.Url);
            return 0;
        }, assumeYes: parse.GetValue(yes), preview: parse.GetValue(preview)));
        return command;
    }
}
