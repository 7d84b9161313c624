using System.Text.Json;
using Slipway.Tests.EndToEnd;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Local;

/// <summary>
/// Scheduled jobs through the real CLI and engine: deployed with the app as templates of the serving release, run by hand with
/// the app's secrets redacted, listed with their next and last runs, their output in logs, and removed by destroy with the scheduler.
/// When they run on their own is proven on a fake clock (<c>JobSchedulerTests</c>), never by waiting for a real minute.
/// </summary>
[Trait("Tier", "engine")]
[Collection(EngineCollection.Name)]
public sealed class JobTests
{
    private const string Token = "job-token-5e2a90";

    private const string Jobs = """
        secrets:
          API_TOKEN: { fromEnv: JOB_TEST_TOKEN }
        jobs:
          report:
            schedule: "0 3 * * *"
            command: echo report of $SLIPWAY_VERSION with $API_TOKEN
          broken:
            schedule: "*/5 * * * *"
            timeZone: Europe/Paris
            command: echo cannot reach the queue; exit 4
        """;

    private static async Task<JsonElement> JobsAsync(LocalApp app)
    {
        var jobs = await app.RunAsync("jobs", "--json");
        return JsonDocument.Parse(jobs.Stdout).RootElement;
    }

    [Fact]
    public async Task Jobs_deploy_with_the_release_run_by_hand_redacted_show_their_last_result_and_go_with_destroy()
    {
        await using var hook = await WebhookListener.StartAsync();
        await using var app = new LocalApp("job", cliEnvironment: new Dictionary<string, string> { ["JOB_TEST_TOKEN"] = Token, ["JOB_TEST_HOOK"] = hook.Url });
        app.WriteManifest(extra: Jobs + "\nnotify: { webhookFromEnv: JOB_TEST_HOOK }\n");

        var up = await app.RunAsync("up");
        up.Succeeded();
        Assert.Contains("job report: 0 3 * * * (UTC), next at", up.All);
        var scheduler = app.Cli.EdgeContainer.Replace("slipway-edge", "slipway-scheduler", StringComparison.Ordinal);
        using (var engine = TestEngine.Create())
            await Eventually.WaitUntilAsync(async () => (await engine.LogTailAsync(scheduler, 5, CancellationToken.None)).Any(l => l.Contains($"scheduler {scheduler} started")),
                TimeSpan.FromSeconds(30), "the scheduler runs while the app has jobs");
        var listed = await JobsAsync(app);
        Assert.Equal(["report", "broken"], listed.EnumerateArray().Select(j => j.GetProperty("name").GetString()));
        Assert.All(listed.EnumerateArray(), j => Assert.Equal(app.FirstVersion, j.GetProperty("version").GetString()));
        Assert.Equal("Europe/Paris", listed[1].GetProperty("timeZone").GetString());
        Assert.Equal(JsonValueKind.Null, listed[0].GetProperty("last").ValueKind);
        // Where the scheduler posts a failed run: a root-only file in each template, the webhook (its path a token) in no label or variable.
        using (var engine = TestEngine.Create())
        {
            var template = Slipway.Edge.Contract.JobLabels.TemplateName(app.Name, "broken");
            var notification = Slipway.Edge.Contract.JobNotification.FromJson(
                (await engine.ReadFileAsync(template, "/" + Slipway.Edge.Contract.JobNotification.FileName, CancellationToken.None))!);
            Assert.Equal(hook.Url, notification!.Webhook.ToString());
            using var inspect = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("docker", ["inspect", template]) { RedirectStandardOutput = true })!;
            var details = await inspect.StandardOutput.ReadToEndAsync(CancellationToken.None);
            await inspect.WaitForExitAsync(CancellationToken.None);
            Assert.Contains(app.FirstVersion, details, StringComparison.Ordinal);
            Assert.DoesNotContain("T0KEN", details, StringComparison.Ordinal);
        }

        // A template lost (a run killed after its cut-over): the next up, with nothing else to do, makes it again.
        using (var engine = TestEngine.Create())
            await engine.RemoveContainerAsync(Slipway.Edge.Contract.JobLabels.TemplateName(app.Name, "report"), CancellationToken.None);
        var converged = await app.RunAsync("up");
        converged.Succeeded();
        Assert.Contains($"jobs: making their templates of {app.FirstVersion} again", converged.All);

        var report = await app.RunAsync("jobs", "run", "report");
        report.Succeeded();
        Assert.Contains($"report of {app.FirstVersion} with ***", report.Stdout);
        Assert.DoesNotContain(Token, report.All);
        var broken = await app.RunAsync("jobs", "run", "broken");
        Assert.Equal(4, broken.ExitCode);
        Assert.Contains("cannot reach the queue", broken.Stdout);

        var text = await app.RunAsync("jobs");
        Assert.Equal(1, text.ExitCode); // a job whose last run failed
        Assert.Contains("failed (exit 4)", text.Stdout);
        var last = (await JobsAsync(app))[0].GetProperty("last");
        Assert.Equal(("succeeded", "manual", 0), (last.GetProperty("result").GetString(), last.GetProperty("trigger").GetString(), last.GetProperty("exitCode").GetInt32()));
        Assert.Contains("failed (exit 4)", Assert.Single((await app.StatusAsync()).GetProperty("jobs").EnumerateArray(), j => j.GetProperty("name").GetString() == "broken")
            .GetProperty("last").GetProperty("result").GetString());
        var logs = await app.Cli.RunAsync(["logs", "--job", "report", "-m", app.ManifestPath], null, TestContext.Current.CancellationToken);
        logs.Succeeded();
        Assert.Contains($"report of {app.FirstVersion} with ***", logs.Stdout);
        Assert.DoesNotContain(Token, logs.All);

        // A new release: the jobs run in it from now on.
        app.Repo.Write("app/app.py", TestEngine.FlaskApp.Replace("version {VERSION}", "v2 {VERSION}"));
        var second = app.Repo.Commit("v2");
        (await app.RunAsync("up")).Succeeded();
        Assert.All((await JobsAsync(app)).EnumerateArray(), j => Assert.Equal(second, j.GetProperty("version").GetString()));
        Assert.Contains($"report of {second}", (await app.RunAsync("jobs", "run", "report")).Stdout);

        var destroy = await app.RunAsync("destroy", "--yes");
        destroy.Succeeded();
        Assert.Contains("removed job report", destroy.All);
        Assert.Empty(await app.JobContainersAsync());
        using (var engine = TestEngine.Create())
            Assert.Null(await engine.InspectContainerAsync(scheduler, CancellationToken.None));
    }
}
