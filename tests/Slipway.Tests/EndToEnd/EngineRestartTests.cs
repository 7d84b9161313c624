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

    private static void SkipUnlessEnabled()
    {
        Assert.SkipUnless(Environment.GetEnvironmentVariable("SLIPWAY_TEST_ENGINE_RESTART") == "1",
            "restarts the machine's container engine: set SLIPWAY_TEST_ENGINE_RESTART=1 to run it");
        Assert.SkipUnless(File.Exists(PidFile) && Environment.GetEnvironmentVariable("DOCKER_HOST") is null,
            "needs the dockerd started by scripts/install.sh");
    }

    /// <summary>Stops the engine as a service manager does (SIGTERM: dockerd stops every container, then exits), and starts it again.</summary>
    private static async Task RestartEngineAsync(Func<Task<bool>> down)
    {
        var dockerd = Process.GetProcessById(int.Parse(File.ReadAllText(PidFile).Trim()));
        using (var kill = Process.Start("kill", ["-TERM", dockerd.Id.ToString()])) await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
        await dockerd.WaitForExitAsync(TestContext.Current.CancellationToken);
        await Eventually.WaitUntilAsync(down, TimeSpan.FromSeconds(30), "the app stops answering with the engine down");
        using var install = Process.Start(new ProcessStartInfo("bash", [Path.Combine(RepositoryRoot.Path, "scripts", "install.sh")])
            { RedirectStandardError = true, RedirectStandardOutput = true })!;
        await install.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, install.ExitCode);
    }

    [Fact]
    public async Task After_an_engine_restart_the_app_serves_again_without_a_deploy()
    {
        SkipUnlessEnabled();
        await using var app = new LocalApp("eng");
        var up = await app.RunAsync("up");
        up.Succeeded();

        await RestartEngineAsync(async () => await app.TryGetVersionAsync() is null);

        await Eventually.WaitUntilAsync(async () => await app.TryGetVersionAsync() == app.FirstVersion,
            TimeSpan.FromSeconds(60), "the app serves again after the engine restart");
    }

    [Fact]
    public async Task After_an_engine_restart_the_database_accessory_is_back_with_its_rows()
    {
        SkipUnlessEnabled();
        var (app, version) = PostgresApp.Create("engpg", "pg-restart-secret-77a");
        await using var _ = app;
        (await app.RunAsync("up")).Succeeded();
        await PostgresApp.AddRowAsync(app, "before");

        await RestartEngineAsync(async () => await app.TryGetVersionAsync() is null);

        await Eventually.WaitUntilAsync(async () => await app.TryGetVersionAsync() == version,
            TimeSpan.FromSeconds(60), "the app serves again after the engine restart");
        await Eventually.WaitUntilAsync(async () =>
        {
            using var response = await Http.Client.GetAsync(new Uri(app.Url, "/rows"), TestContext.Current.CancellationToken);
            return response.IsSuccessStatusCode;
        }, TimeSpan.FromSeconds(60), "the database answers the app again");
        Assert.Equal("before", await PostgresApp.RowsAsync(app));
        Assert.Equal("healthy", Assert.Single((await app.StatusAsync()).GetProperty("accessories").EnumerateArray()).GetProperty("health").GetString());
    }
}
