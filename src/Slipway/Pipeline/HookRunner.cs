using CliWrap;
using Slipway.Common;
using Slipway.Configuration;
using Slipway.Output;

namespace Slipway.Pipeline;

/// <summary>
/// Runs a manifest hook with <c>sh -c</c> in the manifest's folder, its output shown line by line, for at most
/// <see cref="Timeout"/>. Its environment is only SLIPWAY_APP, SLIPWAY_ENVIRONMENT, SLIPWAY_VERSION,
/// SLIPWAY_PREVIOUS_VERSION, PATH and HOME: never the CLI's own, which holds the variables secrets are read from.
/// </summary>
public static class HookRunner
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    private static readonly HashSet<string> Inherited = ["PATH", "HOME"];

    public static async Task RunAsync(AppManifest app, string hook, string? command, string version, string? previous,
        IStageLog log, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(command)) return;
        log.Info($"hook {hook}: {command}");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(Timeout);
        CommandResult result;
        try
        {
            result = await CliWrap.Cli.Wrap("/bin/sh")
                .WithArguments(["-c", command])
                .WithWorkingDirectory(app.ManifestDirectory)
                .WithEnvironmentVariables(env =>
                {
                    foreach (var name in Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(n => !Inherited.Contains(n)))
                        env.Set(name, null); // removed, not inherited
                    env.Set("SLIPWAY_APP", app.App)
                        .Set("SLIPWAY_ENVIRONMENT", app.Environment.Name)
                        .Set("SLIPWAY_VERSION", version)
                        .Set("SLIPWAY_PREVIOUS_VERSION", previous ?? "");
                })
                .WithStandardOutputPipe(PipeTarget.ToDelegate(line => log.Info($"  {hook} | {line}")))
                .WithStandardErrorPipe(PipeTarget.ToDelegate(line => log.Info($"  {hook} | {line}")))
                .WithValidation(CommandResultValidation.None)
                .ExecuteAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new SlipwayException(ErrorCode.HookFailed, $"hook {hook} did not finish within {Duration.Format(Timeout)} and was stopped",
                $"make hooks.{hook} finish sooner, or run long work elsewhere");
        }
        if (result.ExitCode != 0)
            throw new SlipwayException(ErrorCode.HookFailed, $"hook {hook} failed with exit code {result.ExitCode}",
                $"fix the command in hooks.{hook} of the manifest, or remove it");
    }
}
