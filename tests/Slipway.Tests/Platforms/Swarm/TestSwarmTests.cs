using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Swarm;

/// <summary>The test cluster itself: three nodes that form a swarm, pull from its registry and carry overlay traffic between them.</summary>
[Trait("Tier", "engine")]
[Collection(Slipway.Tests.EndToEnd.EngineCollection.Name)]
public sealed class TestSwarmTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Three_nodes_form_a_swarm_whose_overlay_reaches_a_task_on_another_node_through_the_registrys_image()
    {
        await using var swarm = await TestSwarm.StartAsync(3, Ct);
        var ids = await swarm.NodeIdsAsync(Ct);
        var manager = $"docker -H {swarm.Manager.DockerHost}";
        var image = $"{swarm.Registry}/base:test";
        await Shell.RunAsync($"{manager} tag {TestEngine.BaseImage} {image} && {manager} push -q {image} >/dev/null", Ct);
        await Shell.RunAsync($"{manager} network create -d overlay --attachable slw-probe >/dev/null", Ct);
        // A server on the last node, a client on the first: the answer crosses the overlay from one namespace to another.
        await Shell.RunAsync($"{manager} service create -q -d --name probe --network slw-probe --endpoint-mode dnsrr --constraint node.id=={ids[2]}"
                             + $" {image} python3 -m http.server 8000 >/dev/null", Ct);
        string answer = "";
        for (var i = 0; i < 300 && !answer.Contains("200", StringComparison.Ordinal); i++)
        {
            await Task.Delay(200, Ct);
            (_, answer) = await Shell.OutputAsync($"{manager} run --rm --network slw-probe {image} python3 -c "
                + "\"import urllib.request; print(urllib.request.urlopen('http://probe:8000/', timeout=2).status)\" 2>&1", Ct);
        }
        Assert.Contains("200", answer);
    }
}
