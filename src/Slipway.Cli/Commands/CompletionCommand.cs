using System.CommandLine;
using Slipway.Platforms;
using Slipway.Cli.Completion;
using Slipway.Foundation;

namespace Slipway.Cli.Commands;

public static class CompletionCommand
{
    public static Command Create(PlatformCatalog platforms)
    {
        var shell = new Argument<string>("shell") { Description = "bash, zsh or fish" };
        var command = new Command("completion",
            "Print a shell completion script: source <(slipway completion bash) in ~/.bashrc (zsh alike); fish: slipway completion fish > ~/.config/fish/completions/slipway.fish")
        {
            shell,
        };
        command.SetAction(parse => CommandRunner.RunAsync(platforms, _ =>
        {
            var name = parse.GetValue(shell)!;
            if (!CompletionScripts.Shells.Contains(name))
                throw new SlipwayException(ErrorCode.InvalidSetting, $"completion: \"{name}\" is not a shell slipway completes",
                    $"use one of {string.Join(", ", CompletionScripts.Shells)}");
            Console.Out.Write(CompletionScripts.For(name, Program.CreateRoot(platforms)));
            return Task.FromResult(0);
        }));
        return command;
    }
}
