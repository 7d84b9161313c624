using Slipway.Platforms;
using Slipway.Platforms.Swarm;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Swarm;

/// <summary>
/// The swarm platform under load and through faults, on the run's real three-node swarm (<see cref="ThreeNodeSwarm"/>)
/// reached over ssh to the manager: rollouts and a rollback with no failed request, a node lost, the manager's engine restarted,
/// a secret rotated. Each test destroys its app and starts from the whole cluster (a node a test cut off boots again first).
/// Alone on the machine, as every timing claim is.
/// </summary>
[Trait("Tier", "engine")]
[Collection(Slipway.Tests.EndToEnd.TimingCollection.Name)]
public sealed class SwarmFaultTests(ThreeNodeSwarm cluster)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_app_is_spread_over_the_nodes_rolled_out_and_back_under_load_without_a_failed_request_and_destroyed_to_nothing()
    {
        var swarm = await cluster.GetAsync(Ct);
        await using var app = SwarmApps.AppOn(swarm, "swm");
        using var engine = TestEngine.Create(swarm.Manager.DockerHost);

        var up = await app.RunAsync("up", "-e", "swarm");
        up.Succeeded();
        Assert.Equal($"http://{swarm.Manager.Address}:{app.Port}/", up.Stdout.Trim().Split('\n')[^1]);
        Assert.Equal(app.FirstVersion, (await app.GetAsync()).Version);
        var tasks = (await engine.ListTasksAsync(Assert.Single(await SwarmApps.ServicesOfAsync(engine, app, app.FirstVersion)).Id, Ct)).Where(t => t.IsRunning).ToList();
        Assert.Equal(2, tasks.Count);
        Assert.Equal(2, tasks.Select(t => t.NodeId).Distinct().Count()); // the swarm spreads a release's tasks over the nodes
        var again = await app.RunAsync("up", "-e", "swarm");
        again.Succeeded();
        Assert.Contains($"nothing to do: {app.Name} {app.FirstVersion} already serves on 2 healthy replica(s)", again.All);

        await using (var load = LoadLoop.Start(app.Url))
        {
            await load.WaitForMoreAsync(20, "before the rollout");
            app.Repo.Write("app/extra.txt", "second");
            var second = app.Repo.Commit("second version");
            (await app.RunAsync("up", "-e", "swarm")).Succeeded();
            Assert.Equal(second, (await app.GetAsync()).Version);
            await load.WaitForMoreAsync(20, "after the rollout");
            (await app.RunAsync("rollback", "-e", "swarm", "--yes")).Succeeded();
            Assert.Equal(app.FirstVersion, (await app.GetAsync()).Version);
            await load.WaitForMoreAsync(20, "after the rollback");
            var (sent, failures) = await load.StopAsync();
            Assert.True(sent > 60, $"{sent} requests");
            Assert.Empty(failures);
        }

        var pinned = (await engine.ListServicesAsync(ReleaseLabels.ForApp(app.Name), Ct))
            .Select(s => s.Spec["TaskTemplate"]!["ContainerSpec"]!["Image"]!.GetValue<string>()).Distinct().ToList();
        Assert.Equal(2, pinned.Count); // the two releases kept, pinned by digest
        foreach (var image in pinned) Assert.Equal(System.Net.HttpStatusCode.OK, await SwarmApps.RegistryManifestAsync(image));
        await SwarmApps.DestroyAsync(app, swarm);
        foreach (var image in pinned) Assert.Equal(System.Net.HttpStatusCode.NotFound, await SwarmApps.RegistryManifestAsync(image));
        Assert.Empty(await engine.ListServicesAsync(new Dictionary<string, string>(), Ct));
        Assert.Empty(await engine.ListSecretsAsync(new Dictionary<string, string>(), Ct));
        Assert.Empty(await engine.ListImagesAsync(ReleaseLabels.ForApp(app.Name), Ct));
        var (_, networks) = await Shell.OutputAsync($"docker -H {swarm.Manager.DockerHost} network ls --format '{{{{.Name}}}}'", Ct);
        Assert.DoesNotContain("slipway", networks);
    }

    [Fact]
    public async Task A_node_lost_with_its_engine_has_its_tasks_rescheduled_and_the_edge_follows_them_while_requests_keep_being_answered()
    {
        var swarm = await cluster.GetAsync(Ct);
        await using var app = SwarmApps.AppOn(swarm, "swmloss");
        using var engine = TestEngine.Create(swarm.Manager.DockerHost);
        (await app.RunAsync("up", "-e", "swarm")).Succeeded();
        var service = Assert.Single(await SwarmApps.ServicesOfAsync(engine, app, app.FirstVersion));
        var nodes = await swarm.NodeIdsAsync(Ct);
        var tasks = (await engine.ListTasksAsync(service.Id, Ct)).Where(t => t.IsRunning).ToList();
        // Two tasks spread over three nodes: a worker holds one (the edge is on the manager, which stays).
        var lost = Enumerable.Range(1, nodes.Count - 1).First(i => tasks.Any(t => t.NodeId == nodes[i]));
        var lostAddresses = tasks.Where(t => t.NodeId == nodes[lost]).Select(t => t.Addresses[SwarmNames.EdgeNetwork]).ToHashSet();

        await using var load = LoadLoop.Start(app.Url);
        await load.WaitForMoreAsync(20, "before the node is lost");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await swarm.Nodes[lost].PowerOffAsync(Ct);
        var sentAtLoss = load.Sent;

        // Full strength: the swarm runs two tasks again, elsewhere, and the edge sends to two healthy ones, none on the lost node.
        IReadOnlyList<string> healthy = [];
        await Eventually.WaitUntilAsync(async () =>
        {
            var running = (await engine.ListTasksAsync(service.Id, Ct)).Where(t => t.IsRunning && t.NodeId != nodes[lost]).ToList();
            var status = await app.RunAsync("status", "-e", "swarm", "--json");
            if (status.ExitCode != 0) return false;
            healthy = System.Text.Json.JsonDocument.Parse(status.Stdout).RootElement.GetProperty("replicas").EnumerateArray()
                .Where(r => r.GetProperty("health").GetString() == "healthy")
                .Select(r => $"{r.GetProperty("address").GetString()} on {r.GetProperty("node").GetString()}").ToList();
            return running.Count == 2 && healthy.Count == 2;
        }, TimeSpan.FromSeconds(180), "the lost node's task runs on another node and the edge sends to it");
        var recovered = clock.Elapsed;
        Assert.DoesNotContain(healthy, address => lostAddresses.Any(lostAddress => address.Contains($"//{lostAddress}:", StringComparison.Ordinal)));
        Assert.All(healthy, replica => Assert.DoesNotMatch(" on $", replica)); // status names each task's node
        await load.WaitForMoreAsync(20, "at full strength");
        var (sent, failures) = await load.StopAsync();

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"node lost: {failures.Count} of {sent - sentAtLoss} requests failed after it; full strength again after {recovered.TotalSeconds:0.0} s; {string.Join("; ", failures)}");
        File.AppendAllText(Path.Combine(Path.GetTempPath(), "slipway-swarm-faults.txt"),
            $"{DateTime.UtcNow:O} node lost: {failures.Count} failed of {sent - sentAtLoss}; full strength after {recovered.TotalSeconds:0.0} s{Environment.NewLine}");
        // Only a request being answered by the lost task when it died can fail (its answer cut short): at most one per client.
        Assert.True(failures.Count <= LoadLoop.DefaultWorkers, $"{failures.Count} failed: {string.Join("; ", failures)}");
        await SwarmApps.DestroyAsync(app, swarm);
    }

    [Fact]
    public async Task The_managers_engine_restarted_loses_nothing_while_the_edge_on_a_labelled_node_keeps_serving()
    {
        var swarm = await cluster.GetAsync(Ct);
        var nodes = await swarm.NodeIdsAsync(Ct);
        await Shell.RunAsync($"docker -H {swarm.Manager.DockerHost} node update --label-add {SwarmNames.EdgeNodeLabel}=true {nodes[1]} >/dev/null", Ct);
        var edgeNode = swarm.Nodes[1];
        await using var app = new LocalApp("swmmgr", dockerHost: swarm.Manager.DockerHost, address: edgeNode.Address,
            cliEnvironment: swarm.Manager.CliEnvironment()) { OtherEnvironments = ["swarm"] };
        SwarmApps.WriteManifest(app, swarm);
        var up = await app.RunAsync("up", "-e", "swarm");
        up.Succeeded();
        Assert.Equal($"http://{edgeNode.Address}:{app.Port}/", up.Stdout.Trim().Split('\n')[^1]); // the labelled node's edge serves it
        using var engine = TestEngine.Create(swarm.Manager.DockerHost);
        var before = (await engine.ListServicesAsync(new Dictionary<string, string>(), Ct)).Select(s => s.Id).Order().ToList();

        await using (var load = LoadLoop.Start(app.Url))
        {
            await load.WaitForMoreAsync(20, "before the manager restarts");
            await swarm.PowerCycleManagerAsync(Ct);
            await swarm.WaitUntilReadyAsync(Ct); // the manager leads its three ready nodes again
            await load.WaitForMoreAsync(20, "after the manager restarted");
            var (sent, failures) = await load.StopAsync();
            TestContext.Current.TestOutputHelper?.WriteLine($"manager restarted: {failures.Count} of {sent} requests failed; {string.Join("; ", failures)}");
            // The manager's own tasks die with it: only an answer they were giving at that moment can be cut short.
            Assert.True(failures.Count <= LoadLoop.DefaultWorkers, $"{failures.Count} failed: {string.Join("; ", failures)}");
        }

        Assert.Equal(before, (await engine.ListServicesAsync(new Dictionary<string, string>(), Ct)).Select(s => s.Id).Order().ToList());
        Assert.Equal(app.FirstVersion, (await app.GetAsync()).Version);
        app.Repo.Write("app/extra.txt", "after the restart");
        var next = app.Repo.Commit("a release after the manager's restart");
        (await app.RunAsync("up", "-e", "swarm")).Succeeded();
        Assert.Equal(next, (await app.GetAsync()).Version);
        await SwarmApps.DestroyAsync(app, swarm);
    }

    [Fact]
    public async Task A_secret_reaches_the_tasks_environment_as_a_swarm_secret_never_in_a_spec_and_a_new_value_is_a_new_release()
    {
        var swarm = await cluster.GetAsync(Ct);
        await using var app = SwarmApps.AppOn(swarm, "swmsec");
        SwarmApps.WriteManifest(app, swarm, extra: "secrets:\n  API_TOKEN:\n    fromEnv: SWARM_TEST_TOKEN");
        using var engine = TestEngine.Create(swarm.Manager.DockerHost);
        var env = new Dictionary<string, string> { ["SWARM_TEST_TOKEN"] = "first-secret-value" };

        (await app.RunAsync(env, "up", "-e", "swarm")).Succeeded();
        Assert.Equal("18", (await app.GetAsync("/secret-length")).Body); // the app reads it from its environment
        var first = Assert.Single(await SwarmApps.ServicesOfAsync(engine, app, app.FirstVersion));
        Assert.DoesNotContain("first-secret-value", first.Spec.ToJsonString(), StringComparison.Ordinal);
        var firstSecret = Assert.Single(await engine.ListSecretsAsync(ReleaseLabels.ForApp(app.Name), Ct));

        env["SWARM_TEST_TOKEN"] = "second-value";
        await using (var load = LoadLoop.Start(app.Url))
        {
            await load.WaitForMoreAsync(20, "before the new value");
            (await app.RunAsync(env, "up", "-e", "swarm")).Succeeded(); // the same version: a release of its own all the same
            await load.WaitForMoreAsync(20, "after the new value");
            Assert.Empty((await load.StopAsync()).Failures);
        }
        Assert.Equal("12", (await app.GetAsync("/secret-length")).Body);
        Assert.Equal(2, (await SwarmApps.ServicesOfAsync(engine, app, app.FirstVersion)).Count); // the previous one kept, scaled to 0, for a rollback
        var secrets = await engine.ListSecretsAsync(ReleaseLabels.ForApp(app.Name), Ct);
        Assert.Equal(2, secrets.Count);
        Assert.Contains(secrets, s => s.Id == firstSecret.Id);

        await SwarmApps.DestroyAsync(app, swarm, env);
        Assert.Empty(await engine.ListSecretsAsync(new Dictionary<string, string>(), Ct));
    }
}
