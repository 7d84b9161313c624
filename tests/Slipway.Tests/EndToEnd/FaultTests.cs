using System.Diagnostics;
using Slipway.Tests.Support;

namespace Slipway.Tests.EndToEnd;

/// <summary>What a user must be able to trust: no failed request under rollouts and rollbacks, convergence after kill -9, restarts.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class FaultTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Rollout_and_rollback_under_load_fail_no_request()
    {
        await using var app = new LocalApp("roll");
        Assert.Equal(0, (await app.RunAsync("up")).ExitCode);
        app.Repo.Write("app/app.py", TestEngine.FlaskApp.Replace("version {VERSION}", "v2 {VERSION}"));
        var second = app.Repo.Commit("v2");

        var up = await UnderLoadAsync(app, () => app.RunAsync("up"));
        Assert.True(up.ExitCode == 0, up.All);
        Assert.Equal(second, (await app.GetAsync()).Version);

        var rollback = await UnderLoadAsync(app, () => app.RunAsync("rollback"));
        Assert.True(rollback.ExitCode == 0, rollback.All);
        Assert.DoesNotContain("→ build", rollback.Stderr);
        Assert.Equal(app.FirstVersion, (await app.GetAsync()).Version);

        var unknown = await app.RunAsync("rollback", "0000000");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("version 0000000 of", unknown.Stderr);
        Assert.Contains(second, unknown.Stderr); // lists what it has
        Assert.Equal(app.FirstVersion, (await app.GetAsync()).Version);
    }

    /// <summary>Runs a command while a load goes through the edge; asserts the load saw no failure.</summary>
    private static async Task<CliResult> UnderLoadAsync(LocalApp app, Func<Task<CliResult>> command)
    {
        using var stop = new CancellationTokenSource();
        var load = LocalLifecycleTests.LoadAsync(app.Url, stop.Token);
        var result = await command();
        await stop.CancelAsync();
        var (sent, failed) = await load;
        Assert.Equal(0, failed);
        Assert.True(sent > 50, $"only {sent} requests");
        return result;
    }

    public static TheoryData<string> KillPoints => ["after-build", "after-start", "after-cutover", "during-drain"];

    [Theory]
    [MemberData(nameof(KillPoints))]
    public async Task Killed_mid_deploy_then_rerun_converges_to_one_healthy_release(string point)
    {
        await using var app = new LocalApp("kill");
        app.WriteManifest(extra: "env:\n  SLOW_SECONDS: \"4\"\n");
        if (point == "during-drain")
            File.WriteAllText(app.ManifestPath, File.ReadAllText(app.ManifestPath).Replace("drain: 2s", "drain: 15s"));
        Assert.Equal(0, (await app.RunAsync("up")).ExitCode);
        app.Repo.Write("app/app.py", TestEngine.FlaskApp.Replace("version {VERSION}", "v2 {VERSION}"));
        var second = app.Repo.Commit("v2");

        Task<(string Body, string? Version)>? slow = point == "during-drain" ? app.GetAsync("/slow") : null;
        using var running = app.Start("up");
        Func<Task<bool>> reached = point switch
        {
            "after-build" => async () => (await app.ImagesAsync()).Any(i => i.Labels.GetValueOrDefault("slipway.version") == second),
            "after-start" => async () => (await app.ContainersAsync()).Count(c => c.Labels.GetValueOrDefault("slipway.version") == second && c.State == "running") == 2,
            _ => async () => (await app.RouteAsync())?.Route.Version == second,
        };
        await Eventually.WaitUntilAsync(reached, TimeSpan.FromSeconds(60), $"the deploy reached {point}");
        Assert.False(running.HasExited, $"the deploy finished before it could be killed at {point}");
        running.KillHard();

        if (slow is not null)
            Assert.Equal($"slow {app.FirstVersion}\n", (await slow).Body); // the edge finished draining on its own

        var rerun = await app.RunAsync("up");
        Assert.True(rerun.ExitCode == 0, rerun.All);
        Assert.DoesNotContain("waiting for another slipway run", rerun.Stderr); // the killed run's lock died with it...
        Assert.Contains("was interrupted; its lock was released with its process", rerun.Stderr); // ...and that is said, not silent
        var containers = await app.ContainersAsync();
        Assert.Equal(2, containers.Count);
        Assert.All(containers, c => Assert.Equal(second, c.Labels["slipway.version"]));
        var route = await app.RouteAsync();
        Assert.Equal(second, route!.Route.Version);
        Assert.Equal(containers.Select(c => c.Name).Order(), route.Targets.Select(t => t.Id).Order());
        Assert.Equal(($"v2 {second}\n", second), await app.GetAsync());
    }

    [Fact]
    public async Task A_killed_edge_proxy_comes_back_with_its_routes()
    {
        await using var app = new LocalApp("edge");
        Assert.Equal(0, (await app.RunAsync("up")).ExitCode);
        var before = await app.EdgeInfoAsync();

        Process.GetProcessById(before!.ProcessId).Kill();

        await Eventually.WaitUntilAsync(async () => (await app.EdgeInfoAsync())?.ProcessId is { } pid && pid != before.ProcessId,
            TimeSpan.FromSeconds(15), "a new edge process answers");
        await Eventually.WaitUntilAsync(async () => await app.TryGetVersionAsync() == app.FirstVersion,
            TimeSpan.FromSeconds(10), "the app is served again");
    }

    [Fact]
    public async Task Two_ups_of_one_app_take_turns_and_two_apps_deploy_side_by_side()
    {
        await using var app = new LocalApp("conc");
        await using var other = new LocalApp("other", app.Cli.StateDirectory);

        using var first = app.Start("up");
        await Task.Delay(300, Ct);
        using var second = app.Start("up");
        using var third = other.Start("up");
        var results = await Task.WhenAll(first.WaitAsync(Ct), second.WaitAsync(Ct), third.WaitAsync(Ct));

        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.All));
        Assert.Contains(results[..2], r => r.Stderr.Contains("waiting for another slipway run", StringComparison.Ordinal));
        Assert.Equal(2, (await app.ContainersAsync()).Count);
        Assert.Equal(2, (await other.ContainersAsync()).Count);
        Assert.Equal(app.FirstVersion, (await app.GetAsync()).Version);
        Assert.Equal(other.FirstVersion, (await other.GetAsync()).Version);
    }
}
