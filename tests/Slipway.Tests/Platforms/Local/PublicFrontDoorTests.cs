using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Local;

/// <summary>Through the real CLI: SLIPWAY_EDGE_LISTEN (or edge.listen) opens an app to other hosts, and without it the app is local again.</summary>
[Trait("Tier", "engine")]
public sealed class PublicFrontDoorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_app_deployed_to_listen_on_every_address_is_reached_from_another_host_until_it_is_deployed_without()
    {
        await using var client = await ClientNamespace.CreateAsync(Ct);
        await using var app = new LocalApp("front");
        var url = $"http://{client.HostAddress}:{app.Port}/";

        var up = await app.Cli.RunAsync(["up", "-f", app.ManifestPath], new Dictionary<string, string> { ["SLIPWAY_EDGE_LISTEN"] = "0.0.0.0" }, Ct);

        up.Succeeded();
        Assert.Equal(200, await client.StatusAsync(url, Ct));

        var local = await app.RunAsync("up");
        local.Succeeded();
        Assert.DoesNotContain("nothing to do", local.Stderr); // where the app listens is part of what a release is
        Assert.Null(await client.StatusAsync(url, Ct));
        Assert.Equal(app.FirstVersion, (await app.GetAsync()).Version);
    }

    [Fact]
    public async Task A_bad_address_in_the_environment_is_one_error_naming_it_and_changes_nothing()
    {
        await using var app = new LocalApp("frontbad");

        var up = await app.Cli.RunAsync(["up", "-f", app.ManifestPath], new Dictionary<string, string> { ["SLIPWAY_EDGE_LISTEN"] = "0.0.0.0,example.com" }, Ct);

        Assert.Equal(2, up.ExitCode);
        Assert.Contains("error: SLIPWAY_EDGE_LISTEN: \"example.com\" is not an IP address", up.Stderr);
        Assert.Empty(await app.ContainersAsync());
    }
}
