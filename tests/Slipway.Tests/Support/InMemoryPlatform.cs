using System.Net;
using Slipway.Configuration;
using Slipway.Foundation.Output;
using Slipway.Platforms;
using Slipway.Source;

namespace Slipway.Tests.Support;

/// <summary>
/// A platform held in memory, for testing the pipeline's policy (what runs, in which order, what a failure
/// undoes) without an engine. It records every call; <see cref="FailBuild"/> makes the build throw.
/// </summary>
public sealed class InMemoryPlatform : IPlatform
{
    private readonly List<string> _images = [];

    public List<string> Calls { get; } = [];
    public string? Serving { get; private set; }
    public string? ServingFingerprint { get; private set; }
    public bool FailBuild { get; set; }

    public string Name => "memory";

    public ReleaseTraits TraitsOf(AppManifest app) => ReleaseTraits.Plain(app);
    public IPAddress? PublicAddress => IPAddress.Loopback;

    public Task<string> EnsureInfrastructureAsync(AppManifest app, IStageLog log, CancellationToken ct) => Record("infrastructure", "ready");

    public Task<IReadOnlyList<string>> PlanInfrastructureAsync(AppManifest app, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<string>>(["nothing to change"]);

    public Task<AppStatus> GetStatusAsync(AppManifest app, CancellationToken ct) => Task.FromResult(new AppStatus(app.App, Name,
        new Uri("http://127.0.0.1:1/"), Serving,
        Serving is null ? [] : Enumerable.Range(1, app.Replicas).Select(i => new ReplicaStatus($"r{i}", Serving, "running", "healthy", null, ServingFingerprint)).ToList(),
        null));

    public Task<bool> HasImageAsync(AppManifest app, string version, CancellationToken ct) => Task.FromResult(_images.Contains(version));

    public async Task<string> PublishImageAsync(AppManifest app, SourceSnapshot source, IStageLog log, CancellationToken ct)
    {
        await Record($"build {source.Version}", "");
        if (FailBuild) throw new Slipway.Foundation.SlipwayException(Slipway.Foundation.ErrorCode.BuildFailed, "build failed on purpose", "none");
        _images.Add(source.Version);
        return $"image:{source.Version}";
    }

    public Task ReleaseUnusedInfrastructureAsync(CancellationToken ct) => Record("release unused infrastructure", "");

    public Task<int> RemoveLeftoversAsync(AppManifest app, IStageLog log, CancellationToken ct) => Task.FromResult(0);

    public Task<IReadOnlyList<string>> AvailableVersionsAsync(AppManifest app, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<string>>(_images.AsEnumerable().Reverse().ToList());

    public async Task<RolloutReport> RollOutAsync(AppManifest app, string version, IStageLog log, Func<CancellationToken, Task> beforeCutover, CancellationToken ct)
    {
        await Record($"rollout {version}", "");
        await beforeCutover(ct);
        var previous = Serving;
        Serving = version;
        ServingFingerprint = ReleaseFingerprint.Of(app, version, AppSecrets.None(app), TraitsOf(app));
        return new RolloutReport(version, previous, app.Replicas, DrainTimedOut: false);
    }

    public Task StreamLogsAsync(AppManifest app, LogQuery query, Action<LogLine> onLine, CancellationToken ct) => Task.CompletedTask;

    public Task<DestroyReport> DestroyAsync(AppManifest app, IStageLog log, CancellationToken ct)
    {
        Calls.Add("destroy");
        Serving = null;
        _images.Clear();
        return Task.FromResult(new DestroyReport(["everything"], []));
    }

    private Task<string> Record(string call, string result)
    {
        Calls.Add(call);
        return Task.FromResult(result);
    }
}
