using Slipway.Platforms;
using Slipway.Foundation;
using Slipway.Foundation.Files;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms;

/// <summary>The deploy lock with real OS file locks.</summary>
[Trait("Tier", "unit")]
public sealed class FileDeployLockTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private StateDirectory State => new(_dir.Path);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_second_run_fails_fast_with_no_wait_naming_the_holder_and_takes_the_lock_once_free()
    {
        Assert.Equal((false, null), FileDeployLockHold.Inspect(State, "shop", "local"));
        var first = await FileDeployLockHold.AcquireAsync(State, "shop", "local", wait: true, _ => Assert.Fail("should not wait"), Ct);

        var (held, holder) = FileDeployLockHold.Inspect(State, "shop", "local");
        Assert.True(held);
        Assert.Equal(Environment.ProcessId, holder!.ProcessId);
        var error = await Assert.ThrowsAsync<SlipwayException>(() => FileDeployLockHold.AcquireAsync(State, "shop", "local", wait: false, _ => { }, Ct));
        Assert.Equal(ErrorCode.LockHeld, error.Code);
        Assert.Contains($"pid {Environment.ProcessId}", error.Message);

        var waited = false;
        var second = FileDeployLockHold.AcquireAsync(State, "shop", "local", wait: true, _ => waited = true, Ct);
        await Task.Delay(400, Ct);
        Assert.False(second.IsCompleted);
        await first.DisposeAsync();
        await using var taken = await second;
        Assert.True(waited);
    }

    [Fact]
    public async Task Environments_and_apps_lock_separately()
    {
        await using var local = await FileDeployLockHold.AcquireAsync(State, "shop", "local", wait: false, _ => { }, Ct);
        await using var staging = await FileDeployLockHold.AcquireAsync(State, "shop", "staging", wait: false, _ => { }, Ct);
        await using var other = await FileDeployLockHold.AcquireAsync(State, "blog", "local", wait: false, _ => { }, Ct);
        Assert.True(FileDeployLockHold.Inspect(State, "shop", "staging").Held);
    }

    [Fact]
    public async Task The_holder_tells_which_stage_its_run_is_in()
    {
        await using var held = await FileDeployLockHold.AcquireAsync(State, "shop", "local", wait: false, _ => { }, Ct);
        Assert.Null(FileDeployLockHold.Inspect(State, "shop", "local").Holder!.Stage);

        held.ReportStage("build");

        var holder = FileDeployLockHold.Inspect(State, "shop", "local").Holder!;
        Assert.Equal("build", holder.Stage);
        Assert.EndsWith(", at stage build", holder.ToString());
    }

    [Fact]
    public async Task A_holder_file_left_by_a_killed_run_or_naming_a_reused_pid_reads_as_free()
    {
        var path = FileDeployLockHold.PathOf(State, "shop", "local");
        Directory.CreateDirectory(State.Locks);
        await File.WriteAllTextAsync(path, "", Ct);
        var json = new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web);
        using var gone = System.Diagnostics.Process.Start("true")!;
        await gone.WaitForExitAsync(Ct);

        await File.WriteAllTextAsync(path + ".holder", System.Text.Json.JsonSerializer.Serialize(
            new LockHolder(gone.Id, Environment.MachineName, "me", "slipway up", DateTimeOffset.UtcNow), json), Ct);
        Assert.Equal((false, null), FileDeployLockHold.Inspect(State, "shop", "local"));

        // This process started after the holder took the lock: the pid was given again, the holder is gone.
        await File.WriteAllTextAsync(path + ".holder", System.Text.Json.JsonSerializer.Serialize(
            new LockHolder(Environment.ProcessId, Environment.MachineName, "me", "slipway up", DateTimeOffset.UtcNow.AddDays(-1)), json), Ct);
        Assert.Equal((false, null), FileDeployLockHold.Inspect(State, "shop", "local"));

        await using var taken = await FileDeployLockHold.AcquireAsync(State, "shop", "local", wait: false, _ => { }, Ct); // free indeed
    }

    public void Dispose() => _dir.Dispose();
}
