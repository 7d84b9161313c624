using System.CommandLine;
using Slipway.Foundation;
using Slipway.Foundation.Files;
using Slipway.Platforms;

namespace Slipway.Cli.Commands;

/// <summary><c>slipway maintenance on [--message TEXT | --page FILE]</c> and <c>off</c>: the front door answers 503 with a page, for this app only.</summary>
public static class MaintenanceCommand
{
    private const int LargestPage = 1 << 20;

    public static Command Create(PlatformCatalog platforms)
    {
        var root = new Command("maintenance", "Answer the app's requests with 503 and a page (on), or serve it again (off); kept across deploys and restarts");
        var message = new Option<string?>("--message") { Description = "The text to show (default: \"<app> is down for maintenance\")" };
        var page = new Option<FileInfo?>("--page") { Description = "An HTML page to show instead of a message (at most 1 MiB, in the manifest's folder)" };
        var on = new Command("on", "Put the app in maintenance: requests get 503, Retry-After and the page");
        var off = new Command("off", "Serve the app again");
        Wire(platforms, on, (parse, project) =>
        {
            if (parse.GetValue(message) is not null && parse.GetValue(page) is not null)
                throw new SlipwayException(ErrorCode.InvalidSetting, "maintenance on: --message and --page do not go together", "give one of them");
            return parse.GetValue(page) is { } file ? ReadPage(file, project) : null;
        }, parse => parse.GetValue(message), turnOn: true, message, page);
        Wire(platforms, off, (_, _) => null, _ => null, turnOn: false);
        root.Subcommands.Add(on);
        root.Subcommands.Add(off);
        return root;
    }

    private static void Wire(PlatformCatalog platforms, Command command, Func<ParseResult, string, MaintenancePage?> pageOf, Func<ParseResult, string?> messageOf, bool turnOn,
        params Option[] extra)
    {
        var file = CommonOptions.File();
        var environment = CommonOptions.Environment(platforms);
        command.Options.Add(file);
        command.Options.Add(environment);
        foreach (var option in extra) command.Options.Add(option);
        command.SetAction((parse, ct) => CommandRunner.RunAsync(platforms, parse.GetValue(file)!, parse.GetValue(environment)!, async context =>
        {
            if (context.Platform is not IMaintenance platform)
                throw new SlipwayException(ErrorCode.PlatformNotAvailable, $"maintenance is not available on the {context.Platform.Name} platform yet",
                    "put a fixed response in front of the app by hand for now");
            var page = turnOn ? pageOf(parse, context.App.ManifestDirectory) ?? new MaintenancePage(messageOf(parse) ?? $"{context.App.App} is down for maintenance", IsHtml: false) : null;
            // On aws this is a stack update: it waits for a deploy in progress rather than race it.
            await using (await context.LockTaker(wait: true).AcquireAsync(context.App.App, ct))
                await context.Reporter.StageAsync("maintenance", async log =>
                {
                    await platform.SetMaintenanceAsync(context.App, page, log, ct);
                    return Foundation.Output.StageOutcome.Done(true, turnOn ? "on" : "off");
                });
            context.Reporter.Line(turnOn ? $"{context.App.App} is in maintenance: its requests get 503 and the page" : $"{context.App.App} serves again");
            return 0;
        }));
    }

    /// <summary>The page is served to the world: it must be a regular file of the project (links resolved), never one from elsewhere.</summary>
    private static MaintenancePage ReadPage(FileInfo file, string project)
    {
        if (!file.Exists)
            throw new SlipwayException(ErrorCode.InvalidSetting, $"--page: no file at {file.FullName}", "give the path of an HTML file");
        if (!RealPath.IsInside(file.FullName, project))
            throw new SlipwayException(ErrorCode.InvalidSetting, $"--page: {file.FullName} is outside {project}",
                "keep the maintenance page in the project, beside its slipway.yaml: it is published as it is");
        return new MaintenancePage(UserFile.ReadText(file.FullName, "--page", LargestPage), IsHtml: true);
    }
}
