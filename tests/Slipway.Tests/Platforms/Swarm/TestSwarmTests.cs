using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Swarm;

/// <summary>
/// The test cluster itself: three nodes that form a swarm, pull from its registry and carry overlay traffic between them; and,
/// shared by the run, given whole to each test whatever the one before did to it.
/// </summary>
[Trait("Tier", "engine")]
[Collection(Slipway.Tests.EndToEnd.EngineCollection.Name)]
public sealed class TestSwarmTests(ThreeNodeSwarm cluster)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_worker_cut_off_and_a_node_label_left_by_a_test_are_undone_before_the_next_test_gets_the_cluster()
    {
        var swarm = await cluster.GetAsync(Ct);
        var ids = await swarm.NodeIdsAsync(Ct);
        await Shell.RunAsync($"docker -H {swarm.Manager.DockerHost} node update --label-add {Slipway.Platforms.Swarm.SwarmNames.EdgeNodeLabel}=true {ids[1]} >/dev/null", Ct);
        await swarm.Nodes[2].PowerOffAsync(Ct);

        swarm = await cluster.GetAsync(Ct);

        Assert.False(swarm.Nodes[2].IsPoweredOff);
        var (_, states) = await Shell.OutputAsync($"docker -H {swarm.Manager.DockerHost} node ls --format '{{{{.Status}}}}'", Ct);
        Assert.Equal(["Ready", "Ready", "Ready"], states.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var (_, labels) = await Shell.OutputAsync($"docker -H {swarm.Manager.DockerHost} node inspect --format '{{{{json .Spec.Labels}}}}' {ids[1]}", Ct);
        Assert.DoesNotContain(Slipway.Platforms.Swarm.SwarmNames.EdgeNodeLabel, labels);
        Assert.Equal(ids, await swarm.NodeIdsAsync(Ct)); // the same nodes, not new ones
    }

    [Fact]
    public async Task Three_nodes_form_a_swarm_whose_overlay_reaches_a_task_on_another_node_through_the_registrys_image()
    {
        var swarm = await cluster.GetAsync(Ct);
        var manager = $"docker -H {swarm.Manager.DockerHost}";
        try
        {
            var ids = await swarm.NodeIdsAsync(Ct);
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
        finally
        {
            // The run's cluster is shared: the probe leaves nothing on it.
            await Shell.RunAsync($"{manager} service rm probe >/dev/null 2>&1; for i in $(seq 1 100); do {manager} network rm slw-probe >/dev/null 2>&1 && break; sleep 0.1; done; true", CancellationToken.None);
        }
    }
}
