using Slipway.Foundation;
using Slipway.Foundation.Files;
using Slipway.Configuration;
using Slipway.Platforms;
using Slipway.Source;

namespace Slipway.Cli.Preflight;

/// <summary>Preflight checks, each a status line with a fix hint: what `up` needs, checked without changing anything.</summary>
/// <remarks>The checks every platform needs (manifest, git, engine, state, disk) here; each platform adds its own.</remarks>
public sealed class Doctor(PlatformCatalog platforms, PlatformContext context, string manifestPath, string environment)
{
    public const string BaseImage = "localhost/bookworm-python:latest";

    public async Task<IReadOnlyList<DoctorCheck>> RunAsync(CancellationToken ct)
    {
        var checks = new List<DoctorCheck>();
        AppManifest? app = null;
        try
        {
            app = platforms.Load(manifestPath, environment);
            app.Build.EnsureDockerfileExists();
            checks.Add(new("manifest", CheckStatus.Ok, $"{Path.GetFileName(manifestPath)}: app {app.App}"));
        }
        catch (SlipwayException e)
        {
            checks.Add(new("manifest", e.Code == ErrorCode.ManifestNotFound ? CheckStatus.Warning : CheckStatus.Failed, e.Message, e.Hint));
        }

        checks.Add(await GitAsync(ct));
        checks.AddRange(await EngineCheck.RunAsync(BaseImage, app?.Engine, context.Environment, ct));
        checks.Add(StateDirectory(context.State));
        checks.Add(Disk(context.State));
        // The environment's platform decides, not its name: a production environment on aws gets the aws checks.
        var platform = app is not null ? platforms.For(app) : platforms.Named(environment) ?? platforms.Named(platforms.DefaultEnvironment)!;
        checks.AddRange(await platform.CheckAsync(app, context, ct));
        return checks;
    }

    private static async Task<DoctorCheck> GitAsync(CancellationToken ct)
    {
        try
        {
            var version = await new Git().RunAsync(Path.GetTempPath(), ["--version"], ct);
            return version.Ok ? new("git", CheckStatus.Ok, version.Output.Trim())
                : new("git", CheckStatus.Failed, version.LastErrorLine, "install git (apt-get install git)");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or CliWrap.Exceptions.CliWrapException)
        {
            return new("git", CheckStatus.Failed, "git is not installed", "install git (apt-get install git)");
        }
    }

    private DoctorCheck StateDirectory(StateDirectory state)
    {
        try
        {
            Directory.CreateDirectory(state.Root);
            var probe = Path.Combine(state.Root, $".doctor-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
            return new("state directory", CheckStatus.Ok, $"{state.Root} is writable");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new("state directory", CheckStatus.Failed, $"{state.Root}: {e.Message}", "set SLIPWAY_STATE_DIR to a writable folder");
        }
    }

    private static DoctorCheck Disk(StateDirectory state)
    {
        var existing = state.Root;
        while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is { } parent) existing = parent;
        var free = new DriveInfo(existing).AvailableFreeSpace / (1024.0 * 1024 * 1024);
        return free >= 2
            ? new("disk", CheckStatus.Ok, $"{free:0.0} GiB free for images and state")
            : new("disk", CheckStatus.Warning, $"only {free:0.0} GiB free", "free some space: images need a few hundred MiB each (docker image prune)");
    }
}
