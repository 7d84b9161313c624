using Slipway.Tests.Support;
using Slipway.Tests.EndToEnd;

namespace Slipway.Tests.Platforms.Local;

/// <summary>Nothing half-done: a failed run takes down what it started, a clash is found before a build, destroy needs nothing but the app.</summary>
[Trait("Tier", "engine")]
[Collection(EndToEndCollection.Name)]
public sealed class LeftoverTests
{
    [Fact]
    public async Task A_failed_first_up_leaves_no_edge_proxy_running()
    {
        await using var app = new LocalApp("first");
        app.Repo.Write("app/app.py", "raise RuntimeError('never starts')\n");
        app.Repo.Commit("broken from the start");

        var up = await app.RunAsync("up");

        Assert.Equal(1, up.ExitCode);
        Assert.Contains("release rejected", up.Stderr);
        Assert.Null(await app.EdgeInfoAsync());
        Assert.Empty(await app.ContainersAsync());
    }

    [Fact]
    public async Task A_port_another_app_serves_is_refused_before_anything_is_built()
    {
        await using var first = new LocalApp("owner");
        await using var second = new LocalApp("squat", first.Cli.StateDirectory);
        (await first.RunAsync("up")).Succeeded();
        File.WriteAllText(second.ManifestPath, File.ReadAllText(second.ManifestPath).Replace($"port: {second.Port}", $"port: {first.Port}"));

        var up = await second.RunAsync("up");

        Assert.Equal(2, up.ExitCode);
        Assert.Contains($"error: edge: every host on port {first.Port} is already routed to app {first.Name}", up.Stderr);
        Assert.DoesNotContain("→ build", up.Stderr);
        Assert.Empty(await second.ImagesAsync());
        Assert.Equal(first.FirstVersion, (await first.GetAsync()).Version);
    }

    [Fact]
    public async Task Runs_stopped_after_their_build_keep_three_images_the_serving_one_among_them()
    {
        await using var app = new LocalApp("pile");
        (await app.RunAsync("up")).Succeeded();
        // Each later run builds its version, then stops before traffic moves (its preCutover hook fails).
        app.WriteManifest(extra: "hooks:\n  preCutover: exit 1\n");
        var built = new List<string>();
        for (var i = 2; i <= 5; i++)
        {
            app.Repo.Write("app/app.py", TestEngine.FlaskApp.Replace("version {VERSION}", $"v{i} {{VERSION}}"));
            built.Add(app.Repo.Commit($"v{i}"));
            var up = await app.RunAsync("up");
            Assert.True(up.ExitCode == 1, up.All);
        }

        var kept = (await app.ImagesAsync()).Select(i => i.Labels.GetValueOrDefault("slipway.version")).ToHashSet();

        Assert.Equal(3, kept.Count);
        Assert.Contains(app.FirstVersion, kept); // the serving release
        Assert.Contains(built[^1], kept); // the newest build
        Assert.Equal(app.FirstVersion, (await app.GetAsync()).Version);
    }

    [Fact]
    public async Task Destroy_works_when_the_dockerfile_has_gone()
    {
        await using var app = new LocalApp("nodf");
        (await app.RunAsync("up")).Succeeded();
        File.Delete(Path.Combine(Path.GetDirectoryName(app.ManifestPath)!, "Dockerfile"));

        var destroy = await app.RunAsync("destroy", "--yes");

        destroy.Succeeded();
        Assert.Empty(await app.ContainersAsync());
        Assert.Empty(await app.ImagesAsync());
    }

    [Fact]
    public async Task A_damaged_history_is_one_clear_line_for_up_and_does_not_stop_destroy()
    {
        await using var app = new LocalApp("hist");
        (await app.RunAsync("up")).Succeeded();
        File.WriteAllText(Path.Combine(app.Cli.StateDirectory, "history.db"), "this is not a database, it was damaged");
        foreach (var journal in Directory.EnumerateFiles(app.Cli.StateDirectory, "history.db-*")) File.Delete(journal);

        var up = await app.RunAsync("up");
        var destroy = await app.RunAsync("destroy", "--yes");

        Assert.Equal(1, up.ExitCode);
        Assert.Contains("error: the release history is damaged", Assert.Single(up.Stderr.Split('\n'), l => l.StartsWith("error: ", StringComparison.Ordinal)));
        Assert.Contains("move history.db out", up.Stderr); // only real damage gets that advice (a full disk does not)
        Assert.DoesNotContain("   at ", up.Stderr); // no stack trace
        destroy.Succeeded();
        Assert.Contains("warning: the release history", destroy.Stderr);
        Assert.Empty(await app.ContainersAsync());
    }

    [Fact]
    public async Task An_app_whose_name_another_entry_derives_never_touches_that_deployment()
    {
        await using var app = new LocalApp("col");
        await using var other = new LocalApp("colx", app.Cli.StateDirectory);
        var stagingPort = FreePort.Next();
        app.WriteManifest(extra: $"environments:\n  b:\n    edge:\n      port: {stagingPort}\n");
        (await app.RunAsync("up", "-e", "b")).Succeeded();
        File.WriteAllText(other.ManifestPath, File.ReadAllText(other.ManifestPath).Replace($"app: {other.Name}", $"app: {app.Name}-b"));

        var up = await other.RunAsync("up");
        var destroy = await other.RunAsync("destroy", "--yes");

        Assert.Equal(2, up.ExitCode);
        Assert.Contains($"error: app: {app.Name}-b is already deployed here by app {app.Name} in environment b", up.Stderr);
        Assert.Equal(2, destroy.ExitCode);
        using var engine = TestEngine.Create();
        Assert.Equal(2, (await engine.ListContainersAsync(Slipway.Platforms.ReleaseLabels.ForApp($"{app.Name}-b"), TestContext.Current.CancellationToken)).Count(c => c.State == "running"));
        using (var response = await Http.Client.GetAsync($"http://127.0.0.1:{stagingPort}/", TestContext.Current.CancellationToken))
            Assert.True(response.IsSuccessStatusCode);
        (await app.RunAsync("destroy", "-e", "b", "--yes")).Succeeded();
    }
}
