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
/// proxies. Prompts are disabled so an unreachable or private repo fails instead of hanging; only the usual
/// transports are allowed (no <c>ext::</c> or <c>fd::</c> helpers from a manifest), a transfer that stalls
/// is abandoned, and every call has a deadline.
/// </summary>
public sealed class Git(TimeSpan? timeout = null)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(10);

    public async Task<GitResult> RunAsync(string workingDirectory, IReadOnlyList<string> arguments, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout ?? DefaultTimeout);
        try
        {
            var result = await CliWrap.Cli.Wrap("git")
                .WithArguments(arguments)
                .WithWorkingDirectory(workingDirectory)
                .WithEnvironmentVariables(env => env
                    .Set("GIT_TERMINAL_PROMPT", "0")
                    .Set("GIT_ASKPASS", "true")
                    .Set("GIT_ALLOW_PROTOCOL", "file:git:http:https:ssh")
                    .Set("GIT_HTTP_LOW_SPEED_LIMIT", "1000")
                    .Set("GIT_HTTP_LOW_SPEED_TIME", "60")
                    .Set("GIT_SSH_COMMAND", Environment.GetEnvironmentVariable("GIT_SSH_COMMAND") ?? "ssh -o BatchMode=yes -o ConnectTimeout=30")
                    .Set("LC_ALL", "C"))
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(deadline.Token);
            return new GitResult(result.ExitCode, result.StandardOutput.TrimEnd('\n'), result.StandardError);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new GitResult(-1, "", $"git {arguments.FirstOrDefault()} did not finish within {Slipway.Foundation.Timing.Duration.Format(timeout ?? DefaultTimeout)}");
        }
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
