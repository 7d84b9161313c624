using System.CommandLine;
using Slipway.Cli.Commands;
using Slipway.Foundation;
using Slipway.Foundation.Files;
using Slipway.Platforms;

namespace Slipway.Cli;

public static class Program
{
    public static Task<int> Main(string[] args) => RunAsync(args, BuiltInPlatforms.Catalog);

    /// <summary>Runs the CLI with these platforms: the program's own, or a test's with one more registered.</summary>
    public static async Task<int> RunAsync(string[] args, PlatformCatalog platforms)
    {
        ProcessMask.MakePrivate();
        var root = CreateRoot(platforms);
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
    public static RootCommand CreateRoot(PlatformCatalog platforms) => new RootCommand("Slipway: deploy any containerised web app from git, with zero-downtime rollouts, locally or on AWS.")
        {
            InitCommand.Create(platforms),
            ImportCommand.Create(platforms),
            UpCommand.Create(platforms),
            PlanCommand.Create(platforms),
            StatusCommand.Create(platforms),
            LogsCommand.Create(platforms),
            RollbackCommand.Create(platforms),
            RolloutCommand.Create(platforms),
            DestroyCommand.Create(platforms),
            ReleasesCommand.Create(platforms),
            LockCommand.Create(platforms),
            DoctorCommand.Create(platforms),
            DriftCommand.Create(platforms),
            PackageCommand.Create(platforms),
            RunCommand.Create(platforms),
            ExecCommand.Create(platforms),
            AccessoryCommand.Create(platforms),
            BackupCommand.Backup(platforms),
            BackupCommand.List(platforms),
            BackupCommand.Restore(platforms),
            JobsCommand.Create(platforms),
            PreviewCommand.List(platforms),
            MaintenanceCommand.Create(platforms),
            EdgeCommand.Create(platforms),
            DashboardCommand.Create(platforms),
            CompletionCommand.Create(platforms),
        };
}
