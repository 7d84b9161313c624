using Slipway.Platforms;
using System.Text.Json;
using Slipway.Platforms.Images;
using Slipway.Tests.Support;
using Slipway.Tests.EndToEnd;

namespace Slipway.Tests.Platforms.Local;

/// <summary>Worker processes beside the web one, through the real CLI and engine: rolled out, rejected, rolled back and destroyed with it.</summary>
[Trait("Tier", "engine")]
[Collection(EngineCollection.Name)]
public sealed class ProcessTests
{
    // Ends on SIGTERM as a queue worker does: a program that is PID 1 without a handler ignores it, and each stop would wait
    // out the 10 s grace (the test's rollouts stop eight of them).
    private const string Working = """["python3", "-u", "-c", "import time, os, signal, sys; signal.signal(signal.SIGTERM, lambda *_: sys.exit(0)); print('working', os.environ['SLIPWAY_VERSION']); time.sleep(100000)"]""";

    private static string Processes(string command) => $"processes:\n  worker:\n    command: {command}\n    replicas: 2\n    healthy: 1s\n";

    private static Task<CliResult> LogsAsync(LocalApp app, string process) =>
        app.Cli.RunAsync(["logs", "--process", process, "-m", app.ManifestPath], null, TestContext.Current.CancellationToken);

    private static async Task<List<(string Id, string Version, string State)>> WorkersAsync(LocalApp app) =>
        (await app.ContainersAsync()).Where(c => c.Labels.GetValueOrDefault(ReleaseLabels.Process) == "worker")
            .Select(c => (c.Id, c.Labels[ReleaseLabels.Version], c.State)).OrderBy(c => c.Id, StringComparer.Ordinal).ToList();

    [Fact]
    public async Task Workers_roll_out_with_the_release_a_crashing_one_is_rejected_keeping_the_old_ones_and_destroy_removes_them()
    {
        await using var app = new LocalApp("proc");
        app.WriteManifest(extra: Processes(Working));

        var up = await app.RunAsync("up");
        up.Succeeded();
        var first = await WorkersAsync(app);
        Assert.Equal(2, first.Count);
        Assert.All(first, w => Assert.Equal((app.FirstVersion, "running"), (w.Version, w.State)));
        var status = await app.StatusAsync();
        Assert.Equal(2, status.GetProperty("processes").GetProperty("worker").GetArrayLength());
        Assert.Equal(2, status.GetProperty("replicas").GetArrayLength()); // the web replicas are counted apart
        var logs = await LogsAsync(app, "worker");
        logs.Succeeded();
        Assert.Contains($"working {app.FirstVersion}", logs.Stdout);
        Assert.DoesNotContain("GET /", logs.Stdout); // only the worker's lines

        // A release whose worker dies at once is rejected: the web release and its workers keep running untouched.
        app.WriteManifest(extra: Processes("""["sh", "-c", "echo cannot connect to the queue; exit 3"]"""));
        var crash = await app.RunAsync("up");
        Assert.Equal(1, crash.ExitCode);
        Assert.Contains("process worker", crash.Stderr);
        Assert.Contains("exited with code 3", crash.Stderr);
        Assert.Contains("cannot connect to the queue", crash.Stderr);
        Assert.Equal(first, await WorkersAsync(app));
        Assert.Equal(app.FirstVersion, (await app.GetAsync()).Version);

        // The same version with another worker command is a new release: its workers replace the old ones, none doubles up.
        app.WriteManifest(extra: Processes(Working.Replace("working", "busy")));
        Assert.True((await app.RunAsync("up")).ExitCode == 0);
        var busy = await WorkersAsync(app);
        Assert.Equal(2, busy.Count);
        Assert.Empty(busy.Select(w => w.Id).Intersect(first.Select(w => w.Id)));
        Assert.Contains($"busy {app.FirstVersion}", (await LogsAsync(app, "worker")).Stdout);

        // A good release replaces the workers after its cut-over.
        app.WriteManifest(extra: Processes(Working));
        app.Repo.Write("app/app.py", TestEngine.FlaskApp.Replace("version {VERSION}", "v2 {VERSION}"));
        var second = app.Repo.Commit("v2");
        Assert.True((await app.RunAsync("up")).ExitCode == 0);
        Assert.All(await WorkersAsync(app), w => Assert.Equal((second, "running"), (w.Version, w.State)));
        Assert.Equal(2, (await WorkersAsync(app)).Count);

        var rollback = await app.RunAsync("rollback");
        rollback.Succeeded();
        Assert.All(await WorkersAsync(app), w => Assert.Equal(app.FirstVersion, w.Version));

        (await app.RunAsync("destroy", "--yes")).Succeeded();
        Assert.Empty(await app.ContainersAsync());
    }

    [Fact]
    public async Task A_worker_judged_by_its_check_is_healthy_once_the_check_passes_and_an_unknown_process_in_logs_is_one_line()
    {
        await using var app = new LocalApp("proc");
        app.WriteManifest(extra: $"processes:\n  worker:\n    command: {Working}\n    check: test -d /tmp\n");

        var up = await app.RunAsync("up");

        up.Succeeded();
        Assert.Single(await WorkersAsync(app));
        var unknown = await LogsAsync(app, "mailer");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("error: --process: ", unknown.Stderr);
        Assert.Contains("has no process \"mailer\"", unknown.Stderr);
        Assert.Contains("hint: its processes: worker", unknown.Stderr);
    }
}
