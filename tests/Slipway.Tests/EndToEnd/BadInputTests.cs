using System.Net;
using System.Net.Sockets;
using Slipway.Tests.Support;

namespace Slipway.Tests.EndToEnd;

/// <summary>Every bad input gets one clear line naming the problem, a hint, the documented exit code, and changes nothing.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class BadInputTests : IAsyncLifetime
{
    private readonly LocalApp _app = new("bad");

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    private async Task<CliResult> FailsWith(int exitCode, string message, CliResult result)
    {
        Assert.True(result.ExitCode == exitCode, $"expected exit {exitCode}, got {result.ExitCode}: {result.All}");
        var error = Assert.Single(result.Stderr.Split('\n'), l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Contains(message, error);
        Assert.Contains("hint: ", result.Stderr);
        Assert.Empty(await _app.ContainersAsync());
        Assert.Empty(await _app.ImagesAsync());
        return result;
    }

    [Fact]
    public async Task Missing_manifest() =>
        await FailsWith(2, "no manifest at", await _app.Cli.RunAsync("up", "-f", "/nonexistent/slipway.yaml"));

    [Fact]
    public async Task Invalid_manifest_names_the_key()
    {
        File.WriteAllText(_app.ManifestPath, File.ReadAllText(_app.ManifestPath).Replace("replicas: 2", "replicas: many"));
        await FailsWith(2, "replicas: \"many\" is not a whole number", await _app.RunAsync("up"));
    }

    [Fact]
    public async Task Missing_dockerfile()
    {
        File.AppendAllText(_app.ManifestPath, "build:\n  dockerfile: nowhere/Dockerfile\n");
        await FailsWith(2, "no Dockerfile at", await _app.RunAsync("up"));
    }

    [Fact]
    public async Task Unknown_git_ref()
    {
        var manifest = File.ReadAllText(_app.ManifestPath).Replace("  subdirectory: app", "  subdirectory: app\n  ref: no-such-tag");
        File.WriteAllText(_app.ManifestPath, manifest);
        await FailsWith(2, "\"no-such-tag\" is not a branch, tag or commit", await _app.RunAsync("up"));
    }

    [Fact]
    public async Task No_engine() =>
        await FailsWith(1, "no container engine answers at unix:///nonexistent/docker.sock",
            await _app.RunAsync(new Dictionary<string, string> { ["DOCKER_HOST"] = "unix:///nonexistent/docker.sock" }, "up"));

    [Fact]
    public async Task Port_in_use()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, _app.Port);
        squatter.Start();
        await FailsWith(2, $"port {_app.Port} is in use", await _app.RunAsync("up"));
    }

    [Fact]
    public async Task Destroy_without_a_terminal_needs_yes() =>
        await FailsWith(2, "needs confirmation", await _app.RunAsync("destroy"));

    [Fact]
    public async Task Unknown_environment() =>
        await FailsWith(2, "unknown environment \"prod\"", await _app.RunAsync("up", "-e", "prod"));

    [Fact]
    public async Task Unknown_option_is_a_usage_error()
    {
        var result = await _app.Cli.RunAsync("up", "--replicas", "3");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--replicas", result.Stderr);
    }

    [Fact]
    public async Task Help_is_everywhere()
    {
        foreach (var command in new[] { "up", "status", "destroy", "edge" })
        {
            var result = await _app.Cli.RunAsync(command, "--help");
            Assert.Equal(0, result.ExitCode);
            Assert.Contains("Usage:", result.Stdout);
        }
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
