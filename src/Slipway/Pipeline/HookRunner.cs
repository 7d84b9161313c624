using CliWrap;
using Slipway.Common;
using Slipway.Configuration;
using Slipway.Output;

namespace Slipway.Pipeline;

/// <summary>
/// Runs a manifest hook with <c>sh -c</c> in the manifest's folder, its output shown line by line. It gets
/// SLIPWAY_APP, SLIPWAY_ENVIRONMENT, SLIPWAY_VERSION and SLIPWAY_PREVIOUS_VERSION, and never the app's secrets.
/// </summary>
public static class HookRunner
{
    public static async Task RunAsync(AppManifest app, string hook, string? command, string version, string? previous,
        IStageLog log, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(command)) return;
        log.Info($"hook {hook}: {command}");
        var result = await CliWrap.Cli.Wrap("/bin/sh")
            .WithArguments(["-c", command])
            .WithWorkingDirectory(app.ManifestDirectory)
            .WithEnvironmentVariables(env => env
                .Set("SLIPWAY_APP", app.App)
                .Set("SLIPWAY_ENVIRONMENT", app.Environment.Name)
                .Set("SLIPWAY_VERSION", version)
                .Set("SLIPWAY_PREVIOUS_VERSION", previous ?? ""))
            .WithStandardOutputPipe(PipeTarget.ToDelegate(line => log.Info($"  {hook} | {line}")))
            .WithStandardErrorPipe(PipeTarget.ToDelegate(line => log.Info($"  {hook} | {line}")))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(ct);
        if (result.ExitCode != 0)
            throw new SlipwayException(ErrorCode.HookFailed, $"hook {hook} failed with exit code {result.ExitCode}",
                $"fix the command in hooks.{hook} of the manifest, or remove it");
    }
}
