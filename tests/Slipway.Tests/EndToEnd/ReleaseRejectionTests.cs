using Slipway.Tests.Support;

namespace Slipway.Tests.EndToEnd;

/// <summary>
/// A release that never becomes healthy is removed, the serving release keeps serving, and the command
/// fails with the reason and the failing replica's last log lines.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class ReleaseRejectionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> Failures => ["crash", "wrong-port", "health-500", "slow-start"];

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task An_unhealthy_release_is_rejected_and_the_old_one_keeps_serving(string failure)
    {
        await using var app = new LocalApp("rej");
        var up = await app.RunAsync("up");
        Assert.True(up.ExitCode == 0, up.All);
        var serving = (await app.ContainersAsync()).Select(c => c.Id).Order().ToList();

        string expectedReason;
        switch (failure)
        {
            case "crash":
                app.Repo.Write("app/app.py", "raise RuntimeError('boom: the app refuses to start')\n");
                expectedReason = "exited with code";
                break;
            case "wrong-port":
                app.Repo.Write("app/app.py", TestEngine.FlaskApp + "\n# touched\n");
                app.WriteManifest(containerPort: 9000, startPeriod: "3s");
                expectedReason = "did not become healthy";
                break;
            case "health-500":
                app.Repo.Write("app/app.py", TestEngine.FlaskApp + "\n@app.get('/broken')\ndef broken():\n    return 'no', 500\n");
                app.WriteManifest(healthPath: "/broken", startPeriod: "3s");
                expectedReason = "HTTP 500";
                break;
            default:
                app.Repo.Write("app/app.py", "import time\ntime.sleep(60)\n" + TestEngine.FlaskApp);
                app.WriteManifest(startPeriod: "3s");
                expectedReason = "did not become healthy within 3s";
                break;
        }
        app.Repo.Commit($"broken: {failure}");
        using var stopLoad = new CancellationTokenSource();
        var load = LocalLifecycleTests.LoadAsync(app.Url, stopLoad.Token, workers: 2);

        var rejected = await app.RunAsync("up");

        await stopLoad.CancelAsync();
        var (sent, failed) = await load;
        Assert.Equal(1, rejected.ExitCode);
        Assert.Contains("release rejected", rejected.Stderr);
        Assert.Contains(expectedReason, rejected.Stderr);
        Assert.Contains("last log lines", rejected.Stderr);
        if (failure == "crash") Assert.Contains("boom: the app refuses to start", rejected.Stderr);
        Assert.Equal(0, failed);
        Assert.True(sent > 10, $"only {sent} requests were sent");
        Assert.Equal(($"version {app.FirstVersion}\n", app.FirstVersion), await app.GetAsync());
        Assert.Equal(serving, (await app.ContainersAsync()).Select(c => c.Id).Order().ToList());
    }
}
