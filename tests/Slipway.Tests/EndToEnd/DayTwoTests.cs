using System.Text.Json;
using Slipway.Tests.Support;

namespace Slipway.Tests.EndToEnd;

/// <summary>What a team reaches for after the first deploy, through the real CLI and engine.</summary>
[Trait("Tier", "engine")]
[Collection(EndToEndCollection.Name)]
public sealed class DayTwoTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Releases_status_and_logs_tell_what_happened()
    {
        await using var app = new LocalApp("ops");
        (await app.RunAsync("up")).Succeeded();
        app.Repo.Write("app/app.py", "raise RuntimeError('broken on purpose')\n");
        var broken = app.Repo.Commit("broken");
        Assert.Equal(1, (await app.RunAsync("up")).ExitCode);
        Assert.Equal(1, (await app.RunAsync("up")).ExitCode); // still broken: fails again

        var releases = await app.RunAsync("releases", "--json");
        Assert.Equal(0, releases.ExitCode);
        var records = JsonDocument.Parse(releases.Stdout).RootElement.EnumerateArray().ToList();
        Assert.Equal(["failed", "failed", "succeeded"], records.Select(r => r.GetProperty("result").GetString()));
        Assert.Equal(app.FirstVersion, records[2].GetProperty("version").GetString());
        Assert.Contains("release rejected", records[0].GetProperty("error").GetString());
        Assert.All(records, r => Assert.Equal(Environment.UserName, r.GetProperty("user").GetString()));

        var status = await app.StatusAsync();
        Assert.Equal(app.FirstVersion, status.GetProperty("version").GetString());
        Assert.Equal("failed", status.GetProperty("lastRelease").GetProperty("result").GetString());
        Assert.Equal(JsonValueKind.Null, status.GetProperty("inProgress").ValueKind);

        await app.GetAsync();
        var logs = await app.Cli.RunAsync(["logs", "-m", app.ManifestPath, "--version", app.FirstVersion], null, Ct);
        Assert.Equal(0, logs.ExitCode);
        var lines = logs.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var replicas = (await app.ContainersAsync()).Select(c => c.Name).ToList();
        Assert.All(replicas, name => Assert.Contains(lines, l => l.Contains($"[{name}]", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.Contains("Booting worker", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(broken, StringComparison.Ordinal)); // --version filters

        var json = await app.Cli.RunAsync(["logs", "-m", app.ManifestPath, "--version", app.FirstVersion, "--json"], null, Ct);
        Assert.Equal(0, json.ExitCode);
        var entries = json.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(lines.Length, entries.Count);
        var times = entries.Select(e => e.GetProperty("time").GetDateTimeOffset()).ToList();
        Assert.Equal(times.Order(), times); // interleaved by time, compared as instants (not local clock text)
        Assert.Equal(replicas.Order(), entries.Select(e => e.GetProperty("replica").GetString()!).Distinct().Order());
    }

    [Fact]
    public async Task No_wait_fails_fast_while_another_run_holds_the_lock_and_lock_status_names_it()
    {
        await using var app = new LocalApp("lock");
        // The first run parks in its preBuild hook, holding the lock, until the test lets it go on.
        var park = Path.Combine(Path.GetDirectoryName(app.ManifestPath)!, "parked");
        var go = Path.Combine(Path.GetDirectoryName(app.ManifestPath)!, "go");
        app.WriteManifest(extra: $"hooks:\n  preBuild: touch {park}; while [ ! -f {go} ]; do sleep 0.05; done\n");
        using var first = app.Start("up");
        CliResult held, second, release;
        try
        {
            await Eventually.WaitUntilAsync(() => Task.FromResult(File.Exists(park)), TimeSpan.FromSeconds(60), "the first run is parked in its hook");
            held = await app.RunAsync("lock", "status", "--json");
            second = await app.RunAsync("up", "--no-wait");
            release = await app.RunAsync("lock", "release");
        }
        finally
        {
            File.WriteAllText(go, "");
        }
        var firstResult = await first.WaitAsync(Ct);

        Assert.Contains("\"held\": true", held.Stdout);
        Assert.Equal(1, second.ExitCode);
        Assert.Contains("error: another slipway run is working on", second.Stderr);
        Assert.Contains("slipway up", second.Stderr);
        Assert.Equal(1, release.ExitCode); // a live run's lock is never broken silently
        Assert.Contains("held by a live run", release.Stderr);
        firstResult.Succeeded();
        Assert.Contains("free", (await app.RunAsync("lock", "status")).Stdout);
    }

    [Fact]
    public async Task Hooks_run_at_their_points_and_a_failing_one_stops_the_deploy_before_cut_over()
    {
        await using var app = new LocalApp("hook");
        app.WriteManifest(extra: """
            hooks:
              preBuild: echo "before build of $SLIPWAY_VERSION"
              preCutover: test ! -f block-cutover
              postDeploy: echo "deployed $SLIPWAY_APP $SLIPWAY_VERSION after $SLIPWAY_PREVIOUS_VERSION"
            """);
        var up = await app.RunAsync("up");
        up.Succeeded();
        Assert.Contains($"preBuild | before build of {app.FirstVersion}", up.Stderr);
        Assert.Contains($"postDeploy | deployed {app.Name} {app.FirstVersion} after", up.Stderr);

        File.WriteAllText(Path.Combine(Path.GetDirectoryName(app.ManifestPath)!, "block-cutover"), "");
        app.Repo.Write("app/app.py", TestEngine.FlaskApp.Replace("version {VERSION}", "v2 {VERSION}"));
        app.Repo.Commit("v2");
        var blocked = await app.RunAsync("up");

        Assert.Equal(1, blocked.ExitCode);
        Assert.Contains("error: hook preCutover failed with exit code 1", blocked.Stderr);
        Assert.Equal(app.FirstVersion, (await app.GetAsync()).Version);
        var containers = await app.ContainersAsync();
        Assert.Equal(2, containers.Count);
        Assert.All(containers, c => Assert.Equal(app.FirstVersion, c.Labels["slipway.version"]));
    }

    [Fact]
    public async Task A_protected_environment_asks_first_and_an_environment_is_a_deployment_of_its_own()
    {
        await using var app = new LocalApp("envs");
        var stagingPort = FreePort.Next();
        app.WriteManifest(extra: $"""
            environments:
              staging:
                replicas: 1
                edge:
                  port: {stagingPort}
              production:
                edge:
                  port: {FreePort.Next()}
            """);

        var refused = await app.RunAsync("up", "-e", "production");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("protected environment production", refused.Stderr);
        Assert.Contains("hint: pass --yes", refused.Stderr);

        var staging = await app.RunAsync("up", "-e", "staging");
        staging.Succeeded();
        using var engine = TestEngine.Create();
        var stagingContainers = await engine.ListContainersAsync(Slipway.Platforms.ReleaseLabels.ForApp($"{app.Name}-staging"), Ct);
        Assert.Single(stagingContainers);
        Assert.Empty(await app.ContainersAsync()); // the default environment is untouched
        var answer = await Http.Client.GetAsync($"http://127.0.0.1:{stagingPort}/", Ct);
        Assert.True(answer.IsSuccessStatusCode);

        (await app.RunAsync("destroy", "-e", "staging", "--yes")).Succeeded();
        Assert.Empty(await engine.ListContainersAsync(Slipway.Platforms.ReleaseLabels.ForApp($"{app.Name}-staging"), Ct));
    }

    [Fact]
    public async Task Plan_tells_what_up_would_do_and_changes_nothing()
    {
        await using var app = new LocalApp("plan");
        var before = await app.RunAsync("plan", "--json");
        before.Succeeded();
        var plan = JsonDocument.Parse(before.Stdout).RootElement;
        Assert.True(plan.GetProperty("build").GetBoolean());
        Assert.True(plan.GetProperty("deploy").GetBoolean());
        Assert.Equal(app.FirstVersion, plan.GetProperty("version").GetString());
        Assert.Contains(plan.GetProperty("infrastructure").EnumerateArray(), l => l.GetString() == $"edge proxy: would start (container {app.Cli.EdgeContainer})");
        Assert.Empty(await app.ImagesAsync());
        Assert.Empty(await app.ContainersAsync());
        Assert.Null(await app.EdgeInfoAsync());

        (await app.RunAsync("up")).Succeeded();
        var after = await app.RunAsync("plan");
        Assert.Contains($"deploy: nothing to do ({app.FirstVersion} serves)", after.Stdout);
    }
}
