using Slipway.Foundation;
using Slipway.Foundation.Files;
using Slipway.Platforms.History;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.History;

/// <summary>The release history in a real SQLite file.</summary>
[Trait("Tier", "unit")]
public sealed class ReleaseHistoryTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Runs_are_recorded_newest_first_with_result_versions_and_errors_and_a_killed_run_shows_as_interrupted()
    {
        var history = new ReleaseHistory(new SqliteReleaseLog(new StateDirectory(_dir.Path)), TimeProvider.System);

        await history.RecordAsync("shop", "local", "local", "deploy", () => Task.FromResult(("v1", (string?)null)), r => ("succeeded", r.Item1, r.Item2), Ct);
        await Assert.ThrowsAsync<SlipwayException>(() => history.RecordAsync<int>("shop", "local", "local", "deploy",
            () => throw new SlipwayException(ErrorCode.ReleaseUnhealthy, "release rejected: boom\n  details", "hint"), _ => ("x", null, null), Ct));
        await history.StartAsync("shop", "local", "local", "rollback", Ct); // never completed: killed
        await history.RecordAsync("blog", "local", "local", "deploy", () => Task.FromResult(1), _ => ("succeeded", "b1", null), Ct);

        var records = await history.ListAsync("shop", "local", 10, Ct);

        Assert.Equal(["rollback", "deploy", "deploy"], records.Select(r => r.Action));
        Assert.Equal(["interrupted", "failed", "succeeded"], records.Select(r => r.Result));
        Assert.Equal("release rejected: boom", records[1].Error);
        Assert.Equal("v1", records[2].Version);
        Assert.NotNull(records[2].Duration);
        Assert.Null(records[0].Duration);
        Assert.Equal(Environment.UserName, records[2].User);
        Assert.Empty(await history.ListAsync("shop", "staging", 10, Ct));
        Assert.Single(await history.ListAsync("shop", "local", 1, Ct));
    }

    public void Dispose() => _dir.Dispose();
}
