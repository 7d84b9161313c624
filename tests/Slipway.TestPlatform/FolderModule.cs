using Slipway.Configuration;
using Slipway.Foundation;
using Slipway.Platforms;
using Slipway.Platforms.History;

namespace Slipway.TestPlatform;

/// <summary>The folder platform's settings: <c>folder: { path: DIR }</c>, the folder its releases are written to.</summary>
public sealed record FolderSettings
{
    public string? Path { get; init; }
}

/// <summary>
/// A platform that "runs" a release by writing it into a folder: small enough to read at a glance, real enough to go
/// through the whole CLI (manifest section, lock, history, pipeline, status, destroy). Its runs are locked and recorded
/// as the local platform's are, in the state directory.
/// </summary>
public sealed class FolderModule : IPlatformModule
{
    public const string PlatformName = "folder";

    public string Name => PlatformName;
    public string? Section => "folder";

    public object ReadSection(MappingReader? section)
    {
        if (section is null) return new FolderSettings();
        var path = section.RequiredString("path");
        if (System.IO.Path.IsPathRooted(path.Value))
            throw ManifestLoader.Invalid(section.File, path.Line, "folder.path", $"\"{path.Value}\" is absolute", "give a folder relative to the manifest");
        section.RejectUnknownKeys();
        return new FolderSettings { Path = path.Value };
    }

    public PlatformSession Open(AppManifest app, AppSecrets secrets, PlatformContext context)
    {
        var settings = app.SettingsOf<FolderSettings>(PlatformName);
        if (settings.Path is null)
            throw new SlipwayException(ErrorCode.ManifestInvalid, "folder.path: the folder platform needs the folder its releases go to",
                "add folder: { path: served } to the manifest");
        var folder = System.IO.Path.Combine(app.ManifestDirectory, settings.Path);
        return new PlatformSession(new FolderPlatform(folder), new FileDeployLock(context.State, app.App, app.Environment.Name),
            new SqliteReleaseLog(context.State), secrets, []);
    }

    public Task<IReadOnlyList<DoctorCheck>> CheckAsync(AppManifest? app, PlatformContext context, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<DoctorCheck>>([new DoctorCheck("folder", CheckStatus.Ok, "nothing to check: a release is a file")]);

    public Task<PlatformOverview> OverviewAsync(PlatformContext context, CancellationToken ct) =>
        Task.FromResult(PlatformOverview.None(PlatformName, "releases are files"));

    public SlipwayException? ToUserError(Exception e) => null;
}
