using System.CommandLine;
using Slipway.Foundation;
using Slipway.Platforms;

namespace Slipway.Cli.Commands;

/// <summary><c>slipway accessory status|logs|restart|exec NAME</c>: the services run beside the app (<c>accessories:</c>).</summary>
public static class AccessoryCommand
{
    public static Command Create(PlatformCatalog platforms) => new("accessory",
        "The services run beside the app (accessories: in the manifest, e.g. a database): their state, logs, a restart, a command inside")
    {
        Status(platforms), Logs(platforms), Restart(platforms), Exec(platforms),
    };

    private static Argument<string> Name() => new("name") { Description = "The accessory, as the manifest's accessories: names it" };

    private static IAppData Require(CommandContext context)
    {
        if (context.App.Accessories.Count == 0)
            throw new SlipwayException(ErrorCode.InvalidSetting, $"accessory: {context.App.App} has no accessories",
                "declare one under accessories: in the manifest (e.g. db: { image: postgres:16 }) and run slipway up");
        return context.Platform as IAppData ?? throw new SlipwayException(ErrorCode.PlatformNotAvailable,
            $"accessory: the {context.Platform.Name} platform does not run accessories yet", "run them on a local environment");
    }

    private static Command Status(PlatformCatalog platforms)
    {
        var file = CommonOptions.File();
        var environment = CommonOptions.Environment(platforms);
        var json = CommonOptions.Json();
        var command = new Command("status", "Each accessory's container, state, health and address on the app's network, and the volumes it keeps")
        {
            file, environment, json,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(platforms, parse.GetValue(file)!, parse.GetValue(environment)!, async context =>
        {
            var data = Require(context);
            var accessories = await data.AccessoriesAsync(context.App, ct);
            var volumes = await data.VolumesAsync(context.App, ct);
            if (parse.GetValue(json))
            {
                CommandContext.WriteJson(new AccessoriesOutput(accessories, volumes.Where(v => v.Name.Contains('/')).ToList()), CliJson.Default.AccessoriesOutput);
                return 0;
            }
            foreach (var declared in context.App.Accessories)
            {
                var running = accessories.FirstOrDefault(a => a.Name == declared.Name);
                Console.Out.WriteLine(running is null
                    ? $"{declared.Name}: not running (slipway up starts it)"
                    : $"{declared.Name}: {running.State}, {running.Health}, reached at {running.Address} ({running.Container}, {running.Image})");
                foreach (var volume in volumes.Where(v => v.Name.StartsWith(declared.Name + "/", StringComparison.Ordinal)))
                    Console.Out.WriteLine($"  volume {volume.Volume} at {volume.Path ?? "(no longer mounted)"}: {(volume.Bytes is { } bytes ? Slipway.Foundation.Output.ByteSize.Format(bytes) : "size unknown")}");
            }
            return accessories.Count == context.App.Accessories.Count && accessories.All(a => a.State == "running") ? 0 : ErrorCodeExtensions.OperationFailed;
        }));
        return command;
    }

    private static Command Logs(PlatformCatalog platforms)
    {
        var file = CommonOptions.File();
        var environment = CommonOptions.Environment(platforms);
        var name = Name();
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new lines until interrupted" };
        var since = new Option<string?>("--since") { Description = "Only lines newer than this (e.g. 10m, 1h)", HelpName = "duration" };
        var tail = new Option<int?>("--tail") { Description = "Only the last N lines", HelpName = "n" };
        file.Aliases.Remove("-f"); // as in slipway logs: -f follows, -m is the manifest
        file.Aliases.Add("-m");
        var command = new Command("logs", "An accessory's log, redacted (-m for the manifest)") { name, file, environment, follow, since, tail };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(platforms, parse.GetValue(file)!, parse.GetValue(environment)!, async context =>
        {
            var data = Require(context);
            var window = LogsCommand.Window(parse.GetValue(since), parse.GetValue(tail));
            try
            {
                await data.StreamAccessoryLogsAsync(context.App, parse.GetValue(name)!, new LogQuery(window, parse.GetValue(follow), Tail: parse.GetValue(tail)),
                    line => Console.Out.WriteLine(context.Redactor.Redact($"[{line.Replica}] {line.Text}")), ct);
            }
            catch (OperationCanceledException) when (parse.GetValue(follow) && ct.IsCancellationRequested)
            {
            }
            return 0;
        }));
        return command;
    }

    private static Command Restart(PlatformCatalog platforms)
    {
        var file = CommonOptions.File();
        var environment = CommonOptions.Environment(platforms);
        var name = Name();
        var noWait = CommonOptions.NoWait();
        var command = new Command("restart", "Stop an accessory and start it again with its data, gated on its health check (under the app's deploy lock)")
        {
            name, file, environment, noWait,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(platforms, parse.GetValue(file)!, parse.GetValue(environment)!, async context =>
        {
            var data = Require(context);
            var accessory = parse.GetValue(name)!;
            context.Reporter.Header($"slipway accessory restart {accessory} ({context.App.App}, {context.Environment})");
            await using var held = await context.LockTaker(!parse.GetValue(noWait)).AcquireAsync(context.App.App, ct);
            await context.Reporter.StageAsync("restart", async log =>
            {
                await data.RestartAccessoryAsync(context.App, accessory, log, ct);
                return Slipway.Foundation.Output.StageOutcome.Done(true, $"accessory {accessory} restarted and healthy");
            });
            return 0;
        }));
        return command;
    }

    private static Command Exec(PlatformCatalog platforms)
    {
        var file = CommonOptions.File();
        var environment = CommonOptions.Environment(platforms);
        var name = Name();
        var commandLine = new Argument<string[]>("command") { Description = "The command and its arguments, after --", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("exec", "Run a command inside an accessory (e.g. psql); its output is redacted and its exit code passed through")
        {
            name, file, environment, commandLine,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(platforms, parse.GetValue(file)!, parse.GetValue(environment)!, async context =>
        {
            var data = Require(context);
            if (parse.GetValue(commandLine) is not { Length: > 0 } words || words.All(string.IsNullOrWhiteSpace))
                throw new SlipwayException(ErrorCode.InvalidSetting, "accessory exec: no command was given",
                    $"put it after --, e.g. slipway accessory exec {parse.GetValue(name)} -- psql -U app -c 'select 1'");
            var exit = await data.ExecAccessoryAsync(context.App, parse.GetValue(name)!, words, line => Console.Out.WriteLine(context.Redactor.Redact(line)), ct);
            if (exit != 0) context.Reporter.Line($"the command exited with {exit}");
            return exit;
        }));
        return command;
    }
}
