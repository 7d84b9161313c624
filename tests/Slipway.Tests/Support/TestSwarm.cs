namespace Slipway.Tests.Support;

/// <summary>
/// A Docker Swarm of test servers on this machine: each node a <see cref="TestServer"/> (its own namespace, dockerd and
/// sshd; only the manager, where Slipway builds, has the base image), all on one switch (a bridge in a namespace of its
/// own, which this machine joins too), the first node the manager, and Debian's docker-registry on the manager's address
/// as the registry every node pulls from. The overlay
/// address pool is the cluster's own. Removed with every node, the switch and the registry's files.
/// </summary>
public sealed class TestSwarm : IAsyncDisposable
{
    private static int _next;
    private readonly string _switch;
    private readonly string _uplink;
    private readonly string _subnet;
    private readonly List<TestServer> _nodes = [];
    private System.Diagnostics.Process? _registry;

    private TestSwarm(int index)
    {
        var tag = $"{Environment.ProcessId % 1000:D3}{index % 100:D2}";
        _switch = $"slw-sw-{tag}";
        _uplink = $"slwu{tag}";
        _subnet = $"10.253.{(Environment.ProcessId + index * 7) % 250 + 1}";
        Tag = tag;
    }

    private string Tag { get; }

    public IReadOnlyList<TestServer> Nodes => _nodes;
    public TestServer Manager => _nodes[0];

    /// <summary>This machine's address on the cluster's switch.</summary>
    public string HostAddress => $"{_subnet}.1";

    /// <summary>The registry every node pulls from (plain HTTP, trusted by each node's engine).</summary>
    public string Registry => $"{_subnet}.11:5000";

    private string NodeAddress(int node) => $"{_subnet}.{11 + node}";

    public static async Task<TestSwarm> StartAsync(int nodes, CancellationToken ct)
    {
        Assert.True(File.Exists("/usr/bin/docker-registry"), "/usr/bin/docker-registry is missing: run WITH_TESTS=1 scripts/install.sh as root");
        var swarm = new TestSwarm(Interlocked.Increment(ref _next));
        try
        {
            var phases = new StartPhases();
            await Shell.RunAsync(swarm.SwitchCommands(), ct);
            phases.Done("switch");
            var started = await Task.WhenAll(Enumerable.Range(0, nodes).Select(i => TestServer.StartAsync(ct, link: swarm.NodeLink(i),
                engineFlags: ["--insecure-registry", swarm.Registry], withBaseImage: i == 0)));
            swarm._nodes.AddRange(started);
            phases.Done("nodes");
            await swarm.StartRegistryAsync(ct);
            phases.Done("registry");
            await swarm.FormAsync(ct);
            phases.Done("swarm");
            await swarm.LinkEngineSocketsAsync(ct);
            TestContext.Current.TestOutputHelper?.WriteLine($"a {nodes}-node swarm started: {phases}");
            return swarm;
        }
        catch
        {
            await swarm.DisposeAsync();
            throw;
        }
    }

    private string Switch(string command) => $"nsenter --net=/var/run/netns/{_switch} {command}";

    private string SwitchCommands() => string.Join(" && ",
        $"ip netns add {_switch}",
        Switch("ip link set lo up"),
        Switch("ip link add br0 type bridge"),
        Switch("ip link set br0 up"),
        $"ip link add {_uplink} type veth peer name {_uplink}p",
        $"ip link set {_uplink}p netns {_switch}",
        Switch($"ip link set {_uplink}p master br0"),
        Switch($"ip link set {_uplink}p up"),
        $"ip addr add {HostAddress}/24 dev {_uplink}",
        $"ip link set {_uplink} up");

    /// <summary>A node's namespace, with one end of its veth pair on the switch.</summary>
    private ServerLink NodeLink(int node)
    {
        var (ns, veth, address) = ($"slw-nd-{Tag}-{node}", $"slwn{Tag}{node}", NodeAddress(node));
        string Inside(string command) => $"nsenter --net=/var/run/netns/{ns} {command}";
        return new ServerLink(ns, address, HostAddress, string.Join(" && ",
            $"ip netns add {ns}",
            $"ip link add {veth} type veth peer name {veth}p",
            $"ip link set {veth} netns {_switch}",
            Switch($"ip link set {veth} master br0"),
            Switch($"ip link set {veth} up"),
            $"ip link set {veth}p netns {ns}",
            Inside("ip link set lo up"),
            Inside($"ip addr add {address}/24 dev {veth}p"),
            Inside($"ip link set {veth}p up"),
            Inside($"ip route add default via {HostAddress}")),
            $"ip netns del {ns} 2>/dev/null; true");
    }

    private async Task StartRegistryAsync(CancellationToken ct)
    {
        var folder = Path.Combine(Manager.Folder, "registry");
        Directory.CreateDirectory(folder);
        var config = Path.Combine(folder, "config.yml");
        File.WriteAllText(config, $"""
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: {folder}/data
              delete:
                enabled: true
            http:
              addr: {Registry}
            """);
        var log = Path.Combine(folder, "registry.log");
        _registry = TestDaemon.Start(Manager.Inside("/usr/bin/docker-registry", "serve", config), log, ct);
        for (var i = 0; ; i++)
        {
            var (exit, _) = await Shell.OutputAsync($"curl -sf -o /dev/null --max-time 2 http://{Registry}/v2/", ct);
            if (exit == 0) return;
            Assert.True(i < 600 && !_registry.HasExited, $"the cluster's registry did not answer within 60 s: see {log}");
            await Task.Delay(100, ct);
        }
    }

    /// <summary>The first node initialises the swarm (on its own address, with the cluster's own overlay pool); the others join as workers.</summary>
    private async Task FormAsync(CancellationToken ct)
    {
        await Shell.RunAsync($"docker -H {Manager.DockerHost} swarm init --advertise-addr {Manager.Address} --listen-addr {Manager.Address}:2377"
                             + " --default-addr-pool 10.201.0.0/16 >/dev/null", ct);
        var (_, token) = await Shell.OutputAsync($"docker -H {Manager.DockerHost} swarm join-token -q worker", ct);
        await Task.WhenAll(_nodes.Skip(1).Select(node => Shell.RunAsync(
            $"docker -H {node.DockerHost} swarm join --token {token.Trim()} --advertise-addr {node.Address} {Manager.Address}:2377 >/dev/null", ct)));
        await WaitUntilReadyAsync(ct);
    }

    /// <summary>
    /// The cluster as a test on a shared one expects it: every node powered on (a worker a test cut off boots again), all of
    /// them ready, and no node labelled for the edge.
    /// </summary>
    public async Task EnsureWholeAsync(CancellationToken ct)
    {
        foreach (var node in _nodes.Skip(1).Where(n => n.IsPoweredOff)) await node.PowerOnAsync(ct);
        var ids = await NodeIdsAsync(ct);
        foreach (var id in ids)
            await Shell.RunAsync($"docker -H {Manager.DockerHost} node update --label-rm {Slipway.Platforms.Swarm.SwarmNames.EdgeNodeLabel} {id} >/dev/null 2>&1; true", ct);
        await WaitUntilReadyAsync(ct);
    }

    /// <summary>
    /// Waits until every node's engine is an active member again and the manager counts every node ready (a node that just
    /// went down is still counted ready until its heartbeat is missed, so the manager's word alone is not enough).
    /// </summary>
    public async Task WaitUntilReadyAsync(CancellationToken ct)
    {
        for (var i = 0; ; i++)
        {
            var members = await Task.WhenAll(_nodes.Select(async n =>
                (await Shell.OutputAsync($"docker -H {n.DockerHost} info --format '{{{{.Swarm.LocalNodeState}}}}' 2>/dev/null", ct)).Output.Trim()));
            var (_, ready) = await Shell.OutputAsync($"docker -H {Manager.DockerHost} node ls --format '{{{{.Status}}}}'", ct);
            if (members.All(m => m == "active") && ready.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(s => s == "Ready") == _nodes.Count) return;
            Assert.True(i < 1200, $"the swarm's nodes did not all become ready within 120 s: members {string.Join(", ", members)}; manager says {ready}");
            await Task.Delay(100, ct);
        }
    }

    /// <summary>
    /// The manager's power cut and boot (<see cref="TestServer.PowerCycleAsync"/>): the registry on its address starts again
    /// with it, as a service of the machine would.
    /// </summary>
    public async Task PowerCycleManagerAsync(CancellationToken ct)
    {
        await Manager.PowerCycleAsync(ct);
        await TestDaemon.StopAsync(_registry);
        _registry?.Dispose();
        await StartRegistryAsync(ct);
    }

    /// <summary>
    /// Where each node's engine answers, as <c>swarm.engineSocket</c> names it: the nodes share this machine's files, so each
    /// engine's socket is linked under its node's ID, which the swarm puts in the path for a task on that node.
    /// </summary>
    public string EngineSocket => Path.Combine(Manager.Folder, "engines", "{{.Node.ID}}.sock");

    private async Task LinkEngineSocketsAsync(CancellationToken ct)
    {
        var folder = Path.Combine(Manager.Folder, "engines");
        Directory.CreateDirectory(folder);
        var ids = await NodeIdsAsync(ct);
        for (var i = 0; i < _nodes.Count; i++)
            File.CreateSymbolicLink(Path.Combine(folder, $"{ids[i]}.sock"), _nodes[i].DockerHost["unix://".Length..]);
    }

    /// <summary>Each node's swarm ID, in the order of <see cref="Nodes"/>.</summary>
    public async Task<IReadOnlyList<string>> NodeIdsAsync(CancellationToken ct) =>
        await Task.WhenAll(_nodes.Select(async n => (await Shell.OutputAsync($"docker -H {n.DockerHost} info --format '{{{{.Swarm.NodeID}}}}'", ct)).Output.Trim()));

    public async ValueTask DisposeAsync()
    {
        await TestDaemon.StopAsync(_registry);
        _registry?.Dispose();
        // Workers first, so the manager is not left waiting on nodes that are already gone.
        foreach (var node in Enumerable.Reverse(_nodes)) await node.DisposeAsync();
        await Shell.RunAsync($"ip netns del {_switch} 2>/dev/null; ip link del {_uplink} 2>/dev/null; true", CancellationToken.None);
    }
}
