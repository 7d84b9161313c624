using System.Text;
using Slipway.Engine;
using Slipway.Tests.Support;

namespace Slipway.Tests.Engine;

/// <summary>The Swarm part of the engine client against the run's real three-node swarm (<see cref="ThreeNodeSwarm"/>).</summary>
[Trait("Tier", "engine")]
[Collection(Slipway.Tests.EndToEnd.EngineCollection.Name)]
public sealed class SwarmEngineTests(ThreeNodeSwarm cluster)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_service_spreads_healthy_tasks_over_the_nodes_each_with_its_overlay_address_and_reads_its_secret()
    {
        var swarm = await cluster.GetAsync(Ct);
        using var engine = TestEngine.Create(swarm.Manager.DockerHost);
        try
        {
            await ServiceSpreadsAndReadsItsSecretAsync(swarm, engine);
        }
        finally
        {
            // The run's cluster is shared: the probe leaves nothing on it (its network goes once its tasks are gone).
            await engine.RemoveServiceAsync("probe-v1", CancellationToken.None);
            foreach (var left in await engine.ListSecretsAsync(new Dictionary<string, string> { ["slipway.app"] = "probe" }, CancellationToken.None))
                await engine.RemoveSecretAsync(left.Id, CancellationToken.None);
            for (var i = 0; i < 100; i++)
            {
                try
                {
                    await engine.RemoveNetworkAsync("slipway-probe", CancellationToken.None);
                    break;
                }
                catch (EngineApiException)
                {
                    await Task.Delay(100, CancellationToken.None);
                }
            }
        }
    }

    private static async Task ServiceSpreadsAndReadsItsSecretAsync(TestSwarm swarm, DockerEngine engine)
    {
        var image = $"{swarm.Registry}/slipway/probe";
        await engine.TagImageAsync(TestEngine.BaseImage, image, "v1", Ct);
        var digest = await engine.PushImageAsync(image, "v1", null, _ => { }, Ct);
        Assert.StartsWith("sha256:", digest);

        var membership = await engine.SwarmAsync(Ct);
        Assert.True(membership is { IsActive: true, IsManager: true });
        var nodes = await engine.ListNodesAsync(Ct);
        Assert.Equal(3, nodes.Count(n => n.State == "ready"));

        var labels = new Dictionary<string, string> { ["slipway.app"] = "probe" };
        await engine.EnsureOverlayNetworkAsync("slipway-probe", labels, Ct);
        await engine.EnsureOverlayNetworkAsync("slipway-probe", labels, Ct); // twice is fine
        var secret = await engine.CreateSecretAsync("probe-TOKEN-1", Encoding.UTF8.GetBytes("s3cret"), labels, Ct);
        await engine.CreateServiceAsync(new SwarmServiceSpec
        {
            Name = "probe-v1", Image = $"{image}@{digest}", Labels = labels, Replicas = 3, Networks = ["slipway-probe"],
            // Serves its secret's value, so the test sees the file the task reads; healthy once it answers.
            Command = ["sh", "-c", "mkdir /tmp/w && cp /run/secrets/TOKEN /tmp/w/token && cd /tmp/w && exec python3 -m http.server 8000"],
            HealthCheck = new ContainerHealthCheck(["python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/token', timeout=1)"],
                TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), 3, TimeSpan.FromSeconds(20)),
            Secrets = [new SecretReference(secret, "probe-TOKEN-1", "TOKEN")],
        }, Ct);

        IReadOnlyList<SwarmTask> running = [];
        for (var i = 0; i < 600 && running.Count < 3; i++)
        {
            await Task.Delay(100, Ct);
            running = (await engine.ListTasksAsync("probe-v1", Ct)).Where(t => t.IsRunning).ToList();
        }
        Assert.Equal(3, running.Count);
        Assert.Equal(3, running.Select(t => t.NodeId).Distinct().Count()); // one per node: the swarm spreads them
        Assert.All(running, t => Assert.StartsWith("10.201.", t.Addresses["slipway-probe"]));
        var service = await engine.InspectServiceAsync("probe-v1", Ct);
        Assert.Equal(3, service?.Replicas);
        Assert.Single(await engine.ListServicesAsync(labels, Ct));
        Assert.DoesNotContain("s3cret", service!.Spec.ToJsonString(), StringComparison.Ordinal);

        // Every task's address answers on the overlay, from a one-off container on the manager: its secret's value.
        var addresses = running.Select(t => t.Addresses["slipway-probe"]).ToList();
        var (_, answers) = await Shell.OutputAsync($"docker -H {swarm.Manager.DockerHost} run --rm --network slipway-probe {image}@{digest} python3 -c "
            + "\"import sys, urllib.request; print(*[urllib.request.urlopen('http://' + a + ':8000/token', timeout=5).read().decode() for a in sys.argv[1:]])\" "
            + string.Join(' ', addresses), Ct);
        Assert.Equal("s3cret s3cret s3cret", answers.Trim());

        await engine.RemoveServiceAsync("probe-v1", Ct);
        await engine.RemoveServiceAsync("probe-v1", Ct); // a missing one is fine
        Assert.Null(await engine.InspectServiceAsync("probe-v1", Ct));
        await engine.RemoveSecretAsync(secret, Ct);
        Assert.Empty(await engine.ListSecretsAsync(labels, Ct));
    }
}
