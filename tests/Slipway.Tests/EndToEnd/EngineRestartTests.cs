using System.Diagnostics;
using Slipway.Tests.Support;

namespace Slipway.Tests.EndToEnd;

/// <summary>
/// Restarts the container engine itself, so it runs alone: no other test may use the engine meanwhile.
/// Replicas come back through their restart policy on the host ports Slipway pinned, so the edge's routes
/// stay valid and the app serves again without another <c>up</c>.
/// It stops the machine's container engine, so it runs only when <c>SLIPWAY_TEST_ENGINE_RESTART=1</c>
/// (which <c>.ci/run</c> sets on its throwaway machine), never by default on a user's machine.
/// </summary>
[Trait("Tier", "engine")]
[Collection(EngineRestartCollection.Name)]
public sealed class EngineRestartTests
{
    private const string PidFile = "/var/run/docker.pid";

    [Fact]
    public async Task After_an_engine_restart_the_app_serves_again_without_a_deploy()
    {
        Assert.SkipUnless(Environment.GetEnvironmentVariable("SLIPWAY_TEST_ENGINE_RESTART") == "1",
            "restarts the machine's container engine: set SLIPWAY_TEST_ENGINE_RESTART=1 to run it");
        Assert.SkipUnless(File.Exists(PidFile) && Environment.GetEnvironmentVariable("DOCKER_HOST") is null,
            "needs the dockerd started by scripts/install.sh");
        await using var app = new LocalApp("eng");
        var up = await app.RunAsync("up");
        up.Succeeded();

        var dockerd = Process.GetProcessById(int.Parse(File.ReadAllText(PidFile).Trim()));
        // SIGTERM, as a service manager stops it: dockerd stops every container, then exits.
        using (var kill = Process.Start("kill", ["-TERM", dockerd.Id.ToString()])) await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
        await dockerd.WaitForExitAsync(TestContext.Current.CancellationToken);
        await Eventually.WaitUntilAsync(async () => await app.TryGetVersionAsync() is null,
            TimeSpan.FromSeconds(30), "the app stops answering with the engine down");

        using (var install = Process.Start(new ProcessStartInfo("bash", [Path.Combine(RepositoryRoot.Path, "scripts", "install.sh")])
               { RedirectStandardError = true, RedirectStandardOutput = true })!)
        {
            await install.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.Equal(0, install.ExitCode);
        }

        await Eventually.WaitUntilAsync(async () => await app.TryGetVersionAsync() == app.FirstVersion,
            TimeSpan.FromSeconds(60), "the app serves again after the engine restart");
    }
}
