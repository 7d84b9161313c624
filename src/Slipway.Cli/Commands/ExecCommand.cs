using System.CommandLine;
using Slipway.Platforms;

namespace Slipway.Cli.Commands;

/// <summary><c>slipway exec [--replica NAME] -- CMD...</c>: a command inside a running replica; its exit code is passed through.</summary>
public static class ExecCommand
{
    public static Command Create(PlatformCatalog platforms)
    {
        var file = CommonOptions.File();
        var environment = CommonOptions.Environment(platforms);
        var replica = new Option<string?>("--replica")
        {
            Description = "The replica to run in, by name or ID prefix (default: the first web one; locally slipway status lists them; on aws a task ID, or worker/ID)",
        };
        var commandLine = new Argument<string[]>("command") { Description = "The command and its arguments, after --", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("exec", "Run a command inside a running replica of the app")
        {
            file, environment, replica, commandLine,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(platforms, parse.GetValue(file)!, parse.GetValue(environment)!, async context =>
        {
            var (platform, words) = RunCommand.Require(context, "exec", parse.GetValue(commandLine), "ps aux",
                "use ECS Exec (aws ecs execute-command) on one of the service's tasks");
            var exit = await platform.ExecAsync(context.App, parse.GetValue(replica), words, line => Console.Out.WriteLine(context.Redactor.Redact(line)), ct);
            if (exit != 0) context.Reporter.Line($"the command exited with {exit}");
            return exit;
        }));
        return command;
    }
}
