using System.Net;
using Slipway.Tests.Support;
using Slipway.Tests.EndToEnd;

namespace Slipway.Tests.Platforms.Local;

/// <summary>
/// The whole story through the real CLI, engine, edge proxy and git: up, no-op up, change and up under load,
/// status, destroy leaving nothing behind.
/// </summary>
[Trait("Tier", "timing")]
[Collection(TimingCollection.Name)]
public sealed class LocalLifecycleTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Up_noop_change_under_load_status_and_destroy()
    {
        await using var app = new LocalApp("life");

        // First up: infrastructure, build, deploy, check; stdout is the URL.
        var first = await app.RunAsync("up");
        first.Succeeded();
        Assert.Equal(app.Url.ToString(), first.Stdout.Trim());
        Assert.Equal(($"version {app.FirstVersion}\n", app.FirstVersion), await app.GetAsync());
        var firstContainers = (await app.ContainersAsync()).Select(c => c.Id).Order().ToList();
        Assert.Equal(2, firstContainers.Count);

        // Nothing changed (a commit outside the app's subdirectory does not count): says so, touches nothing.
        app.Repo.Write("README", "docs changed");
        app.Repo.Commit("docs");
        var again = await app.RunAsync("up");
        again.Succeeded();
        Assert.Contains("nothing to do", again.Stderr);
        Assert.DoesNotContain("build", again.Stderr);
        Assert.Equal(firstContainers, (await app.ContainersAsync()).Select(c => c.Id).Order().ToList());

        var status = await app.StatusAsync();
        Assert.Equal(app.FirstVersion, status.GetProperty("version").GetString());
        Assert.Equal(2, status.GetProperty("healthy").GetInt32());
        Assert.Equal(app.Url.ToString(), status.GetProperty("url").GetString());

        // A new commit to the app rolls out while a load runs: no request fails.
        app.Repo.Write("app/app.py", TestEngine.FlaskApp.Replace("version {VERSION}", "v2 {VERSION}"));
        var second = app.Repo.Commit("second version");
        await using var load = LoadLoop.Start(app.Url);
        await load.WaitForMoreAsync(20, "before the rollout");
        var rollout = await app.RunAsync("up");
        await load.WaitForMoreAsync(20, "after the rollout");
        var (_, failures) = await load.StopAsync();
        rollout.Succeeded();
        Assert.Empty(failures);
        Assert.Equal(($"v2 {second}\n", second), await app.GetAsync());
        var containers = await app.ContainersAsync();
        Assert.Equal(2, containers.Count);
        Assert.All(containers, c => Assert.Equal(second, c.Labels["slipway.version"]));
        // The previous release's image is kept for rollback.
        var versions = (await app.ImagesAsync()).Select(i => i.Labels.GetValueOrDefault("slipway.version")).ToHashSet();
        Assert.Contains(app.FirstVersion, versions);
        Assert.Contains(second, versions);

        // Destroy leaves nothing labelled with the app, and twice is fine.
        var destroy = await app.RunAsync("destroy", "--yes");
        destroy.Succeeded();
        Assert.Empty(await app.ContainersAsync());
        Assert.Empty(await app.ImagesAsync());
        await Assert.ThrowsAsync<HttpRequestException>(() => Http.Client.GetAsync(app.Url, Ct));
        Assert.Null(await app.EdgeInfoAsync()); // the edge proxy stops when no app is left...
        Assert.False(Directory.Exists(Path.Combine(app.Cli.StateDirectory, "edge"))); // ...and leaves no routes file
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(app.Cli.StateDirectory, "*", SearchOption.AllDirectories),
            path => path.Contains(app.Name, StringComparison.Ordinal)); // no lock, cache or state entry
        var twice = await app.RunAsync("destroy", "--yes");
        twice.Succeeded();
        Assert.Contains("nothing was left to remove", twice.Stderr);
    }

    [Fact]
    public async Task A_manifest_change_alone_rolls_out_again_and_secrets_reach_the_app_but_no_output()
    {
        await using var app = new LocalApp("conf");
        var secret = "s3cr3t-" + Guid.NewGuid().ToString("N");
        var env = new Dictionary<string, string> { ["CONF_TOKEN"] = secret };
        app.WriteManifest(extra: "secrets:\n  API_TOKEN:\n    fromEnv: CONF_TOKEN\n");

        var first = await app.RunAsync(env, "up");
        first.Succeeded();
        Assert.Equal(secret.Length.ToString(), (await app.GetAsync("/secret-length")).Body);

        app.WriteManifest(extra: "secrets:\n  API_TOKEN:\n    fromEnv: CONF_TOKEN\nenv:\n  MODE: two\n");
        var second = await app.RunAsync(env, "up", "--json");
        second.Succeeded();
        Assert.Contains("\"changed\": true", second.Stdout);
        var status = await app.RunAsync(env, "status", "--json");

        foreach (var output in new[] { first.All, second.All, status.All })
            Assert.DoesNotContain(secret, output);
        foreach (var container in await app.ContainersAsync())
            Assert.DoesNotContain(container.Labels.Values, v => v.Contains(secret, StringComparison.Ordinal));
    }
}


[Trait("Tier", "engine")]
[Collection(EndToEndCollection.Name)]
public sealed class DockerfileChangeTests
{
    [Fact]
    public async Task A_change_to_the_dockerfile_alone_rebuilds_and_rolls_out_the_same_version()
    {
        await using var app = new LocalApp("recipe");
        (await app.RunAsync("up")).Succeeded();
        var dockerfile = Path.Combine(Path.GetDirectoryName(app.ManifestPath)!, "Dockerfile");
        File.WriteAllText(dockerfile, TestEngine.Dockerfile.Replace("WORKDIR /app", "ENV SLOW_SECONDS=2\nWORKDIR /app"));

        var up = await app.RunAsync("up");

        up.Succeeded();
        Assert.Contains($"built slipway/{app.Name}:{app.FirstVersion}", up.Stderr);
        Assert.Contains("serving on 2 replica(s)", up.Stderr);
        var again = await app.RunAsync("up");
        again.Succeeded();
        Assert.Contains("nothing to do", again.Stderr);
    }
}
