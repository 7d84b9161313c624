using Slipway.Platforms;
using System.Text.Json;
using Slipway.Platforms.Images;
using Slipway.Engine;

namespace Slipway.Tests.Support;

/// <summary>
/// A user's project as Slipway sees it: an app in a real git repository, a manifest and Dockerfile kept
/// outside it (as the original script did), a state directory and a free public port of its own.
/// </summary>
public sealed class LocalApp : IAsyncDisposable
{
    private readonly TempDirectory _dir = new("slipway-e2e");

    /// <param name="dockerHost">The engine the app is deployed to (null: the environment's).</param>
    /// <param name="address">Where its port is reached (a test server's address); null: this machine's loopback.</param>
    /// <param name="cliEnvironment">Variables every CLI run gets (a test server's ssh command).</param>
    public LocalApp(string prefix, string? stateDirectory = null, string? dockerHost = null, string? address = null,
        IReadOnlyDictionary<string, string>? cliEnvironment = null)
    {
        DockerHost = dockerHost;
        Address = address ?? "127.0.0.1";
        Name = $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 7)];
        Port = FreePort.Next();
        Repo = GitRepo.Init(Path.Combine(_dir.Path, "repo"));
        Repo.Write("app/app.py", TestEngine.FlaskApp);
        Repo.Write("README", "not part of the app");
        FirstVersion = Repo.Commit("first version");
        Cli = new SlipwayCli(stateDirectory ?? Path.Combine(_dir.Path, "state"), dockerHost, environment: cliEnvironment);
        File.WriteAllText(Path.Combine(_dir.Path, "deploy", "Dockerfile").Also(CreateParent), TestEngine.Dockerfile);
        WriteManifest();
    }

    public string Name { get; }
    public string? DockerHost { get; }

    /// <summary>
    /// Environments other than the default the app may be deployed to (a swarm's): the end of the test destroys each, so a
    /// test that failed midway leaves nothing there either, and its own failure is the one reported.
    /// </summary>
    public IReadOnlyList<string> OtherEnvironments { get; init; } = [];
    public int Port { get; }
    public GitRepo Repo { get; }
    public string FirstVersion { get; }
    public SlipwayCli Cli { get; }
    public string ManifestPath => Path.Combine(_dir.Path, "deploy", "slipway.yaml");
    public string Address { get; }
    public Uri Url => new($"http://{Address}:{Port}/");

    public void WriteManifest(int containerPort = 8000, string healthPath = "/", string startPeriod = "20s", string extra = "") =>
        File.WriteAllText(ManifestPath, $"""
            app: {Name}
            source:
              path: ../repo
              subdirectory: app
            port: {containerPort}
            replicas: 2
            healthCheck:
              path: {healthPath}
              interval: 300ms
              timeout: 1s
              healthyThreshold: 2
              startPeriod: {startPeriod}
            drain: 2s
            edge:
              port: {Port}
            check:
              tries: 10
              interval: 500ms
            {extra}
            """);

    public Task<CliResult> RunAsync(params string[] args) =>
        Cli.RunAsync([.. args, "-f", ManifestPath], null, TestContext.Current.CancellationToken);

    public RunningCli Start(params string[] args) => Cli.Start([.. args, "-f", ManifestPath]);

    public async Task<Slipway.Edge.Contract.RouteStatus?> RouteAsync()
    {
        using var client = new Slipway.Platforms.EdgeControl.EdgeClient(new Slipway.Edge.Contract.EdgePaths(Path.Combine(Cli.StateDirectory, "edge")));
        return await client.InfoAsync(CancellationToken.None) is null ? null : await client.RouteAsync(Name, CancellationToken.None);
    }

    public async Task<Slipway.Edge.Contract.EdgeInfo?> EdgeInfoAsync()
    {
        using var client = new Slipway.Platforms.EdgeControl.EdgeClient(new Slipway.Edge.Contract.EdgePaths(Path.Combine(Cli.StateDirectory, "edge")));
        return await client.InfoAsync(CancellationToken.None);
    }

    public Task<CliResult> RunAsync(IDictionary<string, string> env, params string[] args) =>
        Cli.RunAsync([.. args, "-f", ManifestPath], env, TestContext.Current.CancellationToken);

    public async Task<JsonElement> StatusAsync()
    {
        var result = await RunAsync("status", "--json");
        result.Succeeded();
        return JsonDocument.Parse(result.Stdout).RootElement;
    }

    public async Task<(string Body, string? Version)> GetAsync(string path = "/")
    {
        using var response = await Http.Client.GetAsync(new Uri(Url, path), TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var version = response.Headers.TryGetValues("X-Slipway-Version", out var v) ? v.Single() : null;
        return (await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), version);
    }

    /// <summary>The version that answered 200, or null for any other answer or none.</summary>
    public async Task<string?> TryGetVersionAsync()
    {
        try
        {
            using var response = await Http.Client.GetAsync(Url, TestContext.Current.CancellationToken);
            return response.StatusCode == System.Net.HttpStatusCode.OK && response.Headers.TryGetValues("X-Slipway-Version", out var v)
                ? v.Single() : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    public async Task<IReadOnlyList<ContainerSummary>> ContainersAsync()
    {
        using var engine = TestEngine.Create(DockerHost);
        return await engine.ListContainersAsync(ReleaseLabels.ForApp(Name), CancellationToken.None);
    }

    public async Task<IReadOnlyList<ContainerSummary>> AccessoryContainersAsync()
    {
        using var engine = TestEngine.Create(DockerHost);
        return await engine.ListContainersAsync(Slipway.Platforms.Local.LocalAccessories.ForApp(Name), CancellationToken.None);
    }

    public async Task<IReadOnlyList<ContainerSummary>> JobContainersAsync()
    {
        using var engine = TestEngine.Create(DockerHost);
        return await engine.ListContainersAsync(new Dictionary<string, string> { [Slipway.Edge.Contract.JobLabels.App] = Name }, CancellationToken.None);
    }

    public async Task<IReadOnlyList<VolumeSummary>> VolumesAsync()
    {
        using var engine = TestEngine.Create(DockerHost);
        return await engine.ListVolumesAsync(ReleaseLabels.ForApp(Name), CancellationToken.None);
    }

    public async Task<IReadOnlyList<ImageSummary>> ImagesAsync()
    {
        using var engine = TestEngine.Create(DockerHost);
        return await engine.ListImagesAsync(ReleaseLabels.ForApp(Name), CancellationToken.None);
    }

    /// <summary>
    /// Destroys the app, then removes by label whatever destroy left and fails the test if there was any:
    /// every test leaves the engine as it found it, and a destroy that leaves things behind is a bug.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var environment in OtherEnvironments)
            await Cli.RunAsync(["destroy", "--yes", "-e", environment, "-f", ManifestPath], null, CancellationToken.None);
        // Nothing was made (a bad input refused at once): no destroy to run.
        if ((await ContainersAsync()).Count > 0 || (await ImagesAsync()).Count > 0 || await EdgeInfoAsync() is not null
            || (await AccessoryContainersAsync()).Count > 0 || (await JobContainersAsync()).Count > 0
            || Directory.Exists(Path.Combine(Cli.StateDirectory, "sources")))
        {
            var destroy = await Cli.RunAsync(["destroy", "--yes", "-f", ManifestPath], null, CancellationToken.None);
            await Cli.RemoveEdgeAsync();
            var left = (await Leftovers.RemoveAsync(ReleaseLabels.ForApp(Name), DockerHost))
                .Concat(await Leftovers.RemoveAsync(Slipway.Platforms.Local.LocalAccessories.ForApp(Name), DockerHost))
                .Concat(await Leftovers.RemoveAsync(new Dictionary<string, string> { [Slipway.Edge.Contract.JobLabels.App] = Name }, DockerHost)).ToList();
            if (left.Count > 0)
            {
                _dir.Dispose();
                Assert.Fail($"destroy left {string.Join(", ", left)} of {Name} behind (exit {destroy.ExitCode}): {destroy.All}");
            }
        }
        await Cli.RemoveEdgeAsync(); // also one a test stopped, which answers nothing
        await Leftovers.RemoveVolumesAsync(Name, DockerHost); // destroy keeps them on purpose
        _dir.Dispose();
    }

    private static void CreateParent(string path) => Directory.CreateDirectory(Path.GetDirectoryName(path)!);
}

internal static class FluentExtensions
{
    public static T Also<T>(this T value, Action<T> action)
    {
        action(value);
        return value;
    }
}
