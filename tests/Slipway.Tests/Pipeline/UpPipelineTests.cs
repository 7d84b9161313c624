using Slipway.Platforms;
using Microsoft.Extensions.Time.Testing;
using Slipway.Foundation;
using Slipway.Foundation.Files;
using Slipway.Configuration;
using Slipway.Foundation.Output;
using Slipway.Pipeline;
using Slipway.Source;
using Slipway.Tests.Support;

namespace Slipway.Tests.Pipeline;

/// <summary>The run policy of up, rollback and destroy, against an in-memory platform and release log, a real git repository and a fake clock.</summary>
[Trait("Tier", "engine")]
public sealed class UpPipelineTests : IDisposable
{
    private readonly TempDirectory _dir = new("slipway-pipeline");
    private readonly InMemoryPlatform _platform = new();
    private readonly InMemoryReleaseLog _log = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));
    private readonly StringWriter _output = new();
    private readonly GitRepo _repo;
    private readonly AppManifest _app;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public UpPipelineTests()
    {
        _repo = GitRepo.Init(Path.Combine(_dir.Path, "repo"));
        _repo.Write("app/app.py", "print('v1')");
        _repo.Commit("v1");
        _dir.Write("Dockerfile", "FROM scratch\n");
        _app = Support.Manifests.Parse("app: shop\nsource:\n  path: repo\n  subdirectory: app\n", Path.Combine(_dir.Path, "slipway.yaml"));
    }

    private StateDirectory State => new(Path.Combine(_dir.Path, "state"));
    private Reporter Reporter => new(_output, color: false);
    private DeployLockTaker Locker => new(new FileDeployLock(State, "shop", "local"), wait: false, Reporter);
    private Slipway.Platforms.History.ReleaseHistory History => new(_log, _time);

    private Task<UpResult> UpAsync(bool force = false, Slipway.Platforms.CanaryPlan? canary = null) =>
        new UpPipeline(_platform, AppSecrets.None(_app), new SourceResolver(new Git(), State.Sources), Locker, History, Reporter, _time)
            .RunAsync(_app, new UpOptions(Check: false, Force: force, Canary: canary), Ct);

    private string Commit(string text)
    {
        _repo.Write("app/app.py", text);
        _repo.Commit(text);
        return _repo.Run("rev-parse", "--short=7", "HEAD").Trim();
    }

    [Fact]
    public async Task Every_up_is_recorded_with_its_versions_a_repeat_as_no_change_and_a_failure_with_its_error()
    {
        var first = await UpAsync();
        _time.Advance(TimeSpan.FromMinutes(1));
        await UpAsync();
        var second = Commit("print('v2')");
        _platform.FailBuild = true;
        await Assert.ThrowsAsync<SlipwayException>(() => UpAsync());

        var records = _log.Records;
        Assert.Equal(["succeeded", "no change", "failed"], records.Select(r => r.Result));
        Assert.All(records, r => Assert.Equal(("shop", "local", "deploy"), (r.App, r.Environment, r.Action)));
        Assert.Equal((first.Version, (string?)null), (records[0].Version, records[0].PreviousVersion));
        Assert.Equal("build failed on purpose", records[2].Error);
        Assert.Equal(_time.GetUtcNow(), records[2].StartedAt); // the injected clock, not the wall's
    }

    [Fact]
    public async Task Bad_input_is_refused_before_anything_is_locked_or_recorded()
    {
        File.Delete(Path.Combine(_dir.Path, "Dockerfile"));

        await Assert.ThrowsAsync<SlipwayException>(() => UpAsync());

        Assert.Empty(_log.Records);
        Assert.False(File.Exists(FileDeployLockHold.PathOf(State, "shop", "local")));
    }

    [Fact]
    public async Task A_rollback_goes_back_to_the_release_that_served_before_read_from_the_history_and_is_recorded()
    {
        var first = (await UpAsync()).Version;
        var second = Commit("print('v2')");
        await UpAsync();
        _platform.Calls.Clear();

        var rollback = await new RollbackPipeline(_platform, Locker, History, Reporter, _time).RunAsync(_app, version: null, check: false, Ct);

        Assert.Equal((first, second), (rollback.Version, rollback.PreviousVersion));
        Assert.Equal(["infrastructure", $"rollout {first}"], _platform.Calls); // no build
        var last = _log.Records[^1];
        Assert.Equal(("rollback", "succeeded", first, second), (last.Action, last.Result, last.Version, last.PreviousVersion));
    }

    [Fact]
    public async Task A_destroy_is_recorded_and_an_unwritable_history_only_warns()
    {
        await UpAsync();

        await new DestroyPipeline(_platform, Locker, History, Reporter).RunAsync(_app, Ct);
        Assert.Equal(("destroy", "succeeded"), (_log.Records[^1].Action, _log.Records[^1].Result));

        await UpAsync();
        var broken = new Slipway.Platforms.History.ReleaseHistory(new UnwritableLog(), _time);
        var report = await new DestroyPipeline(_platform, Locker, broken, Reporter).RunAsync(_app, Ct);
        Assert.Empty(report.Problems);
        Assert.Contains("warning: the release history nowhere cannot be written (disk on fire): this destroy is not recorded", _output.ToString());
    }

    private sealed class UnwritableLog : Slipway.Platforms.History.IReleaseLog
    {
        public string Location => "nowhere";
        public Task<long> StartAsync(Slipway.Platforms.History.RunStart run, CancellationToken ct) => throw new IOException("disk on fire");
        public Task CompleteAsync(long id, Slipway.Platforms.History.RunEnd end, CancellationToken ct) => throw new IOException("disk on fire");
        public Task<IReadOnlyList<Slipway.Platforms.History.ReleaseRecord>> ListAsync(string app, string environment, int limit, CancellationToken ct) =>
            throw new IOException("disk on fire");
    }

    [Fact]
    public async Task A_new_version_is_built_then_rolled_out_after_the_infrastructure()
    {
        var result = await UpAsync();

        var version = _repo.Run("rev-parse", "--short=7", "HEAD").Trim();
        Assert.Equal(["infrastructure", $"build {version}", $"rollout {version}"], _platform.Calls);
        Assert.True(result.Changed);
        Assert.True(result.Built);
        Assert.Equal(version, result.Version);
    }

    [Fact]
    public async Task A_second_up_of_what_serves_changes_nothing_unless_forced()
    {
        await UpAsync();
        _platform.Calls.Clear();

        var again = await UpAsync();
        Assert.False(again.Changed);
        Assert.Equal(["infrastructure"], _platform.Calls);
        Assert.Contains("nothing to do", _output.ToString());

        _platform.Calls.Clear();
        var forced = await UpAsync(force: true);
        Assert.True(forced.Changed);
        Assert.False(forced.Built); // the image exists: forcing rolls out again, it does not rebuild
        Assert.Equal(["infrastructure", $"rollout {forced.Version}"], _platform.Calls);
    }

    [Fact]
    public async Task A_failed_run_releases_infrastructure_nothing_uses_and_keeps_what_serves()
    {
        await UpAsync();
        var serving = _platform.Serving;
        Commit("print('v2')");
        _platform.FailBuild = true;
        _platform.Calls.Clear();

        var error = await Assert.ThrowsAsync<SlipwayException>(() => UpAsync());

        Assert.Equal(ErrorCode.BuildFailed, error.Code);
        Assert.Equal("release unused infrastructure", _platform.Calls[^1]);
        Assert.DoesNotContain(_platform.Calls, c => c.StartsWith("rollout", StringComparison.Ordinal));
        Assert.Equal(serving, _platform.Serving);
    }

    [Fact]
    public async Task A_missing_dockerfile_stops_the_run_before_anything_changes()
    {
        File.Delete(Path.Combine(_dir.Path, "Dockerfile"));

        var error = await Assert.ThrowsAsync<SlipwayException>(() => UpAsync());

        Assert.Equal(ErrorCode.DockerfileMissing, error.Code);
        Assert.DoesNotContain(_platform.Calls, c => c is not "release unused infrastructure");
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_canary_on_a_platform_without_one_is_bad_input_before_anything_runs()
    {
        var error = await Assert.ThrowsAsync<SlipwayException>(() => UpAsync(canary: new Slipway.Platforms.CanaryPlan(10, TimeSpan.FromMinutes(2), 0.01)));

        Assert.Equal(ErrorCode.PlatformNotAvailable, error.Code);
        Assert.StartsWith("--canary: the ", error.Message);
        Assert.Empty(_log.Records);
    }
}

/// <summary>What a rollback goes back to, as data.</summary>
[Trait("Tier", "unit")]
public sealed class RollbackTargetTests
{
    private static Slipway.Platforms.History.ReleaseRecord Record(string action, string? version, string result) =>
        new(1, "shop", "local", "local", action, version, null, DateTimeOffset.UnixEpoch, null, result, null, "u", "h");

    [Fact]
    public void The_default_is_the_newest_release_that_served_before_and_is_still_kept()
    {
        var served = RollbackTarget.Served([Record("deploy", "v3", "succeeded"), Record("deploy", "v9", "failed"),
            Record("rollback", "v2", "succeeded"), Record("deploy", "v2", "no change"), Record("destroy", null, "succeeded"), Record("deploy", "v1", "succeeded")]);

        Assert.Equal(["v3", "v2", "v1"], served);
        Assert.Equal("v2", RollbackTarget.Choose("shop", null, served, ["v9", "v3", "v2", "v1"], serving: "v3"));
        Assert.Equal("v1", RollbackTarget.Choose("shop", null, served, ["v3", "v1"], serving: "v3")); // v2 is no longer kept
    }

    [Fact]
    public void A_named_version_must_still_be_kept_and_the_error_lists_what_is()
    {
        Assert.Equal("v1", RollbackTarget.Choose("shop", "v1", [], ["v2", "v1"], "v2"));
        var error = Assert.Throws<SlipwayException>(() => RollbackTarget.Choose("shop", "v0", [], ["v2", "v1"], "v2"));
        Assert.Equal("version v0 of shop is no longer available", error.Message);
        Assert.Equal("available, newest first: v2, v1", error.Hint);
        Assert.Equal(2, error.ExitCode);
    }

    [Fact]
    public void With_nothing_else_kept_there_is_nothing_to_roll_back_to()
    {
        var error = Assert.Throws<SlipwayException>(() => RollbackTarget.Choose("shop", null, ["v1"], ["v1"], "v1"));
        Assert.Equal("shop has no previous release to roll back to", error.Message);
    }

}
