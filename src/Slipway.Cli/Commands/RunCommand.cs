using System.CommandLine;
using Slipway.Foundation;
using Slipway.Foundation.Redaction;
using Slipway.Platforms;

namespace Slipway.Cli.Commands;

/// <summary><c>slipway run -- CMD...</c>: a one-off command in the serving release's image, with its env and secrets; its exit code is passed through.</summary>
public static class RunCommand
{
    public static Command Create(PlatformCatalog platforms)
    {
        var file = CommonOptions.File();
        var environment = CommonOptions.Environment(platforms);
        var commandLine = new Argument<string[]>("command") { Description = "The command and its arguments, after --", Arity = ArgumentArity.ZeroOrMore };
        var interactive = new Option<bool>("--interactive", "-i") { Description = "Pass this input through to the command's stdin (on swarm, piped input of at most 500 KiB is read whole first)" };
        var tty = new Option<bool>("--tty", "-t") { Description = "Give the command a terminal, this one in raw mode while it runs (with -i: -it; local and swarm platforms)" };
        var command = new Command("run", "Run a one-off command (a migration, a script, a console) in a new container of the serving release, then remove it")
        {
            file, environment, interactive, tty, commandLine,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(platforms, parse.GetValue(file)!, parse.GetValue(environment)!, async context =>
        {
            var (platform, words) = Require(context, "run", parse.GetValue(commandLine), "flask db upgrade",
                "start a task from the service's task definition (aws ecs run-task)");
            var terminal = parse.GetValue(tty);
            // Its output passes the redactor like every other line: a command that prints the environment shows no secret.
            // With a terminal it is one raw stream, redacted as it comes.
            await using var output = new RedactingStream(Console.OpenStandardOutput(), context.Redactor);
            var attach = parse.GetValue(interactive) || terminal
                ? new Attachment(Console.OpenStandardInput(), output, terminal,
                    terminal && !Console.IsOutputRedirected ? (Console.WindowHeight, Console.WindowWidth) : null)
                : null;
            int exit;
            using (terminal ? RawTerminal.Enter() : null)
                exit = await platform.RunAsync(context.App, words, line => Console.Out.WriteLine(context.Redactor.Redact(line)), ct, attach);
            await output.FlushAsync(ct);
            if (exit != 0) context.Reporter.Line($"the command exited with {exit}");
            return exit;
        }));
        return command;
    }

    /// <summary>The words after <c>--</c> and a platform that runs one-off commands, or the one-line error for each.</summary>
    internal static (IOneOffCommands Platform, string[] Words) Require(CommandContext context, string verb, string[]? words, string example, string onAws)
    {
        if (words is not { Length: > 0 } || words.All(string.IsNullOrWhiteSpace))
            throw new SlipwayException(ErrorCode.InvalidSetting, $"{verb}: no command was given", $"put it after --, e.g. slipway {verb} -- {example}");
        if (context.Platform is not IOneOffCommands platform)
            throw new SlipwayException(ErrorCode.PlatformNotAvailable, $"{verb} is not available on the {context.Platform.Name} platform yet",
                $"run it on a local environment; on aws, {onAws}");
        return (platform, words);
    }
}
