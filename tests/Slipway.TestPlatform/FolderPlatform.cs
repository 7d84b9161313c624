using System.Text.Json;
using Slipway.Configuration;
using Slipway.Foundation.Output;
using Slipway.Platforms;
using Slipway.Source;

namespace Slipway.TestPlatform;

/// <summary>Rolls a release out by writing <c>release.json</c> (its version and fingerprint) into the folder; destroy removes it.</summary>
public sealed class FolderPlatform(string folder) : IPlatform
{
    private sealed record Release(string Version, string Fingerprint, DateTimeOffset DeployedAt);

    private string ReleaseFile => Path.Combine(folder, "release.json");

    public string Name => FolderModule.PlatformName;
    public System.Net.IPAddress? PublicAddress => null;
    public ReleaseTraits TraitsOf(AppManifest app) => ReleaseTraits.Plain(app) with { MinReplicas = 1, MaxReplicas = 1 }; // one file serves

    public Task<string> EnsureInfrastructureAsync(AppManifest app, IStageLog log, CancellationToken ct)
    {
        Directory.CreateDirectory(folder);
        return Task.FromResult($"folder {folder}");
    }

    public Task<IReadOnlyList<string>> PlanInfrastructureAsync(AppManifest app, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<string>>([Directory.Exists(folder) ? "nothing to change" : $"create folder {folder}"]);

    public async Task<AppStatus> GetStatusAsync(AppManifest app, CancellationToken ct)
    {
        var release = File.Exists(ReleaseFile) ? JsonSerializer.Deserialize<Release>(await File.ReadAllTextAsync(ReleaseFile, ct)) : null;
        return new AppStatus(app.App, Name, new Uri(Path.GetFullPath(folder) + "/"), release?.Version,
            release is null ? [] : [new ReplicaStatus("file", release.Version, "written", "healthy", null, release.Fingerprint)], release?.DeployedAt);
    }

    public Task<bool> HasImageAsync(AppManifest app, string version, CancellationToken ct) => Task.FromResult(true);

    public Task<string> PublishImageAsync(AppManifest app, SourceSnapshot source, IStageLog log, CancellationToken ct) =>
        Task.FromResult($"folder:{source.Version}");

    public Task ReleaseUnusedInfrastructureAsync(CancellationToken ct) => Task.CompletedTask;

    public Task<int> RemoveLeftoversAsync(AppManifest app, IStageLog log, CancellationToken ct) => Task.FromResult(0);

    public Task<IReadOnlyList<string>> AvailableVersionsAsync(AppManifest app, CancellationToken ct) => Task.FromResult<IReadOnlyList<string>>([]);

    public async Task<RolloutReport> RollOutAsync(AppManifest app, string version, IStageLog log, Func<CancellationToken, Task> beforeCutover,
        CancellationToken ct)
    {
        await beforeCutover(ct);
        var previous = (await GetStatusAsync(app, ct)).Version;
        var release = new Release(version, ReleaseFingerprint.Of(app, version, AppSecrets.None(app), TraitsOf(app)), DateTimeOffset.UtcNow);
        await File.WriteAllTextAsync(ReleaseFile, JsonSerializer.Serialize(release), ct);
        return new RolloutReport(version, previous, 1, DrainTimedOut: false);
    }

    public Task StreamLogsAsync(AppManifest app, LogQuery query, Action<LogLine> onLine, CancellationToken ct) => Task.CompletedTask;

    public Task<DestroyReport> DestroyAsync(AppManifest app, IStageLog log, CancellationToken ct)
    {
        var existed = Directory.Exists(folder);
        if (existed) Directory.Delete(folder, recursive: true);
        return Task.FromResult(new DestroyReport(existed ? [$"folder {folder}"] : [], []));
    }
}
