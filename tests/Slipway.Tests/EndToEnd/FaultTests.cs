using System.Diagnostics;
using Slipway.Tests.Support;

namespace Slipway.Tests.EndToEnd;

/// <summary>What a user must be able to trust: no failed request under rollouts and rollbacks, convergence after kill -9, restarts.</summary>
[Trait("Tier", "timing")]
[Collection(TimingCollection.Name)]
public sealed class FaultTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Rollout_and_rollback_under_load_fail_no_request()
    {
        await using var app = new LocalApp("roll");
        (await app.RunAsync("up")).Succeeded();
        app.Repo.Write("app/app.py", TestEngine.FlaskApp.Replace("version {VERSION}", "v2 {VERSION}"));
        var second = app.Repo.Commit("v2");

        var up = await UnderLoadAsync(app, () => app.RunAsync("up"));
        up.Succeeded();
        Assert.Equal(second, (await app.GetAsync()).Version);

        var rollback = await UnderLoadAsync(app, () => app.RunAsync("rollback"));
        rollback.Succeeded();
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
        await using var load = LoadLoop.Start(app.Url);
        await load.WaitForMoreAsync(20, "before the command");
        var result = await command();
        await load.WaitForMoreAsync(20, "after the command");
        var (_, failures) = await load.StopAsync();
        Assert.Empty(failures);
        return result;
    }

    public static TheoryData<string> KillPoints => ["after-build", "after-start", "after-cutover", "during-drain"];

    /// <summary>
    /// Each kill point is reached through a synchronisation point, never a race: a preCutover hook that parks
    /// the run with its new replicas started, or a request held in flight on the old release, so the edge keeps
    /// draining after the cut-over until the test releases it.
    /// </summary>
    [Theory]
    [MemberData(nameof(KillPoints))]
    public async Task Killed_mid_deploy_then_rerun_converges_to_one_healthy_release(string point)
    {
        await using var app = new LocalApp("kill");
        var folder = Path.GetDirectoryName(app.ManifestPath)!;
        var (parked, go) = (Path.Combine(folder, "parked"), Path.Combine(folder, "go"));
        void Manifest(string hook)
        {
            app.WriteManifest(extra: $"env:\n  SLOW_SECONDS: \"100\"\n{hook}");
            File.WriteAllText(app.ManifestPath, File.ReadAllText(app.ManifestPath).Replace("drain: 2s", "drain: 100s"));
        }
        Manifest("");
        (await app.RunAsync("up")).Succeeded();
        if (point == "after-start") Manifest($"hooks:\n  preCutover: touch {parked}; while [ ! -f {go} ]; do sleep 0.05; done\n");
        var oldTargets = (await app.RouteAsync())!.Targets.Select(t => t.Address).ToList();
        app.Repo.Write("app/app.py", TestEngine.FlaskApp.Replace("version {VERSION}", "v2 {VERSION}"));
        var second = app.Repo.Commit("v2");

        using var longClient = new HttpClient { Timeout = TimeSpan.FromMinutes(3) };
        Task<string>? held = null;
        if (point is "after-cutover" or "during-drain")
        {
            held = longClient.GetStringAsync(new Uri(app.Url, "/slow"), Ct);
            await Eventually.WaitUntilAsync(async () => await AnyAsync(oldTargets, t => longClient.GetStringAsync($"{t}/slow-arrived", Ct), "yes"),
                TimeSpan.FromSeconds(30), "the held request reached an old replica");
        }
        using var running = app.Start("up");
        try
        {
            Func<Task<bool>> reached = point switch
            {
                "after-build" => async () => (await app.ImagesAsync()).Any(i => i.Labels.GetValueOrDefault("slipway.version") == second),
                "after-start" => () => Task.FromResult(File.Exists(parked)),
                _ => async () => (await app.RouteAsync())?.Route.Version == second,
            };
            await Eventually.WaitUntilAsync(reached, TimeSpan.FromSeconds(90), $"the deploy reached {point}");
            if (point == "after-start")
                Assert.Equal(2, (await app.ContainersAsync()).Count(c => c.Labels.GetValueOrDefault("slipway.version") == second && c.State == "running"));
            Assert.False(running.HasExited, $"the deploy finished before it could be killed at {point}");
            if (point == "after-cutover")
                await ReleaseAsync(longClient, oldTargets); // draining ends: the run goes on to stop the old replicas
            running.KillHard();
            if (point == "after-start")
                await Eventually.WaitUntilAsync(() => Task.FromResult(!ProcessesMentioning(go).Any()), TimeSpan.FromSeconds(15),
                    "the parked hook ended with the killed CLI");
        }
        finally
        {
            File.WriteAllText(go, ""); // a parked hook outlives the killed CLI: let it end
        }

        if (held is not null)
        {
            await ReleaseAsync(longClient, oldTargets);
            Assert.Equal($"slow {app.FirstVersion}\n", await held); // the edge went on draining on its own
        }

        var rerun = await app.RunAsync("up");
        rerun.Succeeded();
        Assert.DoesNotContain("waiting for another slipway run", rerun.Stderr); // the killed run's lock died with it...
        Assert.Contains("was interrupted; its lock was released", rerun.Stderr); // ...and that is said, not silent
        var containers = await app.ContainersAsync();
        Assert.Equal(2, containers.Count);
        Assert.All(containers, c => Assert.Equal(second, c.Labels["slipway.version"]));
        var route = await app.RouteAsync();
        Assert.Equal(second, route!.Route.Version);
        Assert.Equal(containers.Select(c => c.Name).Order(), route.Targets.Select(t => t.Id).Order());
        Assert.Equal(($"v2 {second}\n", second), await app.GetAsync());
    }

    /// <summary>Processes whose command line mentions the text (a hook's unique file name).</summary>
    private static IEnumerable<int> ProcessesMentioning(string text) =>
        Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Where(d => int.TryParse(d, out _)).Select(int.Parse!)
            .Where(pid =>
            {
                try { return File.ReadAllText($"/proc/{pid}/cmdline").Contains(text, StringComparison.Ordinal); }
                catch (IOException) { return false; }
                catch (UnauthorizedAccessException) { return false; }
            });

    private static async Task<bool> AnyAsync(IEnumerable<string> targets, Func<string, Task<string>> get, string expected)
    {
        foreach (var target in targets)
            if (await get(target) == expected) return true;
        return false;
    }

    /// <summary>Lets held requests on the old replicas finish (any that is gone already is fine).</summary>
    private static async Task ReleaseAsync(HttpClient client, IEnumerable<string> targets)
    {
        foreach (var target in targets)
        {
            try { (await client.PostAsync($"{target}/release", null, Ct)).Dispose(); }
            catch (HttpRequestException) { }
        }
    }

    [Fact]
    public async Task A_killed_edge_proxy_comes_back_with_its_routes()
    {
        await using var app = new LocalApp("edge");
        (await app.RunAsync("up")).Succeeded();
        using var engine = TestEngine.Create(app.DockerHost);
        var before = (await engine.InspectContainerAsync(app.Cli.EdgeContainer, Ct))!;
        Assert.True(before.Pid > 1, "the edge's container runs a process of its own");

        Process.GetProcessById(before.Pid).Kill(); // SIGKILL, as the OOM killer would: no clean stop

        await Eventually.WaitUntilAsync(async () => (await engine.InspectContainerAsync(app.Cli.EdgeContainer, Ct))!.RestartCount > before.RestartCount,
            TimeSpan.FromSeconds(15), "the engine restarted the edge's container");
        await Eventually.WaitUntilAsync(async () => await app.TryGetVersionAsync() == app.FirstVersion,
            TimeSpan.FromSeconds(10), "the app is served again");
    }

    [Fact]
    public async Task An_engine_lost_right_after_the_cut_over_leaves_the_new_release_serving_and_recorded_and_the_next_up_converges()
    {
        await using var app = new LocalApp("lostengine");
        // A request held on an old replica keeps the drain going for its whole 8 s: the window in which the engine is cut.
        app.WriteManifest(extra: "env:\n  SLOW_SECONDS: \"60\"\n");
        File.WriteAllText(app.ManifestPath, File.ReadAllText(app.ManifestPath).Replace("drain: 2s", "drain: 8s"));
        (await app.RunAsync("up")).Succeeded();
        var folder = Path.GetDirectoryName(app.ManifestPath)!;
        var (parked, go) = (Path.Combine(folder, "parked"), Path.Combine(folder, "go"));
        var hook = $"hooks:\n  preCutover: touch {parked}; while [ ! -f {go} ]; do sleep 0.05; done\n";
        File.AppendAllText(app.ManifestPath, hook);
        app.Repo.Write("app/app.py", TestEngine.FlaskApp.Replace("version {VERSION}", "v2 {VERSION}"));
        var second = app.Repo.Commit("v2");
        await using var proxy = new EngineSocketProxy();

        using var running = app.Cli.Start(["up", "-f", app.ManifestPath], new Dictionary<string, string> { ["DOCKER_HOST"] = proxy.DockerHost });
        CliResult result;
        try
        {
            await Eventually.WaitUntilAsync(() => Task.FromResult(File.Exists(parked)), TimeSpan.FromSeconds(90), "the run is parked before its cut-over");
            var held = Http.Client.GetAsync(new Uri(app.Url, "/slow"), Ct); // on an old replica, through the drain
            await Eventually.WaitUntilAsync(async () => (await Http.Client.GetStringAsync(new Uri(app.Url, "/slow-arrived"), Ct)) == "yes",
                TimeSpan.FromSeconds(10), "the held request reached an old replica");
            File.WriteAllText(go, "");
            await Eventually.WaitUntilAsync(async () => (await app.RouteAsync())?.Route.Version == second, TimeSpan.FromSeconds(60), "the edge cut over");
            proxy.Cut();
            result = await running.WaitAsync(Ct);
            _ = held.ContinueWith(_ => { }, TaskScheduler.Default);
        }
        finally
        {
            File.WriteAllText(go, "");
        }

        result.Succeeded();
        Assert.Contains($"{second} serves", result.Stderr);
        Assert.Equal(second, (await app.GetAsync()).Version);
        var last = System.Text.Json.JsonDocument.Parse((await app.RunAsync("releases", "--json")).Stdout).RootElement[0];
        Assert.Equal(("succeeded", second), (last.GetProperty("result").GetString(), last.GetProperty("version").GetString()));
        File.WriteAllText(app.ManifestPath, File.ReadAllText(app.ManifestPath).Replace(hook, ""));
        (await app.RunAsync("up")).Succeeded();
        Assert.All(await app.ContainersAsync(), c => Assert.Equal(second, c.Labels["slipway.version"]));
    }

    [Fact]
    public async Task Ctrl_c_mid_deploy_removes_the_new_replicas_says_interrupted_and_exits_130()
    {
        await using var app = new LocalApp("sigint");
        (await app.RunAsync("up")).Succeeded();
        var folder = Path.GetDirectoryName(app.ManifestPath)!;
        var (parked, go) = (Path.Combine(folder, "parked"), Path.Combine(folder, "go"));
        app.WriteManifest(extra: $"hooks:\n  preCutover: touch {parked}; while [ ! -f {go} ]; do sleep 0.05; done\n");
        app.Repo.Write("app/app.py", TestEngine.FlaskApp.Replace("version {VERSION}", "v2 {VERSION}"));
        app.Repo.Commit("v2");

        using var running = app.Start("up");
        CliResult result;
        try
        {
            await Eventually.WaitUntilAsync(() => Task.FromResult(File.Exists(parked)), TimeSpan.FromSeconds(90), "the run is parked before its cut-over");
            running.Interrupt();
            result = await running.WaitAsync(Ct);
        }
        finally
        {
            File.WriteAllText(go, "");
        }

        Assert.True(result.ExitCode == 130, result.All);
        Assert.True(result.Stderr.Contains("error: interrupted", StringComparison.Ordinal), result.Stderr);
        var containers = await app.ContainersAsync();
        Assert.Equal(2, containers.Count);
        Assert.All(containers, c => Assert.Equal(app.FirstVersion, c.Labels["slipway.version"])); // the new replicas are gone
        Assert.Equal(app.FirstVersion, (await app.GetAsync()).Version);
        var releases = await app.RunAsync("releases", "--json");
        Assert.Equal("cancelled", System.Text.Json.JsonDocument.Parse(releases.Stdout).RootElement[0].GetProperty("result").GetString());
    }

    [Fact]
    public async Task A_stopped_edge_is_reported_by_status_and_doctor_as_a_failure_and_up_brings_it_back()
    {
        await using var app = new LocalApp("down");
        (await app.RunAsync("up")).Succeeded();
        await app.Cli.StopEdgeAsync(); // docker stop: its restart policy leaves it down
        await Eventually.WaitUntilAsync(async () => await app.EdgeInfoAsync() is null, TimeSpan.FromSeconds(30), "the edge has stopped");

        var status = await app.RunAsync("status");
        var doctor = await app.RunAsync("doctor");

        Assert.Equal(1, status.ExitCode);
        Assert.Contains("error: the edge proxy is not running: 2 replica(s) of", status.Stderr);
        Assert.Equal(1, doctor.ExitCode);
        Assert.Contains("FAIL  edge proxy       not running, but it has saved routes", doctor.Stdout);
        var up = await app.RunAsync("up");
        up.Succeeded();
        Assert.Equal(app.FirstVersion, (await app.GetAsync()).Version);
    }

    [Fact]
    public async Task Two_ups_of_one_app_take_turns_and_two_apps_deploy_side_by_side()
    {
        await using var app = new LocalApp("conc");
        await using var other = new LocalApp("other", app.Cli.StateDirectory);
        var folder = Path.GetDirectoryName(app.ManifestPath)!;
        var (parked, go) = (Path.Combine(folder, "parked"), Path.Combine(folder, "go"));
        // The first run parks in its preBuild hook, holding the app's lock, until the test lets it go on.
        app.WriteManifest(extra: $"hooks:\n  preBuild: test -f {parked} || {{ touch {parked}; while [ ! -f {go} ]; do sleep 0.05; done; }}\n");

        using var first = app.Start("up");
        using var second = app.Start("up");
        CliResult otherResult;
        try
        {
            await Eventually.WaitUntilAsync(() => Task.FromResult(File.Exists(parked)), TimeSpan.FromSeconds(60), "a run is parked holding the lock");
            await Eventually.WaitUntilAsync(() => Task.FromResult((first.StderrSoFar + second.StderrSoFar).Contains("waiting for another slipway run", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(60), "the other run of the same app waits for the lock");
            otherResult = await other.RunAsync("up"); // another app is not held up by this app's lock
            Assert.False(first.HasExited || second.HasExited, "a run of the first app ended while one was parked");
        }
        finally
        {
            File.WriteAllText(go, "");
        }
        var results = await Task.WhenAll(first.WaitAsync(Ct), second.WaitAsync(Ct));

        otherResult.Succeeded();
        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.All));
        Assert.Single(results, r => r.Stderr.Contains("waiting for another slipway run", StringComparison.Ordinal));
        Assert.Single(results, r => r.Stderr.Contains("nothing to do", StringComparison.Ordinal)); // the second found the first's work done
        Assert.Equal(2, (await app.ContainersAsync()).Count);
        Assert.Equal(2, (await other.ContainersAsync()).Count);
        Assert.Equal(app.FirstVersion, (await app.GetAsync()).Version);
        Assert.Equal(other.FirstVersion, (await other.GetAsync()).Version);
    }
}
