using System.Text.Json;
using Slipway.Tests.Support;

namespace Slipway.Tests.EndToEnd;

/// <summary>Every input that changes what serves rolls out again; nothing else does, unless --force.</summary>
[Trait("Tier", "engine")]
[Collection(EndToEndCollection.Name)]
public sealed class ChangeDetectionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static bool Changed(CliResult up) => JsonDocument.Parse(up.Stdout).RootElement.GetProperty("changed").GetBoolean();

    [Fact]
    public async Task A_rotated_secret_a_new_edge_port_and_force_roll_out_and_nothing_else_does()
    {
        await using var app = new LocalApp("change");
        app.WriteManifest(extra: "secrets:\n  API_TOKEN:\n    fromEnv: CHANGE_TOKEN\n");
        var first = await app.RunAsync(new Dictionary<string, string> { ["CHANGE_TOKEN"] = "first-value" }, "up", "--json");
        first.Succeeded();
        Assert.Equal("11", (await app.GetAsync("/secret-length")).Body);

        var same = await app.RunAsync(new Dictionary<string, string> { ["CHANGE_TOKEN"] = "first-value" }, "up", "--json");
        Assert.False(Changed(same), same.All);

        var rotated = await app.RunAsync(new Dictionary<string, string> { ["CHANGE_TOKEN"] = "the-second-value" }, "up", "--json");
        Assert.True(Changed(rotated), rotated.All);
        Assert.Equal("16", (await app.GetAsync("/secret-length")).Body);
        Assert.DoesNotContain("the-second-value", rotated.All);

        var oldPort = app.Port;
        var newPort = FreePort.Next();
        File.WriteAllText(app.ManifestPath, File.ReadAllText(app.ManifestPath).Replace($"port: {oldPort}", $"port: {newPort}"));
        var moved = await app.RunAsync(new Dictionary<string, string> { ["CHANGE_TOKEN"] = "the-second-value" }, "up", "--json");
        Assert.True(Changed(moved), moved.All);
        Assert.Equal($"http://127.0.0.1:{newPort}/", JsonDocument.Parse(moved.Stdout).RootElement.GetProperty("url").GetString());
        using (var response = await Http.Client.GetAsync($"http://127.0.0.1:{newPort}/", Ct)) Assert.True(response.IsSuccessStatusCode);
        await Assert.ThrowsAsync<HttpRequestException>(() => Http.Client.GetAsync($"http://127.0.0.1:{oldPort}/", Ct));

        var forced = await app.RunAsync(new Dictionary<string, string> { ["CHANGE_TOKEN"] = "the-second-value" }, "up", "--json", "--force");
        Assert.True(Changed(forced), forced.All);
    }
}
