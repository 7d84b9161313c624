using Slipway.Tests.Support;
using Slipway.Tests.EndToEnd;

namespace Slipway.Tests.Platforms.Local;

/// <summary><c>slipway run</c>: a one-off command in the serving release's image, with its env and secrets, its exit code passed through, nothing left.</summary>
[Trait("Tier", "engine")]
[Collection(EndToEndCollection.Name)]
public sealed class RunTests
{
    [Fact]
    public async Task A_one_off_command_runs_in_the_serving_release_with_its_secrets_and_leaves_nothing()
    {
        await using var app = new LocalApp("run");
        app.WriteManifest(extra: "env:\n  MODE: one-off\nsecrets:\n  API_TOKEN:\n    fromEnv: RUN_TEST_TOKEN\n");
        var env = new Dictionary<string, string> { ["RUN_TEST_TOKEN"] = "twelve-chars" };
        (await app.Cli.RunAsync(["up", "-f", app.ManifestPath], env, TestContext.Current.CancellationToken)).Succeeded();

        var run = await app.Cli.RunAsync(["run", "-f", app.ManifestPath, "--", "sh", "-c", "echo \"$SLIPWAY_VERSION $MODE ${#API_TOKEN}\"; exit 3"],
            env, TestContext.Current.CancellationToken);

        Assert.Equal(3, run.ExitCode);
        Assert.Contains($"{app.FirstVersion} one-off 12", run.Stdout);
        Assert.Contains("the command exited with 3", run.Stderr);
        Assert.DoesNotContain(await app.ContainersAsync(), c => c.Name.Contains("-run-", StringComparison.Ordinal));
        using var engine = TestEngine.Create();
        Assert.Empty(await engine.ListContainersAsync(new Dictionary<string, string> { ["slipway.run"] = app.Name }, CancellationToken.None));
        Assert.Equal(2, (await app.ContainersAsync()).Count); // the replicas serve on, untouched
        var printed = await app.Cli.RunAsync(["run", "-f", app.ManifestPath, "--", "sh", "-c", "echo token=$API_TOKEN"], env, TestContext.Current.CancellationToken);
        Assert.Equal(0, printed.ExitCode);
        Assert.Contains("token=", printed.Stdout);
        Assert.DoesNotContain("twelve-chars", printed.All); // its output passes the redactor
    }

    [Fact]
    public async Task Run_i_passes_this_input_to_the_commands_stdin_and_run_it_gives_it_a_terminal()
    {
        await using var app = new LocalApp("runi");
        app.WriteManifest(extra: "secrets:\n  API_TOKEN:\n    fromEnv: RUN_I_TOKEN\n");
        var env = new Dictionary<string, string> { ["RUN_I_TOKEN"] = "tty-secret-value" };
        (await app.Cli.RunAsync(["up", "-f", app.ManifestPath], env, TestContext.Current.CancellationToken)).Succeeded();

        var piped = await app.Cli.RunAsync(["run", "-i", "-f", app.ManifestPath, "--", "sh", "-c", "read name; echo \"hello $name\"; cat; [ -t 0 ] || echo no-terminal"],
            env, TestContext.Current.CancellationToken, input: "world\nsecond line\n");

        piped.Succeeded();
        Assert.Equal(["hello world", "second line", "no-terminal"], piped.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var typed = await app.Cli.RunInTerminalAsync(["run", "-it", "-f", app.ManifestPath, "--", "sh", "-c", "tty; read answer; echo \"got $answer $API_TOKEN\"; exit 4"],
            env, "yes\r", TestContext.Current.CancellationToken);

        Assert.True(typed.ExitCode == 4, typed.All);
        Assert.Contains("/dev/pts/", typed.Stdout);
        Assert.Contains("got yes ***", typed.Stdout);
        Assert.DoesNotContain("tty-secret-value", typed.All);
        Assert.DoesNotContain(await app.ContainersAsync(), c => c.Name.Contains("-run-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Exec_runs_inside_a_running_replica_chosen_by_name_and_an_unknown_one_is_refused()
    {
        await using var app = new LocalApp("exec");
        (await app.RunAsync("up")).Succeeded();
        var replica = (await app.ContainersAsync()).Select(c => c.Name).Order(StringComparer.Ordinal).Last();

        var exec = await app.Cli.RunAsync(["exec", "-f", app.ManifestPath, "--replica", replica, "--", "sh", "-c", "echo \"$SLIPWAY_VERSION $(hostname)\"; printf last; exit 4"],
            null, TestContext.Current.CancellationToken);
        var unknown = await app.Cli.RunAsync(["exec", "-f", app.ManifestPath, "--replica", "nope", "--", "true"], null, TestContext.Current.CancellationToken);

        Assert.Equal(4, exec.ExitCode);
        Assert.Contains(app.FirstVersion, exec.Stdout);
        Assert.Contains("last", exec.Stdout); // a last line without a newline is shown too
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("error: --replica: " + app.Name + " has no running replica \"nope\"", unknown.Stderr);
        Assert.Contains(replica, unknown.Stderr); // the hint lists the replicas
    }

    [Fact]
    public async Task Replicas_and_one_off_containers_run_as_the_manifests_user()
    {
        await using var app = new LocalApp("user");
        app.WriteManifest(extra: "user: \"1234:1234\"\n");
        var up = await app.RunAsync("up");
        up.Succeeded();

        var replica = await app.Cli.RunAsync(["exec", "-f", app.ManifestPath, "--", "id", "-u"], null, TestContext.Current.CancellationToken);
        var oneOff = await app.Cli.RunAsync(["run", "-f", app.ManifestPath, "--", "id", "-g"], null, TestContext.Current.CancellationToken);

        Assert.Equal("1234", replica.Stdout.Trim());
        Assert.Equal("1234", oneOff.Stdout.Trim());
        Assert.DoesNotContain("run as root", up.Stderr);
    }
}
