using CliWrap;
using CliWrap.Buffered;

namespace Slipway.Source;

/// <summary>The result of one git invocation.</summary>
public sealed record GitResult(int ExitCode, string Output, string Error)
{
    public bool Ok => ExitCode == 0;
    public string LastErrorLine => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .LastOrDefault() ?? $"git exited with {ExitCode}";
}

/// <summary>
/// Runs the git CLI. The user's git is used on purpose: it already knows their credentials, SSH config and
/// proxies. Prompts are disabled so an unreachable or private repo fails instead of hanging.
/// </summary>
public sealed class Git
{
    public async Task<GitResult> RunAsync(string workingDirectory, IReadOnlyList<string> arguments, CancellationToken ct)
    {
        var result = await CliWrap.Cli.Wrap("git")
            .WithArguments(arguments)
            .WithWorkingDirectory(workingDirectory)
            .WithEnvironmentVariables(env => env
                .Set("GIT_TERMINAL_PROMPT", "0")
                .Set("GIT_ASKPASS", "true")
                .Set("LC_ALL", "C"))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(ct);
        return new GitResult(result.ExitCode, result.StandardOutput.TrimEnd('\n'), result.StandardError);
    }

    public async Task<byte[]> RunBinaryAsync(string workingDirectory, IReadOnlyList<string> arguments, CancellationToken ct)
    {
        using var output = new MemoryStream();
        await CliWrap.Cli.Wrap("git")
            .WithArguments(arguments)
            .WithWorkingDirectory(workingDirectory)
            .WithStandardOutputPipe(PipeTarget.ToStream(output))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(ct);
        return output.ToArray();
    }
}
