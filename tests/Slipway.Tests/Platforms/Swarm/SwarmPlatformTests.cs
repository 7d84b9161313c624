using Slipway.Platforms;
using Slipway.Platforms.Swarm;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Swarm;

/// <summary>
/// The swarm platform through the real CLI, on a real three-node swarm it reaches over ssh to the manager (<see cref="TestSwarm"/>):
/// the cluster's registry carries the images, Slipway's edge on the manager moves the traffic.
/// </summary>
[Trait("Tier", "engine")]
[Collection(Slipway.Tests.EndToEnd.TimingCollection.Name)]
public sealed class SwarmPlatformTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static void WriteManifest(LocalApp app, TestSwarm swarm, string healthPath = "/", string extra = "") =>
        app.WriteManifest(healthPath: healthPath, extra: $"engine: {swarm.Manager.SshEngine}\nswarm:\n  registry: {swarm.Registry}\n{extra}");

    /// <summary>The app's release services of one version (the service's name carries the release's fingerprint too).</summary>
    private static async Task<IReadOnlyList<Slipway.Engine.SwarmService>> ServicesOfAsync(Slipway.Engine.DockerEngine engine, LocalApp app, string version) =>
        await engine.ListServicesAsync(ReleaseLabels.ForRelease(app.Name, version), Ct);

    /// <summary>What the registry answers for a pinned image's manifest (HEAD, as a pull starts).</summary>
    private static async Task<System.Net.HttpStatusCode> RegistryManifestAsync(string pinned)
    {
        var (registry, name, digest) = Slipway.Engine.RegistryClient.Parse(pinned);
        using var request = new HttpRequestMessage(HttpMethod.Head, $"http://{registry}/v2/{name}/manifests/{digest}");
        request.Headers.Accept.ParseAdd("application/vnd.docker.distribution.manifest.v2+json");
        request.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
        using var response = await Http.Client.SendAsync(request, Ct);
        return response.StatusCode;
    }

    /// <summary>An app whose manifest names the swarm's manager over ssh and its registry; the CLI reaches the manager only that way.</summary>
    private static LocalApp AppOn(TestSwarm swarm, string prefix)
    {
        var app = new LocalApp(prefix, dockerHost: swarm.Manager.DockerHost, address: swarm.Manager.Address, cliEnvironment: swarm.Manager.CliEnvironment());
        WriteManifest(app, swarm);
        return app;
    }

    [Fact]
    public async Task An_app_is_spread_over_the_nodes_rolled_out_and_back_under_load_without_a_failed_request_and_destroyed_to_nothing()
    {
        await using var swarm = await TestSwarm.StartAsync(3, Ct);
        await using var app = AppOn(swarm, "swm");
        using var engine = TestEngine.Create(swarm.Manager.DockerHost);

        var up = await app.RunAsync("up", "-e", "swarm");
        up.Succeeded();
        Assert.Equal($"http://{swarm.Manager.Address}:{app.Port}/", up.Stdout.Trim().Split('\n')[^1]);
        Assert.Equal(app.FirstVersion, (await app.GetAsync()).Version);
        var tasks = (await engine.ListTasksAsync(Assert.Single(await ServicesOfAsync(engine, app, app.FirstVersion)).Id, Ct)).Where(t => t.IsRunning).ToList();
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
        foreach (var image in pinned) Assert.Equal(System.Net.HttpStatusCode.OK, await RegistryManifestAsync(image));
        var destroy = await app.RunAsync("destroy", "-e", "swarm", "--yes");
        destroy.Succeeded();
        foreach (var image in pinned) Assert.Equal(System.Net.HttpStatusCode.NotFound, await RegistryManifestAsync(image));
        Assert.Empty(await engine.ListServicesAsync(new Dictionary<string, string>(), Ct));
        Assert.Empty(await engine.ListSecretsAsync(new Dictionary<string, string>(), Ct));
        Assert.Empty(await engine.ListImagesAsync(ReleaseLabels.ForApp(app.Name), Ct));
        var (_, networks) = await Shell.OutputAsync($"docker -H {swarm.Manager.DockerHost} network ls --format '{{{{.Name}}}}'", Ct);
        Assert.DoesNotContain("slipway", networks);
    }

    [Fact]
    public async Task A_node_lost_with_its_engine_has_its_tasks_rescheduled_and_the_edge_follows_them_while_requests_keep_being_answered()
    {
        await using var swarm = await TestSwarm.StartAsync(3, Ct);
        await using var app = AppOn(swarm, "swmloss");
        using var engine = TestEngine.Create(swarm.Manager.DockerHost);
        (await app.RunAsync("up", "-e", "swarm")).Succeeded();
        var service = Assert.Single(await ServicesOfAsync(engine, app, app.FirstVersion));
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
        (await app.RunAsync("destroy", "-e", "swarm", "--yes")).Succeeded();
    }

    [Fact]
    public async Task The_managers_engine_restarted_loses_nothing_while_the_edge_on_a_labelled_node_keeps_serving()
    {
        await using var swarm = await TestSwarm.StartAsync(3, Ct);
        var nodes = await swarm.NodeIdsAsync(Ct);
        await Shell.RunAsync($"docker -H {swarm.Manager.DockerHost} node update --label-add {SwarmNames.EdgeNodeLabel}=true {nodes[1]} >/dev/null", Ct);
        var edgeNode = swarm.Nodes[1];
        await using var app = new LocalApp("swmmgr", dockerHost: swarm.Manager.DockerHost, address: edgeNode.Address,
            cliEnvironment: swarm.Manager.CliEnvironment());
        WriteManifest(app, swarm);
        var up = await app.RunAsync("up", "-e", "swarm");
        up.Succeeded();
        Assert.Equal($"http://{edgeNode.Address}:{app.Port}/", up.Stdout.Trim().Split('\n')[^1]); // the labelled node's edge serves it
        using var engine = TestEngine.Create(swarm.Manager.DockerHost);
        var before = (await engine.ListServicesAsync(new Dictionary<string, string>(), Ct)).Select(s => s.Id).Order().ToList();

        await using (var load = LoadLoop.Start(app.Url))
        {
            await load.WaitForMoreAsync(20, "before the manager restarts");
            await swarm.PowerCycleManagerAsync(Ct);
            await Eventually.WaitUntilAsync(async () =>
            {
                var (_, ready) = await Shell.OutputAsync($"docker -H {swarm.Manager.DockerHost} node ls --format '{{{{.Status}}}}'", Ct);
                return ready.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(s => s == "Ready") == 3;
            }, TimeSpan.FromSeconds(120), "the manager leads its three ready nodes again");
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
        (await app.RunAsync("destroy", "-e", "swarm", "--yes")).Succeeded();
    }

    [Fact]
    public async Task A_release_that_never_becomes_healthy_is_rejected_with_its_cause_and_the_old_one_keeps_serving()
    {
        await using var swarm = await TestSwarm.StartAsync(2, Ct);
        await using var app = AppOn(swarm, "swmbad");
        (await app.RunAsync("up", "-e", "swarm")).Succeeded();

        app.Repo.Write("app/extra.txt", "broken");
        var broken = app.Repo.Commit("a release whose health path is missing");
        WriteManifest(app, swarm, healthPath: "/missing");
        var up = await app.RunAsync("up", "-e", "swarm");

        Assert.True(up.ExitCode == 1, up.All);
        Assert.Contains($"release rejected: task ", up.Stderr);
        Assert.Contains($"of {app.Name}-{broken}-", up.Stderr);
        Assert.Contains("it stopped before its health check passed (GET /missing on port 8000)", up.Stderr);
        Assert.Equal(app.FirstVersion, (await app.GetAsync()).Version);
        using var engine = TestEngine.Create(swarm.Manager.DockerHost);
        Assert.Empty(await ServicesOfAsync(engine, app, broken)); // the rejected release's service is gone
        WriteManifest(app, swarm);
        (await app.RunAsync("destroy", "-e", "swarm", "--yes")).Succeeded();
    }

    [Fact]
    public async Task Workers_run_as_services_of_their_release_a_crashing_one_is_rejected_and_doctor_names_a_node_whose_gossip_port_is_closed()
    {
        await using var swarm = await TestSwarm.StartAsync(2, Ct);
        await using var app = AppOn(swarm, "swmwrk");
        const string working = """["python3", "-u", "-c", "import time, os; print('working', os.environ['SLIPWAY_VERSION']); time.sleep(100000)"]""";
        string Worker(string command) => $"processes:\n  worker:\n    command: {command}\n    replicas: 2\n    healthy: 1s\n";
        WriteManifest(app, swarm, extra: Worker(working));
        using var engine = TestEngine.Create(swarm.Manager.DockerHost);

        (await app.RunAsync("up", "-e", "swarm")).Succeeded();
        var status = await app.RunAsync("status", "-e", "swarm", "--json");
        status.Succeeded();
        var workers = System.Text.Json.JsonDocument.Parse(status.Stdout).RootElement.GetProperty("processes").GetProperty("worker");
        Assert.Equal(["running", "running"], workers.EnumerateArray().Select(w => w.GetProperty("state").GetString()));
        var logs = await app.Cli.RunAsync(["logs", "-e", "swarm", "--process", "worker", "-m", app.ManifestPath], null, Ct);
        logs.Succeeded();
        Assert.Contains($"working {app.FirstVersion}", logs.Stdout);

        // doctor tries the swarm's ports from the manager, and names a node whose gossip port is closed.
        var healthy = await DoctorAsync(app);
        Assert.Equal(("ok", "7946/tcp open on 1 other node(s), 2377/tcp on 0 other manager(s)"), healthy["swarm ports"]);
        Assert.Equal("ok", healthy["swarm overlay"].Status);
        var worker = swarm.Nodes[1];
        var block = $"iptables -I INPUT -p tcp --dport 7946 -s {swarm.Manager.Address} -j REJECT --reject-with tcp-reset";
        await Shell.RunAsync($"nsenter --net=/var/run/netns/{worker.Namespace} {block}", Ct);
        var closed = await DoctorAsync(app);
        await Shell.RunAsync($"nsenter --net=/var/run/netns/{worker.Namespace} {block.Replace("-I INPUT", "-D INPUT")}", Ct);
        Assert.Equal("failed", closed["swarm ports"].Status);
        Assert.EndsWith($"({worker.Address}) 7946/tcp refused", closed["swarm ports"].Detail);

        // A release whose worker dies at once is rejected; the serving release's workers keep running.
        app.Repo.Write("app/extra.txt", "crashing worker");
        var crashing = app.Repo.Commit("a release whose worker crashes");
        WriteManifest(app, swarm, extra: Worker("""["sh", "-c", "echo cannot connect to the queue; exit 3"]"""));
        var up = await app.RunAsync("up", "-e", "swarm");
        Assert.True(up.ExitCode == 1, up.All);
        Assert.Contains("release rejected: process worker: task ", up.Stderr);
        Assert.Contains("exit code 3", up.Stderr);
        Assert.Contains("cannot connect to the queue", up.Stderr);
        Assert.Equal(app.FirstVersion, (await app.GetAsync()).Version);
        var services = await engine.ListServicesAsync(ReleaseLabels.ForApp(app.Name), Ct);
        Assert.DoesNotContain(services, s => s.Labels.GetValueOrDefault(ReleaseLabels.Version) == crashing); // neither its web nor its worker service
        var serving = Assert.Single(services, s => s.Labels.ContainsKey(SwarmProcesses.ProcessLabel));
        Assert.Equal(2, (await engine.ListTasksAsync(serving.Id, Ct)).Count(t => t.IsRunning));

        WriteManifest(app, swarm, extra: Worker(working));
        (await app.RunAsync("destroy", "-e", "swarm", "--yes")).Succeeded();
        Assert.Empty(await engine.ListServicesAsync(new Dictionary<string, string>(), Ct));
    }

    [Fact]
    public async Task The_release_command_and_run_are_one_off_tasks_with_the_secrets_and_exec_reaches_a_task_on_the_manager()
    {
        await using var swarm = await TestSwarm.StartAsync(2, Ct);
        await using var app = AppOn(swarm, "swmrun");
        var env = new Dictionary<string, string> { ["SWARM_RUN_TOKEN"] = "twelve-chars" };
        string Manifest(string command) =>
            $"secrets:\n  API_TOKEN:\n    fromEnv: SWARM_RUN_TOKEN\nrelease:\n  command: '{command}'\n  timeout: 2m\n";
        WriteManifest(app, swarm, extra: Manifest("echo migrating $SLIPWAY_VERSION with a token of ${#API_TOKEN}"));
        using var engine = TestEngine.Create(swarm.Manager.DockerHost);

        var up = await app.RunAsync(env, "up", "-e", "swarm");
        up.Succeeded();
        Assert.Contains($"migrating {app.FirstVersion} with a token of 12", up.Stderr);

        var run = await app.Cli.RunAsync(["run", "-e", "swarm", "-f", app.ManifestPath, "--", "sh", "-c", "echo ran in $SLIPWAY_VERSION with ${#API_TOKEN}; exit 3"], env, Ct);
        Assert.True(run.ExitCode == 3, run.All); // the command's own exit code
        Assert.Contains($"ran in {app.FirstVersion} with 12", run.Stdout);
        Assert.DoesNotContain("twelve-chars", run.All);

        var serving = Assert.Single(await ServicesOfAsync(engine, app, app.FirstVersion));
        var manager = (await swarm.NodeIdsAsync(Ct))[0];
        var onManager = (await engine.ListTasksAsync(serving.Id, Ct)).Any(t => t.IsRunning && t.NodeId == manager);
        var exec = await app.Cli.RunAsync(["exec", "-e", "swarm", "-f", app.ManifestPath, "--", "sh", "-c", "echo inside $SLIPWAY_VERSION"], env, Ct);
        if (onManager)
        {
            exec.Succeeded();
            Assert.Contains($"inside {app.FirstVersion}", exec.Stdout);
        }
        else
        {
            Assert.Contains("exec reaches tasks on the manager Slipway talks to", exec.Stderr);
        }

        // A failing release command rolls nothing out.
        WriteManifest(app, swarm, extra: Manifest("echo cannot migrate; exit 4"));
        app.Repo.Write("app/extra.txt", "v2");
        app.Repo.Commit("v2");
        var failed = await app.RunAsync(env, "up", "-e", "swarm");
        Assert.True(failed.ExitCode == 1, failed.All);
        Assert.Contains("exited with 4", failed.Stderr);
        Assert.Contains("cannot migrate", failed.Stderr);
        Assert.Equal(app.FirstVersion, (await app.GetAsync()).Version);
        Assert.DoesNotContain(await engine.ListServicesAsync(ReleaseLabels.ForApp(app.Name), Ct), s => s.Labels.ContainsKey(SwarmOneOff.Label));

        (await app.RunAsync(env, "destroy", "-e", "swarm", "--yes")).Succeeded();
        Assert.Empty(await engine.ListServicesAsync(new Dictionary<string, string>(), Ct));
    }

    [Fact]
    public async Task Https_with_the_manifests_certificate_and_maintenance_are_served_by_the_edge_on_the_swarm()
    {
        await using var swarm = await TestSwarm.StartAsync(2, Ct);
        await using var app = AppOn(swarm, "swmtls");
        var pem = TestCertificates.Create("shop.test");
        app.UseTls("shop.test", pem);
        var manager = System.Net.IPAddress.Parse(swarm.Manager.Address);

        var up = await app.RunAsync("up", "-e", "swarm");
        up.Succeeded();
        Assert.Equal($"https://shop.test:{app.Port}/", up.Stdout.Trim().Split('\n')[^1]);
        var (status, _, certificate) = await TestCertificates.GetAsync(new Uri($"https://shop.test:{app.Port}/"), Ct, manager);
        Assert.Equal(System.Net.HttpStatusCode.OK, status);
        Assert.Equal(System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(pem.Certificate).Thumbprint, certificate!.Thumbprint);

        (await app.RunAsync("maintenance", "on", "-e", "swarm", "--message", "back at noon")).Succeeded();
        var (closed, body, _) = await TestCertificates.GetAsync(new Uri($"https://shop.test:{app.Port}/"), Ct, manager);
        Assert.Equal((System.Net.HttpStatusCode.ServiceUnavailable, "back at noon"), (closed, body.Trim()));
        (await app.RunAsync("maintenance", "off", "-e", "swarm")).Succeeded();
        Assert.Equal(System.Net.HttpStatusCode.OK, (await TestCertificates.GetAsync(new Uri($"https://shop.test:{app.Port}/"), Ct, manager)).Status);

        (await app.RunAsync("destroy", "-e", "swarm", "--yes")).Succeeded();
    }

    /// <summary>doctor's checks of a swarm as JSON: each check's status by its name.</summary>
    private static async Task<Dictionary<string, (string Status, string Detail)>> DoctorAsync(LocalApp app)
    {
        var doctor = await app.RunAsync("doctor", "-e", "swarm", "--json");
        return System.Text.Json.JsonDocument.Parse(doctor.Stdout).RootElement.EnumerateArray().ToDictionary(
            c => c.GetProperty("name").GetString()!, c => (c.GetProperty("status").GetString()!, c.GetProperty("detail").GetString()!));
    }


    [Fact]
    public async Task A_secret_reaches_the_tasks_environment_as_a_swarm_secret_never_in_a_spec_and_a_new_value_is_a_new_release()
    {
        await using var swarm = await TestSwarm.StartAsync(2, Ct);
        await using var app = AppOn(swarm, "swmsec");
        WriteManifest(app, swarm, extra: "secrets:\n  API_TOKEN:\n    fromEnv: SWARM_TEST_TOKEN");
        using var engine = TestEngine.Create(swarm.Manager.DockerHost);
        var env = new Dictionary<string, string> { ["SWARM_TEST_TOKEN"] = "first-secret-value" };

        (await app.RunAsync(env, "up", "-e", "swarm")).Succeeded();
        Assert.Equal("18", (await app.GetAsync("/secret-length")).Body); // the app reads it from its environment
        var first = Assert.Single(await ServicesOfAsync(engine, app, app.FirstVersion));
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
        Assert.Equal(2, (await ServicesOfAsync(engine, app, app.FirstVersion)).Count); // the previous one kept, scaled to 0, for a rollback
        var secrets = await engine.ListSecretsAsync(ReleaseLabels.ForApp(app.Name), Ct);
        Assert.Equal(2, secrets.Count);
        Assert.Contains(secrets, s => s.Id == firstSecret.Id);

        (await app.RunAsync(env, "destroy", "-e", "swarm", "--yes")).Succeeded();
        Assert.Empty(await engine.ListSecretsAsync(new Dictionary<string, string>(), Ct));
    }
}
