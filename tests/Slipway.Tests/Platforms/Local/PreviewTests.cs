using System.Net;
using System.Text.Json;
using Slipway.Platforms;
using Slipway.Tests.EndToEnd;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Local;

/// <summary>
/// Preview environments through the real CLI, engine and edge: two branches served side by side by host name, listed, the
/// oldest evicted past max (or the new one refused), and destroy leaving nothing. Their expiry is proven on a fake clock
/// (<c>JobSchedulerTests</c>) and by the edge itself (<c>EdgeProxyTests</c>).
/// </summary>
[Trait("Tier", "engine")]
[Collection(EngineCollection.Name)]
public sealed class PreviewTests
{
    private static async Task<string?> VersionAtAsync(LocalApp app, string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, app.Url) { Headers = { Host = $"{host}:{app.Port}" } };
        using var response = await Http.Client.SendAsync(request, TestContext.Current.CancellationToken);
        return response.StatusCode == HttpStatusCode.OK && response.Headers.TryGetValues("X-Slipway-Version", out var v) ? v.Single() : null;
    }

    private static string Previews(string whenFull) => $"previews:\n  from: local\n  host: \"{{name}}.preview.test\"\n  max: 2\n  whenFull: {whenFull}\n";

    [Fact]
    public async Task Two_branches_are_served_side_by_side_by_host_the_oldest_goes_past_max_and_destroy_leaves_nothing()
    {
        await using var app = new LocalApp("prv");
        string[] names = ["pr-1", "pr-2", "pr-3"];
        try
        {
            app.WriteManifest(extra: Previews("refuse"));
            var first = await app.RunAsync("up", "--preview", "pr-1");
            first.Succeeded();
            Assert.Contains($"http://pr-1.preview.test:{app.Port}/", first.Stdout);
            app.Repo.Write("app/app.py", TestEngine.FlaskApp.Replace("version {VERSION}", "branch {VERSION}"));
            var branch = app.Repo.Commit("a branch");
            (await app.RunAsync("up", "--preview", "pr-2")).Succeeded();

            Assert.Equal(app.FirstVersion, await VersionAtAsync(app, "pr-1.preview.test"));
            Assert.Equal(branch, await VersionAtAsync(app, "pr-2.preview.test"));
            var listed = await app.RunAsync("previews", "--json");
            listed.Succeeded();
            var previews = JsonDocument.Parse(listed.Stdout).RootElement.EnumerateArray().ToList();
            Assert.Equal([("pr-1", app.FirstVersion), ("pr-2", branch)], previews.Select(p => (p.GetProperty("name").GetString(), p.GetProperty("version").GetString())));
            Assert.Equal($"http://pr-2.preview.test:{app.Port}/", previews[1].GetProperty("url").GetString());
            Assert.True(previews[0].GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddHours(71));

            var refused = await app.RunAsync("up", "--preview", "pr-3");
            Assert.Equal(2, refused.ExitCode);
            Assert.Contains($"previews.max: 2 previews of {app.Name}@local exist (pr-1, pr-2)", refused.Stderr);
            Assert.Null(await VersionAtAsync(app, "pr-3.preview.test"));

            app.WriteManifest(extra: Previews("evict"));
            var evicting = await app.RunAsync("up", "--preview", "pr-3");
            evicting.Succeeded();
            Assert.Contains("removing the oldest preview, pr-1", evicting.All);
            Assert.Null(await VersionAtAsync(app, "pr-1.preview.test"));
            Assert.Equal(branch, await VersionAtAsync(app, "pr-3.preview.test"));

            foreach (var name in new[] { "pr-2", "pr-3" }) (await app.RunAsync("destroy", "--preview", name, "--yes")).Succeeded();
            using var engine = TestEngine.Create();
            Assert.Empty(await engine.ListContainersAsync(new Dictionary<string, string> { [ReleaseLabels.PreviewOf] = $"{app.Name}@local" }, CancellationToken.None));
            foreach (var name in names)
            {
                Assert.Empty(await engine.ListContainersAsync(ReleaseLabels.ForApp($"{app.Name}-{name}"), CancellationToken.None));
                Assert.Empty(await engine.ListImagesAsync(ReleaseLabels.ForApp($"{app.Name}-{name}"), CancellationToken.None));
                Assert.Null(await app.Cli.RunAsync(["status", "--json", "--preview", name, "-f", app.ManifestPath], null, CancellationToken.None) is { ExitCode: 0 } status
                    && JsonDocument.Parse(status.Stdout).RootElement.GetProperty("version").GetString() is { } version ? version : null);
            }
        }
        finally
        {
            foreach (var name in names)
            {
                await app.Cli.RunAsync(["destroy", "--preview", name, "--yes", "-f", app.ManifestPath], null, CancellationToken.None);
                await Leftovers.RemoveAsync(ReleaseLabels.ForApp($"{app.Name}-{name}"));
                await Leftovers.RemoveVolumesAsync($"{app.Name}-{name}");
            }
        }
    }
}
