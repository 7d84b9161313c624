using Slipway.Platforms;
using System.Collections.Concurrent;
using System.Net;
using Slipway.Platforms.Images;
using Slipway.Tests.EndToEnd;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Local;

/// <summary><c>up --canary</c> and <c>rollout promote|abort</c> with real containers behind the real edge.</summary>
[Trait("Tier", "engine")]
[Collection(EndToEndCollection.Name)]
public sealed class CanaryReleaseTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The test app with a health endpoint of its own; <paramref name="failingPercent"/> of its requests to / answer 500 (per worker, exactly).</summary>
    private static string AppCode(int failingPercent) => TestEngine.FlaskApp + $$"""

        import itertools
        _answered = itertools.count(1)
        @app.get("/health")
        def health():
            return "ok\n"
        @app.before_request
        def fail_some():
            from flask import request
            if request.path != "/":
                return None
            n = next(_answered)
            if n * {{failingPercent}} // 100 != (n - 1) * {{failingPercent}} // 100:
                return "failing\n", 500
            return None
        """;

    private static async Task<LocalApp> ServingAppAsync(string prefix)
    {
        var app = new LocalApp(prefix);
        app.Repo.Write("app/app.py", AppCode(0));
        app.Repo.Commit("with a health endpoint");
        app.WriteManifest(healthPath: "/health");
        var first = await app.RunAsync("up", "--no-check");
        first.Succeeded();
        return app;
    }

    private static IEnumerable<string?> Versions(IEnumerable<Slipway.Engine.ContainerSummary> containers) =>
        containers.Select(c => c.Labels.GetValueOrDefault(ReleaseLabels.Version)).Distinct();

    [Fact]
    public async Task A_canary_answering_500_to_30_percent_is_aborted_with_its_figures_and_no_failed_request_on_the_old_release()
    {
        await using var app = await ServingAppAsync("canary");
        var v1 = (await app.RouteAsync())!.Route.Version;
        app.Repo.Write("app/app.py", AppCode(30));
        var v2 = app.Repo.Commit("fails 30%");

        var answers = new ConcurrentBag<(HttpStatusCode Status, string? Version)>();
        using var stop = new CancellationTokenSource();
        var load = Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var response = await Http.Client.GetAsync(app.Url, CancellationToken.None);
                answers.Add((response.StatusCode, response.Headers.TryGetValues("X-Slipway-Version", out var v) ? v.Single() : null));
            }
        }, CancellationToken.None)));
        CliResult up;
        try
        {
            up = await app.RunAsync("up", "--canary", "50", "--for", "10m");
            var after = answers.Count;
            await Eventually.WaitUntilAsync(() => Task.FromResult(answers.Count >= after + 50), TimeSpan.FromSeconds(30), "50 requests after the abort");
        }
        finally
        {
            await stop.CancelAsync();
            await load;
        }

        Assert.True(up.ExitCode == 1, up.All);
        Assert.Contains($"canary {v2} aborted: 5xx rate", up.Stderr);
        Assert.Contains($"{v2} (canary): ", up.Stderr);
        Assert.Contains($"{v1} (serving): 0 of ", up.Stderr);
        // The only failures are the canary's own 500s: none from the serving release, and none made by the edge (a 502 or 504
        // carries no release's version).
        Assert.DoesNotContain(answers, a => a.Status != HttpStatusCode.OK && !(a.Version == v2 && a.Status == HttpStatusCode.InternalServerError));
        Assert.Contains(answers, a => a.Version == v2 && a.Status == HttpStatusCode.InternalServerError);
        var route = (await app.RouteAsync())!;
        Assert.Equal(v1, route.Route.Version);
        Assert.Null(route.Route.Canary);
        Assert.Equal([v1], Versions(await app.ContainersAsync()));
        Assert.Equal("aborted", (await app.StatusAsync()).GetProperty("lastCanary").GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task Rollout_promote_ends_a_canary_by_hand_and_the_waiting_up_finishes_the_rollout()
    {
        await using var app = await ServingAppAsync("promote");
        app.Repo.Write("app/app.py", AppCode(0).Replace("version {VERSION}", "v2 {VERSION}"));
        var v2 = app.Repo.Commit("v2");
        using var up = app.Start("up", "--canary", "20", "--for", "10m");
        await Eventually.WaitUntilAsync(async () => (await app.RouteAsync())?.Route.Canary is not null, TimeSpan.FromSeconds(90), "the canary started");
        var status = await app.RunAsync("status");

        var promote = await app.RunAsync("rollout", "promote");
        var finished = await up.WaitAsync(Ct);

        Assert.Contains($"canary:   {v2} takes 20% of the requests", status.Stdout);
        promote.Succeeded();
        Assert.Contains($"{v2} takes every request", promote.All);
        finished.Succeeded();
        Assert.Contains("canary promoted (promoted by hand", finished.Stderr + finished.Stdout);
        Assert.Equal(v2, (await app.GetAsync()).Version);
        Assert.Equal([v2], Versions(await app.ContainersAsync()));
        var none = await app.RunAsync("rollout", "abort");
        Assert.Equal(1, none.ExitCode);
        Assert.Contains($"no canary of {app.Name} is in progress", none.Stderr);
    }

    [Fact]
    public async Task An_interrupted_canary_is_aborted_and_its_replicas_removed()
    {
        await using var app = await ServingAppAsync("cancel");
        var v1 = (await app.RouteAsync())!.Route.Version;
        app.Repo.Write("app/app.py", AppCode(0).Replace("version {VERSION}", "v2 {VERSION}"));
        app.Repo.Commit("v2");
        using var up = app.Start("up", "--canary", "50", "--for", "10m");
        await Eventually.WaitUntilAsync(async () => (await app.RouteAsync())?.Route.Canary is not null, TimeSpan.FromSeconds(90), "the canary started");

        up.Interrupt();
        var interrupted = await up.WaitAsync(Ct);

        Assert.Equal(130, interrupted.ExitCode);
        var route = (await app.RouteAsync())!.Route;
        Assert.Equal(v1, route.Version);
        Assert.True(route.Canary is null, interrupted.All);
        Assert.Equal("aborted", route.LastCanary!.Outcome);
        Assert.Equal([v1], Versions(await app.ContainersAsync()));
        for (var i = 0; i < 4; i++) Assert.Equal(v1, (await app.GetAsync()).Version);
    }
}
