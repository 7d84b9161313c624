using Microsoft.Extensions.Time.Testing;
using Slipway.Common;
using Slipway.Configuration;
using Slipway.Output;
using Slipway.Pipeline;
using Slipway.Source;
using Slipway.Tests.Support;

namespace Slipway.Tests.Pipeline;

/// <summary>The run policy of up, against an in-memory platform, a real git repository and a fake clock.</summary>
public sealed class UpPipelineTests : IDisposable
{
    private readonly TempDirectory _dir = new("slipway-pipeline");
    private readonly InMemoryPlatform _platform = new();
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
        _app = ManifestLoader.Parse("app: shop\nsource:\n  path: repo\n  subdirectory: app\n", Path.Combine(_dir.Path, "slipway.yaml"));
    }

    private Task<UpResult> UpAsync(bool force = false)
    {
        var state = new StateDirectory(Path.Combine(_dir.Path, "state"));
        var reporter = new Reporter(_output, color: false);
        var pipeline = new UpPipeline(_platform, new SourceResolver(new Git(), state.Sources), new AppLocker(new FileDeployLock(state, "shop", "local"), wait: false, reporter), reporter, _time);
        return pipeline.RunAsync(_app, new UpOptions(Check: false, Force: force), Ct);
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
        _repo.Write("app/app.py", "print('v2')");
        _repo.Commit("v2");
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
}

/// <summary>What a rollback goes back to, as data.</summary>
public sealed class RollbackTargetTests
{
    private static Slipway.History.ReleaseRecord Record(string action, string? version, string result) =>
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
