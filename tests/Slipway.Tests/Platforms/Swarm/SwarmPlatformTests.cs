using Slipway.Platforms;
using Slipway.Platforms.Swarm;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Swarm;

/// <summary>
/// The swarm platform's features through the real CLI, on one real two-node swarm shared by the class (<see cref="SharedSwarm"/>):
/// a rejected release, workers, doctor's port checks, the release command, run and exec, HTTPS and maintenance. Each test
/// destroys what it deployed, so the next finds the cluster as it was; none of them times anything.
/// </summary>
[Trait("Tier", "engine")]
public sealed class SwarmPlatformTests(SharedSwarm cluster) : IClassFixture<SharedSwarm>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_release_that_never_becomes_healthy_is_rejected_with_its_cause_and_the_old_one_keeps_serving()
    {
        var swarm = cluster.Swarm;
        await using var app = SwarmApps.AppOn(swarm, "swmbad");
        (await app.RunAsync("up", "-e", "swarm")).Succeeded();

        app.Repo.Write("app/extra.txt", "broken");
        var broken = app.Repo.Commit("a release whose health path is missing");
        SwarmApps.WriteManifest(app, swarm, healthPath: "/missing", startPeriod: "2s"); // failures count after 2 s, not 20
        var up = await app.RunAsync("up", "-e", "swarm");

        Assert.True(up.ExitCode == 1, up.All);
        Assert.Contains($"release rejected: task ", up.Stderr);
        Assert.Contains($"of {app.Name}-{broken}-", up.Stderr);
        Assert.Contains("it stopped before its health check passed (GET /missing on port 8000)", up.Stderr);
        Assert.Equal(app.FirstVersion, (await app.GetAsync()).Version);
        using var engine = TestEngine.Create(swarm.Manager.DockerHost);
        Assert.Empty(await SwarmApps.ServicesOfAsync(engine, app, broken)); // the rejected release's service is gone
        SwarmApps.WriteManifest(app, swarm);
        await SwarmApps.DestroyAsync(app, swarm);
    }

    [Fact]
    public async Task Workers_run_as_services_of_their_release_a_crashing_one_is_rejected_and_doctor_names_a_node_whose_gossip_port_is_closed()
    {
        var swarm = cluster.Swarm;
        await using var app = SwarmApps.AppOn(swarm, "swmwrk");
        const string working = """["python3", "-u", "-c", "import time, os, signal, sys; signal.signal(signal.SIGTERM, lambda *_: sys.exit(0)); print('working', os.environ['SLIPWAY_VERSION']); time.sleep(100000)"]""";
        string Worker(string command) => $"processes:\n  worker:\n    command: {command}\n    replicas: 2\n    healthy: 1s\n";
        SwarmApps.WriteManifest(app, swarm, extra: Worker(working));
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
        var healthy = await SwarmApps.DoctorAsync(app);
        Assert.Equal(("ok", "7946/tcp open on 1 other node(s), 2377/tcp on 0 other manager(s)"), healthy["swarm ports"]);
        Assert.Equal("ok", healthy["swarm overlay"].Status);
        var worker = swarm.Nodes[1];
        var block = $"iptables -I INPUT -p tcp --dport 7946 -s {swarm.Manager.Address} -j REJECT --reject-with tcp-reset";
        await Shell.RunAsync($"nsenter --net=/var/run/netns/{worker.Namespace} {block}", Ct);
        var closed = await SwarmApps.DoctorAsync(app);
        await Shell.RunAsync($"nsenter --net=/var/run/netns/{worker.Namespace} {block.Replace("-I INPUT", "-D INPUT")}", Ct);
        Assert.Equal("failed", closed["swarm ports"].Status);
        Assert.EndsWith($"({worker.Address}) 7946/tcp refused", closed["swarm ports"].Detail);
        await AnswersSteadilyAsync(app, app.FirstVersion); // the overlay's peers are gossiped on 7946: let it recover before judging

        // A release whose worker dies at once is rejected; the serving release's workers keep running.
        app.Repo.Write("app/extra.txt", "crashing worker");
        var crashing = app.Repo.Commit("a release whose worker crashes");
        SwarmApps.WriteManifest(app, swarm, extra: Worker("""["sh", "-c", "echo cannot connect to the queue; exit 3"]"""));
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

        SwarmApps.WriteManifest(app, swarm, extra: Worker(working));
        await SwarmApps.DestroyAsync(app, swarm);
        Assert.Empty(await engine.ListServicesAsync(new Dictionary<string, string>(), Ct));
    }

    /// <summary>Waits (at most a minute) until the app answers 20 requests in a row with the version.</summary>
    private static Task AnswersSteadilyAsync(LocalApp app, string version)
    {
        var inARow = 0;
        return Eventually.WaitUntilAsync(async () => (inARow = await app.TryGetVersionAsync() == version ? inARow + 1 : 0) >= 20,
            TimeSpan.FromMinutes(1), $"{version} answered 20 requests in a row");
    }

    [Fact]
    public async Task The_release_command_and_run_are_one_off_tasks_with_the_secrets_run_it_gets_a_terminal_run_i_its_piped_input_and_exec_reaches_a_task_on_either_node()
    {
        var swarm = cluster.Swarm;
        await using var app = SwarmApps.AppOn(swarm, "swmrun");
        var env = new Dictionary<string, string> { ["SWARM_RUN_TOKEN"] = "twelve-chars" };
        string Manifest(string command) =>
            $"secrets:\n  API_TOKEN:\n    fromEnv: SWARM_RUN_TOKEN\nrelease:\n  command: '{command}'\n  timeout: 2m\n";
        SwarmApps.WriteManifest(app, swarm, extra: Manifest("echo migrating $SLIPWAY_VERSION with a token of ${#API_TOKEN}"));
        using var engine = TestEngine.Create(swarm.Manager.DockerHost);

        var up = await app.RunAsync(env, "up", "-e", "swarm");
        up.Succeeded();
        Assert.Contains($"migrating {app.FirstVersion} with a token of 12", up.Stderr);

        var run = await app.Cli.RunAsync(["run", "-e", "swarm", "-f", app.ManifestPath, "--", "sh", "-c", "echo ran in $SLIPWAY_VERSION with ${#API_TOKEN}; exit 3"], env, Ct);
        Assert.True(run.ExitCode == 3, run.All); // the command's own exit code
        Assert.Contains($"ran in {app.FirstVersion} with 12", run.Stdout);
        Assert.DoesNotContain("twelve-chars", run.All);

        // exec reaches each task in its own container: on the manager through its engine, on the other node through that node's.
        var serving = Assert.Single(await SwarmApps.ServicesOfAsync(engine, app, app.FirstVersion));
        var tasks = (await engine.ListTasksAsync(serving.Id, Ct)).Where(t => t.IsRunning).ToList();
        Assert.Equal(2, tasks.Select(t => t.NodeId).Distinct().Count()); // spread over both nodes
        foreach (var slot in tasks.Select(t => t.Slot))
        {
            // On two saturated cores a task's container can miss its health checks and be replaced by the swarm between the
            // listing and the exec; only then, and at most twice, is the slot's new task reached instead.
            for (var attempt = 1; ; attempt++)
            {
                var task = (await engine.ListTasksAsync(serving.Id, Ct)).Where(t => t.IsRunning && t.Slot == slot).MaxBy(t => t.UpdatedAt);
                Assert.True(task is not null, $"slot {slot} of {serving.Name} has no running task to exec into");
                var exec = await app.Cli.RunAsync(["exec", "-e", "swarm", "-f", app.ManifestPath, "--replica", $"{serving.Name}.{slot}", "--",
                    "sh", "-c", "echo inside $SLIPWAY_VERSION on $(hostname) with ${#API_TOKEN}; exit 4"], env, Ct);
                if (attempt < 3 && exec.ExitCode == 1 && exec.All.Contains($"Container {task.ContainerId} is not running", StringComparison.Ordinal))
                {
                    await Eventually.WaitUntilAsync(async () => (await engine.ListTasksAsync(serving.Id, Ct)) is var now
                            && !now.Any(t => t.Id == task.Id && t.IsRunning) && now.Any(t => t.Slot == slot && t.IsRunning),
                        TimeSpan.FromMinutes(2), $"slot {slot}'s task {task.Id} replaced by a running one, as its container is not running");
                    continue;
                }
                Assert.True(exec.ExitCode == 4, exec.All); // the command's own exit code, from either node
                Assert.Contains($"inside {app.FirstVersion} on {task.ContainerId![..12]} with 12", exec.Stdout);
                break;
            }
        }
        Assert.DoesNotContain(await engine.ListServicesAsync(ReleaseLabels.ForApp(app.Name), Ct), s => s.Labels.ContainsKey(SwarmOneOff.Label));

        // run -it: a terminal joined to the one-off task's, which the swarm places on the manager Slipway attaches through.
        var typed = await app.Cli.RunInTerminalAsync(["run", "-it", "-e", "swarm", "-f", app.ManifestPath, "--", "sh", "-c",
            "tty; read answer; echo \"got $answer ${#API_TOKEN}\"; exit 5"], env, "yes\r", Ct);
        Assert.True(typed.ExitCode == 5, typed.All);
        Assert.Contains("/dev/pts/", typed.Stdout);
        Assert.Contains("got yes 12", typed.Stdout);
        var instant = await app.Cli.RunInTerminalAsync(["run", "-t", "-e", "swarm", "-f", app.ManifestPath, "--", "echo", "over at once"], env, "", Ct);
        Assert.True(instant.ExitCode == 0, instant.All); // a command that ends before the attach: its output still shown, the run ended
        Assert.Contains("over at once", instant.Stdout);
        // Piped input: read whole, passed as a secret the command reads its stdin from, and ended (the swarm never ends a task's stdin).
        var piped = await app.Cli.RunAsync(["run", "-i", "-e", "swarm", "-f", app.ManifestPath, "--", "sh", "-c", "tr a-z A-Z; echo \"lines: $(wc -l < /run/secrets/slipway-stdin)\""],
            env, Ct, input: "first line\nsecond line\n");
        Assert.True(piped.ExitCode == 0, piped.All);
        Assert.Contains("FIRST LINE", piped.Stdout);
        Assert.Contains("SECOND LINE", piped.Stdout);
        Assert.Contains("lines: 2", piped.Stdout);
        Assert.DoesNotContain(await engine.ListServicesAsync(ReleaseLabels.ForApp(app.Name), Ct), s => s.Labels.ContainsKey(SwarmOneOff.Label));
        Assert.DoesNotContain(await engine.ListSecretsAsync(ReleaseLabels.ForApp(app.Name), Ct), s => s.Name.EndsWith("-stdin", StringComparison.Ordinal));
        var tooMuch = await app.Cli.RunAsync(["run", "-i", "-e", "swarm", "-f", app.ManifestPath, "--", "cat"], env, Ct,
            input: new string('x', SwarmOneOff.MaxInput + 1));
        Assert.True(tooMuch.ExitCode == 2, tooMuch.All);
        Assert.Contains("run -i: the input is over 500 KiB", tooMuch.Stderr);

        // A failing release command rolls nothing out.
        SwarmApps.WriteManifest(app, swarm, extra: Manifest("echo cannot migrate; exit 4"));
        app.Repo.Write("app/extra.txt", "v2");
        app.Repo.Commit("v2");
        var failed = await app.RunAsync(env, "up", "-e", "swarm");
        Assert.True(failed.ExitCode == 1, failed.All);
        Assert.Contains("exited with 4", failed.Stderr);
        Assert.Contains("cannot migrate", failed.Stderr);
        Assert.Equal(app.FirstVersion, (await app.GetAsync()).Version);
        Assert.DoesNotContain(await engine.ListServicesAsync(ReleaseLabels.ForApp(app.Name), Ct), s => s.Labels.ContainsKey(SwarmOneOff.Label));

        await SwarmApps.DestroyAsync(app, swarm, env);
        Assert.Empty(await engine.ListServicesAsync(new Dictionary<string, string>(), Ct));
    }

    [Fact]
    public async Task Https_with_the_manifests_certificate_and_maintenance_are_served_by_the_edge_on_the_swarm()
    {
        var swarm = cluster.Swarm;
        await using var app = SwarmApps.AppOn(swarm, "swmtls");
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

        await SwarmApps.DestroyAsync(app, swarm);
    }

    [Fact]
    public async Task Https_by_the_local_ca_of_the_first_edge_is_served_by_every_edge_with_one_certificate()
    {
        var swarm = cluster.Swarm;
        var nodes = await swarm.NodeIdsAsync(Ct);
        await using var app = SwarmApps.AppOn(swarm, "swmca");
        File.WriteAllText(app.ManifestPath, File.ReadAllText(app.ManifestPath).Replace($"edge:\n  port: {app.Port}\n", $"edge:\n  port: {app.Port}\n  host: shop.swarm.test\n  tls: local\n"));
        foreach (var node in nodes) await Shell.RunAsync($"docker -H {swarm.Manager.DockerHost} node update --label-add {SwarmNames.EdgeNodeLabel}=true {node} >/dev/null", Ct);
        try
        {
            var up = await app.RunAsync("up", "-e", "swarm");
            up.Succeeded();
            var first = nodes.Order(StringComparer.Ordinal).First();
            Assert.Contains($"HTTPS with a certificate of the local CA of the edge on node {first[..12]}", up.Stderr);
            Assert.Contains("on 2 edge(s)", up.Stderr);

            var served = new List<System.Security.Cryptography.X509Certificates.X509Certificate2>();
            foreach (var node in swarm.Nodes)
            {
                var (status, _, certificate) = await TestCertificates.GetAsync(new Uri($"https://shop.swarm.test:{app.Port}/"), Ct, System.Net.IPAddress.Parse(node.Address));
                Assert.Equal(System.Net.HttpStatusCode.OK, status);
                served.Add(certificate!);
            }
            Assert.Single(served.Select(c => c.Thumbprint).Distinct()); // one certificate, the first edge's, on both nodes
            Assert.Contains("shop.swarm.test", served[0].Extensions.OfType<System.Security.Cryptography.X509Certificates.X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames());

            var again = await app.RunAsync("up", "-e", "swarm", "--force");
            again.Succeeded();
            foreach (var node in swarm.Nodes) // kept, not issued anew, by both
                Assert.Equal(served[0].Thumbprint, (await TestCertificates.GetAsync(new Uri($"https://shop.swarm.test:{app.Port}/"), Ct, System.Net.IPAddress.Parse(node.Address))).Certificate!.Thumbprint);
            await SwarmApps.DestroyAsync(app, swarm);
        }
        finally
        {
            foreach (var node in nodes) await Shell.RunAsync($"docker -H {swarm.Manager.DockerHost} node update --label-rm {SwarmNames.EdgeNodeLabel} {node} >/dev/null", Ct);
        }
    }

    /// <summary>The test app with a health endpoint of its own, and / answering 500 when <paramref name="failing"/>.</summary>
    private static string CanaryAppCode(bool failing) => TestEngine.FlaskApp + $$"""

        @app.get("/health")
        def health():
            return "ok\n"
        @app.before_request
        def fail_all():
            from flask import request
            if {{(failing ? "True" : "False")}} and request.path == "/":
                return "failing\n", 500
            return None
        """;

    [Fact]
    public async Task A_canary_on_two_edges_is_judged_by_one_aborted_on_both_when_it_fails_and_promoted_on_both_and_each_edge_serves_metrics_on_the_overlay()
    {
        var swarm = cluster.Swarm;
        var nodes = await swarm.NodeIdsAsync(Ct);
        await using var app = SwarmApps.AppOn(swarm, "swmcan");
        app.Repo.Write("app/app.py", CanaryAppCode(failing: false));
        app.Repo.Commit("with a health endpoint");
        SwarmApps.WriteManifest(app, swarm, healthPath: "/health");
        const int metricsPort = 9464;
        File.WriteAllText(app.ManifestPath, File.ReadAllText(app.ManifestPath).Replace($"  port: {app.Port}\n", $"  port: {app.Port}\n  metricsPort: {metricsPort}\n"));
        using var engine = TestEngine.Create(swarm.Manager.DockerHost);
        foreach (var node in nodes) await Shell.RunAsync($"docker -H {swarm.Manager.DockerHost} node update --label-add {SwarmNames.EdgeNodeLabel}=true {node} >/dev/null", Ct);
        try
        {
            (await app.RunAsync("up", "-e", "swarm")).Succeeded();
            var v1 = (await app.GetAsync()).Version;
            var edges = swarm.Nodes.Select(n => new Uri($"http://{n.Address}:{app.Port}/")).ToList();

            // A failing canary: requests only through the edge that judges it, so the other edge, which sees none, can only follow.
            app.Repo.Write("app/app.py", CanaryAppCode(failing: true));
            var failing = app.Repo.Commit("fails every request");
            var running = app.RunAsync("up", "-e", "swarm", "--canary", "50", "--for", "10m");
            var relay = (await engine.ListTasksAsync(SwarmNames.RelayService, Ct)).First(t => t is { IsRunning: true, ContainerId: not null });
            var edgeTasks = (await engine.ListTasksAsync(SwarmNames.EdgeService, Ct)).Where(t => t.IsRunning).ToList();
            Assert.Equal(2, edgeTasks.Count);
            Dictionary<string, string> routes = [];
            await Eventually.WaitUntilAsync(async () =>
            {
                foreach (var edgeTask in edgeTasks) routes[edgeTask.NodeId] = await RouteThroughGateAsync(engine, relay.ContainerId!, edgeTask, app.Name);
                return routes.Values.All(r => r.Contains($"\"canary\":{{\"version\":\"{failing}\"", StringComparison.Ordinal));
            }, TimeSpan.FromMinutes(3), "both edges run the canary");
            var judge = Assert.Single(routes, r => r.Value.Contains("\"leader\":null", StringComparison.Ordinal)).Key;
            Uri EdgeOn(string node) => edges[nodes.ToList().IndexOf(node)];
            var follower = EdgeOn(routes.Keys.Single(n => n != judge));
            var answers = new System.Collections.Concurrent.ConcurrentBag<(System.Net.HttpStatusCode Status, string? Version)>();
            CliResult aborted;
            while (!running.IsCompleted)
            {
                using var response = await Http.Client.GetAsync(EdgeOn(judge), Ct);
                answers.Add((response.StatusCode, response.Headers.TryGetValues("X-Slipway-Version", out var v) ? v.Single() : null));
                Assert.True(answers.Count < 5000, "the judge aborted the failing canary within 5,000 requests");
            }
            aborted = await running;
            Assert.True(aborted.ExitCode == 1, aborted.All);
            Assert.Contains($"canary {failing} aborted: 5xx rate", aborted.Stderr);
            Assert.Contains("takes every request again on every edge", aborted.Stderr);
            Assert.Contains("on 2 edge(s)", aborted.Stderr);
            Assert.DoesNotContain(answers, a => a.Version == v1 && a.Status != System.Net.HttpStatusCode.OK);
            Assert.Contains(answers, a => a.Version == failing && a.Status == System.Net.HttpStatusCode.InternalServerError);
            for (var i = 0; i < 10; i++) Assert.Equal(v1, await VersionAtAsync(follower)); // no share left on the edge that saw no failure
            foreach (var edge in edges) Assert.Equal(v1, await VersionAtAsync(edge));
            Assert.Empty(await SwarmApps.ServicesOfAsync(engine, app, failing));

            // A canary that holds is promoted on both edges when its time is up.
            app.Repo.Write("app/app.py", CanaryAppCode(failing: false) + "\n# v3\n");
            var holding = app.Repo.Commit("holds");
            var promoted = await app.RunAsync("up", "-e", "swarm", "--canary", "50", "--for", "3s");
            promoted.Succeeded();
            Assert.Contains("canary promoted", promoted.Stderr);
            foreach (var edge in edges) Assert.Equal(holding, await VersionAtAsync(edge));
            var status = await app.RunAsync("status", "-e", "swarm", "--json");
            status.Succeeded();
            var json = System.Text.Json.JsonDocument.Parse(status.Stdout).RootElement;
            Assert.Equal("promoted", json.GetProperty("lastCanary").GetProperty("outcome").GetString());
            Assert.DoesNotContain("disagree", status.Stdout);

            // Each edge serves the metrics on its overlay address (for a Prometheus on that network), and no node publishes the port.
            foreach (var edgeTask in edgeTasks)
            {
                var scraped = new System.Text.StringBuilder();
                var code = await engine.ExecAsync(relay.ContainerId!, ["python3", "-c",
                    $"import urllib.request; print(urllib.request.urlopen('http://{edgeTask.Addresses[SwarmNames.EdgeNetwork]}:{metricsPort}/metrics', timeout=10).read().decode())"],
                    line => scraped.AppendLine(line), Ct);
                Assert.True(code == 0, scraped.ToString());
                Assert.Contains($"slipway_edge_requests_total{{app=\"{app.Name}\"", scraped.ToString());
            }
            foreach (var node in swarm.Nodes)
                await Assert.ThrowsAsync<HttpRequestException>(() => Http.Client.GetAsync($"http://{node.Address}:{metricsPort}/metrics", Ct));
            await SwarmApps.DestroyAsync(app, swarm);
        }
        finally
        {
            foreach (var node in nodes) await Shell.RunAsync($"docker -H {swarm.Manager.DockerHost} node update --label-rm {SwarmNames.EdgeNodeLabel} {node} >/dev/null", Ct);
        }
    }

    /// <summary>An edge's route of the app as JSON, asked at its control gate from the relay's container with the cluster's token.</summary>
    private static async Task<string> RouteThroughGateAsync(Slipway.Engine.DockerEngine engine, string relay, Slipway.Engine.SwarmTask edge, string app)
    {
        var script = $$"""
            import socket
            token = open("{{SwarmNames.TokenFile}}").read().strip()
            s = socket.create_connection(("{{edge.Addresses[SwarmNames.EdgeNetwork]}}", {{SwarmNames.ControlGatePort}}), timeout=10)
            s.sendall(("SLIPWAY-CONTROL " + token + "\nGET /_slipway/v1/routes/{{app}} HTTP/1.0\r\nHost: slipway-edge\r\n\r\n").encode())
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            print(data.decode())
            """;
        var output = new System.Text.StringBuilder();
        await engine.ExecAsync(relay, ["python3", "-c", script], line => output.Append(line), Ct);
        return output.ToString();
    }

    private static async Task<string?> VersionAtAsync(Uri edge)
    {
        using var response = await Http.Client.GetAsync(edge, Ct);
        return response.Headers.TryGetValues("X-Slipway-Version", out var v) ? v.Single() : null;
    }
}
