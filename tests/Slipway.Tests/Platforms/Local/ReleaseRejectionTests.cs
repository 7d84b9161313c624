using Slipway.Tests.Support;
using Slipway.Tests.EndToEnd;

namespace Slipway.Tests.Platforms.Local;

/// <summary>
/// A release that never becomes healthy is removed, the serving release keeps serving under load, and the
/// command fails naming each replica's outcome, the log where it first went wrong and its last lines, with a
/// hint chosen by the outcome.
/// </summary>
[Trait("Tier", "timing")]
[Collection(TimingCollection.Name)]
public sealed class ReleaseRejectionTests
{
    /// <param name="StartPeriod">Outcomes that need an answer from the app get a start period far longer than a boot.</param>
    public sealed record Failure(string Name, string App, int ContainerPort, string HealthPath, string StartPeriod,
        string[] Expected, string Hint)
    {
        public override string ToString() => Name;
    }

    private const string ImportError = "import no_such_module_xyz\n";

    public static TheoryData<Failure> Failures =>
    [
        new Failure("crash", "raise RuntimeError('boom: the app refuses to start')\n", 8000, "/", "60s",
            ["before becoming healthy", "first error in its log:", "RuntimeError: boom: the app refuses to start"],
            "the app exited as it started"),
        new Failure("import error under gunicorn", ImportError + TestEngine.FlaskApp, 8000, "/", "60s",
            ["before becoming healthy", "first error in its log:", "ModuleNotFoundError: No module named 'no_such_module_xyz'"],
            "the app exited as it started"),
        new Failure("wrong port", TestEngine.FlaskApp + "\n# touched\n", 9000, "/", "3s",
            ["2 of 2 new replica(s) did not become healthy within 3s", "never answered: no HTTP answer within 3s"],
            "nothing answered HTTP on port 9000"),
        new Failure("health path answers 500", TestEngine.FlaskApp + "\n@app.get('/broken')\ndef broken():\n    return 'no', 500\n", 8000, "/broken", "6s",
            ["did not become healthy within 6s", "answered HTTP 500 to", "probe(s) of /broken, the first"],
            "/broken does not answer 2xx or 3xx"),
        // gunicorn listens before its workers import the app: connections are accepted, nothing answers.
        new Failure("too slow to start", "import time\ntime.sleep(60)\n" + TestEngine.FlaskApp, 8000, "/", "3s",
            ["did not become healthy within 3s", "accepted connections but / never answered within the probe timeout"],
            "or raise healthCheck.timeout or healthCheck.startPeriod"),
    ];

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task An_unhealthy_release_is_rejected_with_its_cause_and_the_old_one_keeps_serving(Failure failure)
    {
        await using var app = new LocalApp("rej");
        var up = await app.RunAsync("up");
        up.Succeeded();
        var serving = (await app.ContainersAsync()).Select(c => c.Id).Order().ToList();
        app.Repo.Write("app/app.py", failure.App);
        app.WriteManifest(containerPort: failure.ContainerPort, healthPath: failure.HealthPath, startPeriod: failure.StartPeriod);
        app.Repo.Commit($"broken: {failure.Name}");

        await using var load = LoadLoop.Start(app.Url, workers: 2);
        await load.WaitForMoreAsync(10, "before the broken release");
        var rejected = await app.RunAsync("up");
        await load.WaitForMoreAsync(10, "after the rejection");
        var (_, failures) = await load.StopAsync();

        Assert.True(rejected.ExitCode == 1, rejected.All);
        Assert.Contains("error: release rejected: ", rejected.Stderr);
        foreach (var expected in failure.Expected)
            Assert.True(rejected.Stderr.Contains(expected, StringComparison.Ordinal), $"\"{expected}\" is not in:\n{rejected.Stderr}");
        Assert.Contains("last log lines:", rejected.Stderr);
        if (failure.Hint.StartsWith("the app exited", StringComparison.Ordinal)) // gunicorn exits 3, or 1 when its workers race
            Assert.Matches(@"exited with code [1-9]\d* before becoming healthy", rejected.Stderr);
        Assert.Contains(failure.Hint, Assert.Single(rejected.Stderr.Split('\n'), l => l.StartsWith("hint: ", StringComparison.Ordinal)));
        Assert.Empty(failures);
        Assert.Equal(($"version {app.FirstVersion}\n", app.FirstVersion), await app.GetAsync());
        Assert.Equal(serving, (await app.ContainersAsync()).Select(c => c.Id).Order().ToList());
    }
}
