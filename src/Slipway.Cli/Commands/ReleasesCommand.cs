using System.CommandLine;
using Slipway.Platforms;
using Slipway.Foundation;
using Slipway.Foundation.Timing;

namespace Slipway.Cli.Commands;

public static class ReleasesCommand
{
    public static Command Create(PlatformCatalog platforms)
    {
        var file = CommonOptions.File();
        var environment = CommonOptions.Environment(platforms);
        var json = CommonOptions.Json();
        var limit = new Option<int>("--limit", "-n") { Description = "How many to show", DefaultValueFactory = _ => 20 };
        var command = new Command("releases", "The history of deploys, rollbacks and destroys, newest first (failed ones included)")
        {
            file, environment, json, limit,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(platforms, parse.GetValue(file)!, parse.GetValue(environment)!, async context =>
        {
            if (parse.GetValue(limit) < 1)
                throw new Foundation.SlipwayException(Foundation.ErrorCode.InvalidSetting, $"--limit: {parse.GetValue(limit)} is not a positive number",
                    "give how many releases to show, e.g. -n 10");
            var records = await context.History.ListAsync(context.App.App, context.Environment, parse.GetValue(limit), ct);
            if (parse.GetValue(json))
            {
                CommandContext.WriteJson(records, CliJson.Default.IReadOnlyListReleaseRecord);
                return 0;
            }
            if (records.Count == 0)
            {
                Console.Out.WriteLine($"no releases of {context.App.App} ({context.Environment}) recorded yet");
                return 0;
            }
            Console.Out.WriteLine($"{"when",-20} {"action",-9} {"version",-24} {"from",-24} {"result",-12} {"took",7}  by");
            foreach (var r in records)
            {
                Console.Out.WriteLine($"{r.StartedAt.ToLocalTime():yyyy-MM-dd HH:mm:ss}  {r.Action,-9} {r.Version ?? "-",-24} {r.PreviousVersion ?? "-",-24} " +
                                      $"{r.Result,-12} {(r.Duration is { } d ? Duration.Format(d) : "-"),7}  {r.User}@{r.Host}");
                if (r.Error is not null) Console.Out.WriteLine($"{"",20}  {r.Error}");
            }
            return 0;
        }));
        return command;
    }
}
