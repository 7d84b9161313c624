using Slipway.Tests.Support;

namespace Slipway.Tests.EndToEnd;

/// <summary>Nothing half-done: a failed run takes down what it started, a clash is found before a build, destroy needs nothing but the app.</summary>
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
        Assert.Equal(0, (await first.RunAsync("up")).ExitCode);
        File.WriteAllText(second.ManifestPath, File.ReadAllText(second.ManifestPath).Replace($"port: {second.Port}", $"port: {first.Port}"));

        var up = await second.RunAsync("up");

        Assert.Equal(2, up.ExitCode);
        Assert.Contains($"error: edge: every host on port {first.Port} is already routed to app {first.Name}", up.Stderr);
        Assert.DoesNotContain("→ build", up.Stderr);
        Assert.Empty(await second.ImagesAsync());
        Assert.Equal(first.FirstVersion, (await first.GetAsync()).Version);
    }

    [Fact]
    public async Task Destroy_works_when_the_dockerfile_has_gone()
    {
        await using var app = new LocalApp("nodf");
        Assert.Equal(0, (await app.RunAsync("up")).ExitCode);
        File.Delete(Path.Combine(Path.GetDirectoryName(app.ManifestPath)!, "Dockerfile"));

        var destroy = await app.RunAsync("destroy", "--yes");

        Assert.True(destroy.ExitCode == 0, destroy.All);
        Assert.Empty(await app.ContainersAsync());
        Assert.Empty(await app.ImagesAsync());
    }
}
