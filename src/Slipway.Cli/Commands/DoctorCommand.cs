using System.CommandLine;
using Slipway.Platforms;
using Slipway.Foundation;
using Slipway.Foundation.Files;
using Slipway.Cli.Preflight;

namespace Slipway.Cli.Commands;

public static class DoctorCommand
{
    public static Command Create(PlatformCatalog platforms)
    {
        var file = CommonOptions.File();
        var environment = CommonOptions.Environment(platforms);
        var json = CommonOptions.Json();
        var command = new Command("doctor", "Check what up needs (engine, base image, git, disk, state, edge proxy and port, AWS), with a fix for each problem")
        {
            file, environment, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var checks = await new Doctor(platforms, CommandContext.PlatformContextFor(StateDirectory.FromEnvironment(), assumeYes: false),
                parse.GetValue(file)!, parse.GetValue(environment)!).RunAsync(ct);
            if (parse.GetValue(json))
            {
                CommandContext.WriteJson(checks.Select(c => new DoctorCheckOutput(c.Name, c.Status.ToString().ToLowerInvariant(), c.Detail, c.Hint)).ToList(),
                    CliJson.Default.IReadOnlyListDoctorCheckOutput);
            }
            else
            {
                foreach (var check in checks)
                {
                    var mark = check.Status switch { CheckStatus.Ok => "ok  ", CheckStatus.Warning => "warn", _ => "FAIL" };
                    Console.Out.WriteLine($"{mark}  {check.Name,-16} {check.Detail}");
                    if (check.Status != CheckStatus.Ok && check.Hint is not null) Console.Out.WriteLine($"      {"",-16} hint: {check.Hint}");
                }
            }
            return checks.Any(c => c.Status == CheckStatus.Failed) ? ErrorCodeExtensions.OperationFailed : 0;
        });
        return command;
    }
}
