using System.Diagnostics;
using Slipway.Cli;
using Slipway.Cli.Completion;
using Slipway.Tests.Support;

namespace Slipway.Tests.Cli.Completion;

/// <summary>Shell completion, generated from the command tree: the bash script is run by a real bash as it completes a line.</summary>
[Trait("Tier", "engine")]
public sealed class CompletionTests
{
    private static async Task<IReadOnlyList<string>> CompleteInBashAsync(params string[] words)
    {
        using var dir = new TempDirectory("slipway-completion");
        var script = dir.Write("slipway.bash", CompletionScripts.For("bash", Program.CreateRoot(BuiltInPlatforms.Catalog)));
        var line = string.Join(' ', words.Select(w => $"'{w}'"));
        var start = new ProcessStartInfo("bash", ["-c", $"source '{script}'; COMP_WORDS=(slipway {line}); COMP_CWORD={words.Length}; _slipway; printf '%s\\n' \"${{COMPREPLY[@]}}\""])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var bash = Process.Start(start)!;
        var output = await bash.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = await bash.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await bash.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(bash.ExitCode == 0 && errors.Length == 0, errors);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public async Task Bash_completes_commands_subcommands_options_and_environments()
    {
        Assert.Equal(["lock", "logs"], (await CompleteInBashAsync("lo")).Order());
        Assert.Equal(["status"], await CompleteInBashAsync("lock", "st"));
        Assert.Equal(["--no-check", "--no-wait"], (await CompleteInBashAsync("up", "--no")).Order());
        Assert.Contains("aws", await CompleteInBashAsync("up", "-e", ""));
        Assert.Contains("--json", await CompleteInBashAsync("lock", "status", "--"));
        Assert.Contains("--policy", await CompleteInBashAsync("package", "-e", "aws", "--p"));
    }

    [Theory]
    [InlineData("bash")]
    [InlineData("zsh")]
    [InlineData("fish")]
    public void Every_script_names_every_command_and_option(string shell)
    {
        var script = CompletionScripts.For(shell, Program.CreateRoot(BuiltInPlatforms.Catalog));
        foreach (var command in Program.CreateRoot(BuiltInPlatforms.Catalog).Subcommands)
        {
            Assert.Contains(command.Name, script);
            foreach (var option in command.Options.Where(o => !o.Hidden))
                Assert.Contains(shell == "fish" ? $"-l {option.Name.TrimStart('-')}" : option.Name, script);
        }
    }

    [Fact]
    public async Task The_command_prints_a_script_and_refuses_an_unknown_shell_in_one_line()
    {
        using var dir = new TempDirectory("slipway-completion");
        var cli = new SlipwayCli(dir.Path);

        var bash = await cli.RunAsync(["completion", "bash"], null, TestContext.Current.CancellationToken);
        var tcsh = await cli.RunAsync(["completion", "tcsh"], null, TestContext.Current.CancellationToken);

        Assert.Equal(0, bash.ExitCode);
        Assert.Contains("complete -o default -F _slipway slipway", bash.Stdout);
        Assert.Equal(2, tcsh.ExitCode);
        Assert.Equal("error: completion: \"tcsh\" is not a shell slipway completes\nhint: use one of bash, zsh, fish\n", tcsh.Stderr);
    }
}
