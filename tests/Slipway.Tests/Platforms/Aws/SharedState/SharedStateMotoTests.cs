using Slipway.Platforms.Aws;
using Slipway.Platforms;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Slipway.Cloud.Aws;
using Slipway.Foundation;
using Slipway.Foundation.Files;
using Slipway.Platforms.Aws.SharedState;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Aws.SharedState;

/// <summary>
/// An aws environment deployed from two machines (two state directories, one DynamoDB state table on moto): they
/// share the deploy lock and the release history. The lease is checked in-process too, where a fake clock can make it lapse.
/// </summary>
[Trait("Tier", "aws")]
[Collection(Slipway.Tests.EndToEnd.AwsCollection.Name)]
public sealed class SharedStateMotoTests(MotoFixture moto) : IClassFixture<MotoFixture>, IAsyncLifetime
{
    private readonly TempDirectory _other = new("slipway-machine-b");
    private LocalApp _app = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await moto.ResetAsync();
        _app = new LocalApp("team");
    }

    private SlipwayCli MachineB => new(_other.Path);

    private Task<CliResult> OnAAsync(params string[] args) =>
        _app.Cli.RunAsync([.. args, "-e", "aws", "-f", _app.ManifestPath], moto.Environment, Ct);

    private Task<CliResult> OnBAsync(params string[] args) =>
        MachineB.RunAsync([.. args, "-e", "aws", "-f", _app.ManifestPath], moto.Environment, Ct);

    private static List<JsonElement> Runs(CliResult releases)
    {
        releases.Succeeded();
        return JsonDocument.Parse(releases.Stdout).RootElement.EnumerateArray().ToList();
    }

    private StateTable Table(TimeProvider time) => new(DynamoDbClient.Create(new AwsSettings(
        new Amazon.Runtime.BasicAWSCredentials("testing", "testing"), Amazon.RegionEndpoint.USEast1,
        name => moto.Environment.GetValueOrDefault(name)), time), time);

    private string Stack => $"slipway-{_app.Name}";

    [Fact]
    public async Task A_second_machine_sees_the_first_ones_deploys_rolls_them_back_and_destroys_them()
    {
        var up = await OnAAsync("up", "--no-check");
        up.Succeeded();

        var seen = Runs(await OnBAsync("releases", "--json"));
        Assert.Equal(_app.FirstVersion, Assert.Single(seen).GetProperty("version").GetString());
        _app.Repo.Write("app/app.py", TestEngine.FlaskApp.Replace("version {VERSION}", "v2 {VERSION}"));
        var second = _app.Repo.Commit("v2");
        var upB = await OnBAsync("up", "--no-check");
        upB.Succeeded();

        // Machine A's rollback goes back from B's release to its own: the history it chose from is the shared one.
        var rollback = await OnAAsync("rollback", "--no-check");
        rollback.Succeeded();
        Assert.Contains($"(was {second})", rollback.Stderr);
        var destroy = await OnBAsync("destroy", "--yes");
        destroy.Succeeded();

        var runs = Runs(await OnAAsync("releases", "--json"));
        Assert.Equal(["destroy", "rollback", "deploy", "deploy"], runs.Select(r => r.GetProperty("action").GetString()));
        Assert.All(runs, r => Assert.Equal("succeeded", r.GetProperty("result").GetString()));
        Assert.Equal([_app.FirstVersion, second, _app.FirstVersion], runs.Skip(1).Select(r => r.GetProperty("version").GetString()).Reverse());
        Assert.Empty(Directory.EnumerateFiles(_other.Path, "history.db*", SearchOption.AllDirectories)); // nothing kept on the machine
        Assert.Equal("free", (await OnAAsync("lock", "status")).Stdout.Trim()); // destroy left no lock behind
    }

    /// <summary>An up on machine A parked in its preBuild hook, holding the app's lock until the test writes the returned file.</summary>
    private async Task<(RunningCli Holder, string Go)> StartParkedUpAsync()
    {
        var folder = Path.GetDirectoryName(_app.ManifestPath)!;
        var (parked, go) = (Path.Combine(folder, "parked"), Path.Combine(folder, "go"));
        _app.WriteManifest(extra: $"hooks:\n  preBuild: touch {parked}; while [ ! -f {go} ]; do sleep 0.05; done\n");
        var holder = _app.Cli.Start(["up", "-e", "aws", "--no-check", "-f", _app.ManifestPath], moto.Environment);
        try
        {
            await Eventually.WaitUntilAsync(() => Task.FromResult(File.Exists(parked)), TimeSpan.FromSeconds(60), "the run on machine A holds the lock");
            return (holder, go);
        }
        catch
        {
            File.WriteAllText(go, "");
            holder.Dispose();
            throw;
        }
    }

    [Fact]
    public async Task The_dashboard_of_another_machine_shows_an_aws_apps_version_and_history_from_the_shared_table()
    {
        (await OnAAsync("up", "--no-check")).Succeeded();

        // Machine B has never deployed it: what it shows comes from the table every machine shares.
        var overview = await new AwsModule().OverviewAsync(new PlatformContext(new StateDirectory(_other.Path), _ => false, TimeProvider.System,
            name => moto.Environment.GetValueOrDefault(name)), Ct);

        Assert.True(overview.Apps.Count(a => a.App == _app.Name) == 1, $"{overview.Status}: {string.Join(", ", overview.Apps.Select(a => a.App))}");
        var app = overview.Apps.Single(a => a.App == _app.Name);
        Assert.Equal((_app.Name, "aws", _app.FirstVersion), (app.App, app.Environment, app.Version));
        var release = Assert.Single(app.Releases);
        Assert.Equal(("deploy", "succeeded"), (release.Action, release.Result));
    }

    [Fact]
    public async Task A_drift_repair_changes_the_stack_only_with_the_deploy_lock()
    {
        var (holder, go) = await StartParkedUpAsync();
        using var _ = holder;
        try
        {
            var repair = await OnBAsync("drift", "--repair", "--no-wait");

            Assert.Equal(1, repair.ExitCode);
            Assert.Contains($"another slipway run is working on {_app.Name} (aws): pid {holder.ProcessId}", repair.Stderr);
        }
        finally
        {
            File.WriteAllText(go, "");
        }
        (await holder.WaitAsync(Ct)).Succeeded();
    }

    [Fact]
    public async Task A_run_on_another_machine_is_refused_naming_the_holder_and_a_killed_holders_lease_is_freed_only_once_it_lapsed()
    {
        var (holder, go) = await StartParkedUpAsync();
        using var _ = holder;
        try
        {
            var refused = await OnBAsync("up", "--no-check", "--no-wait");
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains($"another slipway run is working on {_app.Name} (aws): pid {holder.ProcessId} on {Environment.MachineName}", refused.Stderr);
            Assert.Contains("lease until", refused.Stderr);
            var release = await OnBAsync("lock", "release");
            Assert.Equal(1, release.ExitCode);
            Assert.Contains("is held by a live run", release.Stderr);

            holder.KillHard();
        }
        finally
        {
            File.WriteAllText(go, "");
        }

        // kill -9 deleted nothing: the lease stays until it lapses, and no one may break it before.
        var status = JsonDocument.Parse((await OnBAsync("lock", "status", "--json")).Stdout).RootElement;
        Assert.True(status.GetProperty("held").GetBoolean());
        Assert.Equal(holder.ProcessId, status.GetProperty("holder").GetProperty("processId").GetInt32());
        Assert.Equal(1, (await OnBAsync("lock", "release")).ExitCode);

        // Two minutes on (a fake clock; the lease is one minute), it has lapsed: it is released, naming who died.
        var later = new FakeTimeProvider(DateTimeOffset.UtcNow + TimeSpan.FromMinutes(2));
        var lapsed = new TableDeployLock(Table(later), Stack, _app.Name, "aws");
        Assert.False((await lapsed.InspectAsync(Ct)).Held);
        Assert.Contains($"pid {holder.ProcessId}", await lapsed.ReleaseAbandonedAsync(Ct));

        Assert.Equal("free", (await OnBAsync("lock", "status")).Stdout.Trim());
        var rerun = await OnBAsync("up", "--no-check", "--no-wait");
        rerun.Succeeded();
        var runs = Runs(await OnAAsync("releases", "--json"));
        Assert.Equal(["succeeded", "failed", "interrupted"], runs.Select(r => r.GetProperty("result").GetString()));
        Assert.StartsWith("another slipway run is working on", runs[1].GetProperty("error").GetString()); // the refused run, recorded
    }

    [Fact]
    public async Task A_waiting_run_is_told_who_holds_the_lock_and_gets_it_when_the_holder_ends()
    {
        var table = Table(TimeProvider.System);
        var fast = new LeaseTiming(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(50));
        var first = await new TableDeployLock(table, Stack, _app.Name, "aws", fast).AcquireAsync(wait: false, _ => Assert.Fail("free"), _ => { }, Ct);
        var told = new TaskCompletionSource<LockHolder?>();

        var second = new TableDeployLock(Table(TimeProvider.System), Stack, _app.Name, "aws", fast)
            .AcquireAsync(wait: true, holder => told.TrySetResult(holder), _ => Assert.Fail("the first holder ended cleanly"), Ct);
        var holder = await told.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(Environment.ProcessId, holder!.ProcessId);
        Assert.False(second.IsCompleted);

        await first.DisposeAsync();
        await using var taken = await second.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.True((await new TableDeployLock(table, Stack, _app.Name, "aws").InspectAsync(Ct)).Held);
    }

    [Fact]
    public async Task A_lease_its_holder_renews_outlives_its_first_minute_and_one_that_lapsed_is_taken_over_with_a_note()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var table = Table(time);
        var renewing = await new TableDeployLock(table, Stack, _app.Name, "aws").AcquireAsync(wait: false, _ => { }, _ => { }, Ct);
        var start = time.GetUtcNow();

        time.Advance(TimeSpan.FromSeconds(15)); // the renewal is due
        await Eventually.WaitUntilAsync(async () => (await new TableDeployLock(table, Stack, _app.Name, "aws").InspectAsync(Ct)).Holder?.LeaseUntil
            >= start + TimeSpan.FromSeconds(74), TimeSpan.FromSeconds(30), "the holder renewed its lease"); // stored to the millisecond
        time.Advance(TimeSpan.FromSeconds(50)); // 65 s after it was taken: alive only because it was renewed
        var refused = await Assert.ThrowsAsync<SlipwayException>(() =>
            new TableDeployLock(table, Stack, _app.Name, "aws").AcquireAsync(wait: false, _ => { }, _ => { }, Ct));
        Assert.Equal(ErrorCode.LockHeld, refused.Code);

        // A holder that stops renewing (as a killed one) is taken over once its lease lapsed, and that is said.
        var interrupted = new List<LockHolder>();
        var later = new FakeTimeProvider(time.GetUtcNow() + TimeSpan.FromMinutes(5));
        await using (await new TableDeployLock(Table(later), Stack, _app.Name, "aws").AcquireAsync(wait: false, _ => { }, interrupted.Add, Ct)) { }
        Assert.Equal(Environment.ProcessId, Assert.Single(interrupted).ProcessId);
        await renewing.DisposeAsync(); // its lease was taken over: ending it deletes nothing of the new holder's
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _other.Dispose();
    }
}
