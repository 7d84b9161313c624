using System.CommandLine;
using Slipway.Cli.Commands;
using Slipway.Common;

namespace Slipway.Cli;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        ProcessMask.MakePrivate();
        var root = CreateRoot();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            await Console.Error.WriteLineAsync($"error: {parse.Errors[0].Message}");
            await Console.Error.WriteLineAsync("hint: see slipway --help, or slipway <command> --help");
            return ErrorCodeExtensions.InvalidInput;
        }
        // Ctrl-C cancels the command's token; the command then removes what took no traffic yet, says
        // "interrupted" and exits 130. It gets time for that cleanup instead of the default two seconds.
        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
    }

    /// <summary>Every command and its options; the tests walk it, so no command goes without --help.</summary>
    public static RootCommand CreateRoot() => new RootCommand("Slipway: deploy any containerised web app from git, with zero-downtime rollouts, locally or on AWS.")
        {
            InitCommand.Create(),
            ImportCommand.Create(),
            UpCommand.Create(),
            PlanCommand.Create(),
            StatusCommand.Create(),
            LogsCommand.Create(),
            RollbackCommand.Create(),
            RolloutCommand.Create(),
            DestroyCommand.Create(),
            ReleasesCommand.Create(),
            LockCommand.Create(),
            DoctorCommand.Create(),
            DriftCommand.Create(),
            PackageCommand.Create(),
            RunCommand.Create(),
            ExecCommand.Create(),
            MaintenanceCommand.Create(),
            EdgeCommand.Create(),
            DashboardCommand.Create(),
            CompletionCommand.Create(),
        };
}
