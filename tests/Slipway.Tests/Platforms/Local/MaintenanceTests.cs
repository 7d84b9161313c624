using System.Net;
using Slipway.Platforms.EdgeControl;
using Slipway.Tests.Support;
using Slipway.Tests.EndToEnd;

namespace Slipway.Tests.Platforms.Local;

/// <summary><c>slipway maintenance</c>: the edge answers 503 with Retry-After and the page for that app only, through deploys and an edge restart.</summary>
[Trait("Tier", "engine")]
[Collection(EndToEndCollection.Name)]
public sealed class MaintenanceTests
{
    private static async Task<HttpResponseMessage> GetAsync(LocalApp app) =>
        await Http.Client.GetAsync($"http://127.0.0.1:{app.Port}/", TestContext.Current.CancellationToken);

    [Fact]
    public async Task Maintenance_answers_503_with_the_page_through_a_deploy_and_an_edge_restart_for_that_app_only()
    {
        await using var app = new LocalApp("maint");
        await using var other = new LocalApp("other", app.Cli.StateDirectory);
        (await app.RunAsync("up")).Succeeded();
        (await other.RunAsync("up")).Succeeded();

        var on = await app.RunAsync("maintenance", "on", "--message", "back at noon");
        using (var answer = await GetAsync(app))
        {
            on.Succeeded();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
            Assert.Equal("60", answer.Headers.GetValues("Retry-After").Single());
            Assert.Equal("back at noon", await answer.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }
        using (var unaffected = await GetAsync(other)) Assert.Equal(HttpStatusCode.OK, unaffected.StatusCode);

        // A deploy keeps it; so does a new edge process, which restores the routes from its file.
        app.Repo.Write("app/app.py", TestEngine.FlaskApp.Replace("version {VERSION}", "v2 {VERSION}"));
        var second = app.Repo.Commit("v2");
        (await app.RunAsync("up", "--no-check")).Succeeded();
        await app.Cli.StopEdgeAsync(); // docker stop: its restart policy leaves it down
        await Eventually.WaitUntilAsync(async () => await app.EdgeInfoAsync() is null, TimeSpan.FromSeconds(30), "the edge stopped");
        (await other.RunAsync("up")).Succeeded(); // starts the edge again
        using (var still = await GetAsync(app)) Assert.Equal(HttpStatusCode.ServiceUnavailable, still.StatusCode);

        var off = await app.RunAsync("maintenance", "off");

        off.Succeeded();
        Assert.Equal(second, (await app.GetAsync()).Version);
    }
}
