using Slipway.Platforms;
using Slipway.Platforms.Swarm;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Swarm;

/// <summary>An app on a test swarm through the real CLI, and what the swarm tests read back of it.</summary>
public static class SwarmApps
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static void WriteManifest(LocalApp app, TestSwarm swarm, string healthPath = "/", string extra = "", string startPeriod = "20s") =>
        app.WriteManifest(healthPath: healthPath, startPeriod: startPeriod, extra: $"engine: {swarm.Manager.SshEngine}\nswarm:\n  registry: {swarm.Registry}\n  engineSocket: \"{swarm.EngineSocket}\"\n{extra}");

    /// <summary>The app's release services of one version (the service's name carries the release's fingerprint too).</summary>
    public static async Task<IReadOnlyList<Slipway.Engine.SwarmService>> ServicesOfAsync(Slipway.Engine.DockerEngine engine, LocalApp app, string version) =>
        await engine.ListServicesAsync(ReleaseLabels.ForRelease(app.Name, version), Ct);

    /// <summary>What the registry answers for a pinned image's manifest (HEAD, as a pull starts).</summary>
    public static async Task<System.Net.HttpStatusCode> RegistryManifestAsync(string pinned)
    {
        var (registry, name, digest) = Slipway.Engine.RegistryClient.Parse(pinned);
        using var request = new HttpRequestMessage(HttpMethod.Head, $"http://{registry}/v2/{name}/manifests/{digest}");
        request.Headers.Accept.ParseAdd("application/vnd.docker.distribution.manifest.v2+json");
        request.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
        using var response = await Http.Client.SendAsync(request, Ct);
        return response.StatusCode;
    }

    /// <summary>An app whose manifest names the swarm's manager over ssh and its registry; the CLI reaches the manager only that way.</summary>
    public static LocalApp AppOn(TestSwarm swarm, string prefix)
    {
        var app = new LocalApp(prefix, dockerHost: swarm.Manager.DockerHost, address: swarm.Manager.Address, cliEnvironment: swarm.Manager.CliEnvironment())
        {
            OtherEnvironments = ["swarm"],
        };
        WriteManifest(app, swarm);
        return app;
    }

    /// <summary>
    /// destroy on the swarm, which must succeed and leave no container of the app on the manager: the swarm removes a removed
    /// service's task containers a moment later, and destroy waits for them (the local destroy of the test's cleanup would
    /// otherwise remove them unseen).
    /// </summary>
    public static async Task<CliResult> DestroyAsync(LocalApp app, TestSwarm swarm, IDictionary<string, string>? env = null)
    {
        var destroy = await app.Cli.RunAsync(["destroy", "-e", "swarm", "--yes", "-f", app.ManifestPath], env, Ct);
        destroy.Succeeded();
        using var engine = TestEngine.Create(swarm.Manager.DockerHost);
        var left = await engine.ListContainersAsync(ReleaseLabels.ForApp(app.Name), Ct);
        Assert.True(left.Count == 0, $"destroy left {string.Join(", ", left.Select(c => $"{c.Name} ({c.State})"))} on the manager: {destroy.All}");
        return destroy;
    }

    /// <summary>doctor's checks of a swarm as JSON: each check's status by its name.</summary>
    public static async Task<Dictionary<string, (string Status, string Detail)>> DoctorAsync(LocalApp app)
    {
        var doctor = await app.RunAsync("doctor", "-e", "swarm", "--json");
        return System.Text.Json.JsonDocument.Parse(doctor.Stdout).RootElement.EnumerateArray().ToDictionary(
            c => c.GetProperty("name").GetString()!, c => (c.GetProperty("status").GetString()!, c.GetProperty("detail").GetString()!));
    }
}
