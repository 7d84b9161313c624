using Slipway.Tests.Support;
using Slipway.Tests.EndToEnd;

namespace Slipway.Tests.Platforms.Local;

/// <summary>
/// <c>release:</c> runs once per new version in the new image, with the app's env and secrets, before any new
/// replica takes traffic; when it fails or runs out of time nothing is rolled out and the old release serves on.
/// </summary>
[Trait("Tier", "engine")]
[Collection(EndToEndCollection.Name)]
public sealed class ReleasePhaseTests
{
    private static readonly Dictionary<string, string> Env = new() { ["RELEASE_TEST_TOKEN"] = "twelve-chars" };

    private static string Manifest(string command, string timeout = "1m") =>
        $"secrets:\n  API_TOKEN:\n    fromEnv: RELEASE_TEST_TOKEN\nrelease:\n  command: '{command}'\n  timeout: {timeout}\n";

    private static Task<CliResult> Run(LocalApp app, params string[] args) =>
        app.Cli.RunAsync([.. args, "-f", app.ManifestPath], Env, TestContext.Current.CancellationToken);

    [Fact]
    public async Task The_release_command_runs_in_the_new_image_before_the_rollout_once_per_version()
    {
        await using var app = new LocalApp("release");
        app.WriteManifest(extra: Manifest("echo migrating $SLIPWAY_VERSION with a token of ${#API_TOKEN}"));

        var up = await Run(app, "up");
        var again = await Run(app, "up");

        up.Succeeded();
        Assert.Contains($"migrating {app.FirstVersion} with a token of 12", up.Stderr);
        var (release, deploy) = (up.Stderr.IndexOf("release ", StringComparison.Ordinal), up.Stderr.IndexOf("deploy ", StringComparison.Ordinal));
        Assert.True(release >= 0 && deploy >= 0 && release < deploy, $"the release stage before the deploy stage: {up.Stderr}");
        Assert.DoesNotContain("a token of 12", again.Stderr); // nothing changed: no release phase
        app.Repo.Write("app/app.py", TestEngine.FlaskApp.Replace("version {VERSION}", "v2 {VERSION}"));
        app.Repo.Commit("v2");
        (await Run(app, "up")).Succeeded();
        var rollback = await Run(app, "rollback", "--no-check");
        rollback.Succeeded();
        Assert.Contains("release command skipped", rollback.Stderr);
        Assert.DoesNotContain("a token of 12", rollback.Stderr);
    }

    [Theory]
    [InlineData("echo cannot migrate; exit 4", "1m", "exited with 4")]
    [InlineData("sleep 60", "1s", "did not finish within 1s")]
    public async Task A_failed_or_overdue_release_command_rolls_nothing_out(string command, string timeout, string expected)
    {
        await using var app = new LocalApp("release");
        (await Run(app, "up")).Succeeded();
        app.WriteManifest(extra: Manifest(command, timeout));
        app.Repo.Write("app/app.py", TestEngine.FlaskApp.Replace("version {VERSION}", "v2 {VERSION}"));
        app.Repo.Commit("v2");

        var up = await Run(app, "up");

        Assert.Equal(1, up.ExitCode);
        var error = Assert.Single(up.Stderr.Split('\n'), l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Contains(expected, error);
        if (command.StartsWith("echo", StringComparison.Ordinal)) Assert.Contains("cannot migrate", up.Stderr);
        Assert.Equal(app.FirstVersion, (await app.GetAsync()).Version); // the old release serves on
        var containers = await app.ContainersAsync();
        Assert.Equal(2, containers.Count); // no new replica was started, and the release container is gone
        Assert.All(containers, c => Assert.Equal(app.FirstVersion, c.Labels["slipway.version"]));
        var releases = System.Text.Json.JsonDocument.Parse((await Run(app, "releases", "--json")).Stdout).RootElement;
        Assert.Equal("failed", releases[0].GetProperty("result").GetString());
    }
}
