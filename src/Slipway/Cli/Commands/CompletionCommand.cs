using System.CommandLine;
using Slipway.Cli.Completion;
using Slipway.Common;

namespace Slipway.Cli.Commands;

public static class CompletionCommand
{
    public static Command Create()
    {
        var shell = new Argument<string>("shell") { Description = "bash, zsh or fish" };
        var command = new Command("completion",
            "Print a shell completion script: source <(slipway completion bash) in ~/.bashrc (zsh alike); fish: slipway completion fish > ~/.config/fish/completions/slipway.fish")
        {
            shell,
        };
        command.SetAction(parse =>
        {
            var name = parse.GetValue(shell)!;
            if (!CompletionScripts.Shells.Contains(name))
            {
                Console.Error.WriteLine($"error: completion: \"{name}\" is not a shell slipway completes");
                Console.Error.WriteLine($"hint: use one of {string.Join(", ", CompletionScripts.Shells)}");
                return ErrorCodeExtensions.InvalidInput;
            }
            Console.Out.Write(CompletionScripts.For(name, Program.CreateRoot()));
            return 0;
        });
        return command;
    }
}
