using System.Diagnostics;
using System.Globalization;

namespace Slipway.Tests.Support;

/// <summary>
/// A server, as far as Slipway can tell: a network namespace the test creates, joined to this machine by a veth pair, with a
/// private /run (so /var/run/docker.sock inside is its own), its own dockerd (Debian 12's, own data root) and its own sshd on
/// the namespace's address, logging root in with a key made for the test. The CLI reaches it over ssh:// only; the test also
/// reaches its engine on a socket in the test's folder. Removed with every process, mount and file it made.
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    private static int _next;
    private readonly TempDirectory _dir = new("slw-srv");
    private readonly string _name;
    private Process? _anchor;
    private Process? _dockerd;
    private Process? _sshd;

    private TestServer(int index, ServerLink? link)
    {
        var tag = $"{Environment.ProcessId % 1000:D3}{index % 100:D2}";
        var third = (Environment.ProcessId + index * 11) % 250 + 1;
        _link = link ?? ServerLink.ToThisMachine($"slw-srv-{tag}", $"slws{tag}", $"10.252.{third}.1", $"10.252.{third}.2");
        _name = _link.Namespace;
        HostAddress = _link.HostAddress;
        Address = _link.Address;
    }

    private readonly ServerLink _link;

    /// <summary>The server's address: its sshd and the apps' ports listen there.</summary>
    public string Address { get; }

    /// <summary>Its network namespace (under /var/run/netns).</summary>
    public string Namespace => _name;

    /// <summary>This machine's address as the server sees it.</summary>
    public string HostAddress { get; }

    /// <summary>The engine address a user would give: root's login on the server.</summary>
    public string SshEngine => $"ssh://root@{Address}";

    /// <summary>The server's engine, for the test's own checks (never the CLI's way in).</summary>
    public string DockerHost => $"unix://{Path.Combine(_dir.Path, "docker.sock")}";

    /// <summary>The server's own folder on this machine (its engine's data, its logs).</summary>
    public string Folder => _dir.Path;
    private string Key => Path.Combine(Folder, "id_ed25519");
    public string KnownHosts => Path.Combine(Folder, "known_hosts");

    /// <summary>The ssh command line the CLI uses (SLIPWAY_SSH_COMMAND): the test's key and known_hosts, no user config.</summary>
    public string SshCommand => SshCommandWith(Key);

    /// <summary>The same with another key (one the server does not know, say).</summary>
    public string SshCommandWith(string key) => $"ssh -F /dev/null -i {key} -o IdentitiesOnly=yes -o UserKnownHostsFile={KnownHosts}";

    /// <summary>A key made for the test that the server does not let in.</summary>
    public async Task<string> StrangerKeyAsync(CancellationToken ct)
    {
        var key = Path.Combine(Folder, "stranger");
        if (!File.Exists(key)) await Shell.RunAsync($"ssh-keygen -q -t ed25519 -N '' -f {key}", ct);
        return key;
    }

    /// <summary>The environment a CLI run needs to deploy to this server as a user would (the engine is the manifest's).</summary>
    public Dictionary<string, string> CliEnvironment() => new() { ["SLIPWAY_SSH_COMMAND"] = SshCommand };

    /// <summary>Where the engine answers over TLS (<c>withTls</c>): the docker CLI's port, client certificates required.</summary>
    public string TlsEngine => $"tcp://{Address}:2376";

    /// <summary>The client's ca.pem, cert.pem and key.pem, as DOCKER_CERT_PATH wants them.</summary>
    public string ClientCertificates => Path.Combine(Folder, "client");

    private bool _tls;
    private IReadOnlyList<string> _engineFlags = [];

    /// <param name="withTls">The engine also listens on <see cref="TlsEngine"/> with a CA, server and client certificates made for the test.</param>
    /// <param name="link">How the server's namespace is wired (a node of a <see cref="TestSwarm"/>); null: a veth pair to this machine.</param>
    /// <param name="engineFlags">More flags for its dockerd (a cluster's insecure registry).</param>
    /// <param name="withBaseImage">The local base image loaded into its engine (where Slipway builds); a swarm's worker pulls
    /// every image it runs from the cluster's registry and does without.</param>
    public static async Task<TestServer> StartAsync(CancellationToken ct, bool withTls = false, ServerLink? link = null,
        IReadOnlyList<string>? engineFlags = null, bool withBaseImage = true)
    {
        Assert.True(File.Exists("/usr/sbin/sshd"), "/usr/sbin/sshd is missing: run WITH_TESTS=1 scripts/install.sh as root");
        var server = new TestServer(Interlocked.Increment(ref _next), link) { _tls = withTls, _engineFlags = engineFlags ?? [] };
        try
        {
            var phases = new StartPhases();
            await server.CreateNetworkAsync(ct);
            if (withTls) await server.MakeCertificatesAsync(ct);
            server.StartAnchor();
            phases.Done("network");
            await server.StartSshdAsync(ct);
            phases.Done("sshd");
            await server.StartEngineAsync(ct);
            phases.Done("engine");
            if (withBaseImage)
            {
                await Shell.RunAsync($"docker save {TestEngine.BaseImage} | docker -H {server.DockerHost} load -q", ct);
                phases.Done("base image");
            }
            TestContext.Current.TestOutputHelper?.WriteLine($"server {server.Address} started: {phases}");
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private async Task CreateNetworkAsync(CancellationToken ct) => await Shell.RunAsync(_link.Create, ct);

    /// <summary>The process that holds the server's mount namespace (its private /run); its daemons are entered into it.</summary>
    private void StartAnchor()
    {
        var start = new ProcessStartInfo("nsenter") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var arg in new[] { $"--net=/var/run/netns/{_name}", "unshare", "-m", "--propagation", "private", "sh", "-c",
                     "mount -t tmpfs -o mode=755 tmpfs /run && mkdir -p /run/sshd && echo ready && exec sleep infinity" })
            start.ArgumentList.Add(arg);
        _anchor = Process.Start(start)!;
        Assert.Equal("ready", _anchor.StandardOutput.ReadLine());
    }

    /// <summary>A command run inside the server (its network and mounts).</summary>
    public ProcessStartInfo Inside(params string[] command)
    {
        var start = new ProcessStartInfo("nsenter");
        foreach (var arg in new[] { "-t", _anchor!.Id.ToString(CultureInfo.InvariantCulture), "-m", "-n", "--" }.Concat(command))
            start.ArgumentList.Add(arg);
        return start;
    }

    private async Task StartSshdAsync(CancellationToken ct)
    {
        await Shell.RunAsync($"ssh-keygen -q -t ed25519 -N '' -f {Folder}/host_key && ssh-keygen -q -t ed25519 -N '' -f {Key}"
                             + $" && cp {Key}.pub {Folder}/authorized_keys && chmod 600 {Folder}/authorized_keys", ct);
        File.WriteAllText(KnownHosts, $"{Address} {File.ReadAllText(Path.Combine(Folder, "host_key.pub")).Trim()}\n");
        File.WriteAllText(Path.Combine(Folder, "sshd_config"), $"""
            ListenAddress {Address}
            Port 22
            HostKey {Folder}/host_key
            AuthorizedKeysFile {Folder}/authorized_keys
            PidFile {Folder}/sshd.pid
            PermitRootLogin prohibit-password
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            StrictModes no
            Subsystem sftp internal-sftp
            """);
        var sshd = Inside("/usr/sbin/sshd", "-D", "-e", "-f", Path.Combine(Folder, "sshd_config"));
        _sshd = TestDaemon.Start(sshd, Path.Combine(Folder, "sshd.log"), ct);
        for (var i = 0; ; i++)
        {
            var (exit, _) = await Shell.OutputAsync($"{SshCommand} -o BatchMode=yes -o ConnectTimeout=2 root@{Address} true", ct);
            if (exit == 0) return;
            Assert.True(i < 100 && !_sshd.HasExited, $"the test server's sshd did not let root in: see {Folder}/sshd.log");
            await Task.Delay(100, ct);
        }
    }

    /// <summary>A CA of the test's, the engine's certificate for its address, and a client's: what dockerd --tlsverify and DOCKER_CERT_PATH use.</summary>
    private async Task MakeCertificatesAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(ClientCertificates);
        var (d, c) = (Folder, ClientCertificates);
        await Shell.RunAsync(string.Join(" && ",
            $"openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=test-ca -keyout {d}/ca-key.pem -out {d}/ca.pem",
            $"openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=server -keyout {d}/server-key.pem -out {d}/server.csr",
            $"printf 'subjectAltName=IP:{Address}\nextendedKeyUsage=serverAuth\n' > {d}/server.ext",
            $"openssl x509 -req -in {d}/server.csr -CA {d}/ca.pem -CAkey {d}/ca-key.pem -CAcreateserial -days 2 -extfile {d}/server.ext -out {d}/server-cert.pem",
            $"openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=client -keyout {c}/key.pem -out {d}/client.csr",
            $"printf 'extendedKeyUsage=clientAuth\n' > {d}/client.ext",
            $"openssl x509 -req -in {d}/client.csr -CA {d}/ca.pem -CAkey {d}/ca-key.pem -CAcreateserial -days 2 -extfile {d}/client.ext -out {c}/cert.pem",
            $"cp {d}/ca.pem {c}/ca.pem") + " 2>/dev/null", ct);
    }

    private async Task StartEngineAsync(CancellationToken ct)
    {
        File.WriteAllText(Path.Combine(Folder, "daemon.json"), "{}");
        string[] tls = _tls
            ? ["--tlsverify", "--tlscacert", Path.Combine(Folder, "ca.pem"), "--tlscert", Path.Combine(Folder, "server-cert.pem"),
               "--tlskey", Path.Combine(Folder, "server-key.pem"), "-H", TlsEngine]
            : [];
        var dockerd = Inside(["dockerd", "--debug", "--config-file", Path.Combine(Folder, "daemon.json"), "--data-root", Path.Combine(Folder, "data"),
            "--exec-root", Path.Combine(Folder, "exec"), "--pidfile", Path.Combine(Folder, "docker.pid"),
            "-H", "unix:///run/docker.sock", "-H", DockerHost, .. tls, .. _engineFlags]);
        var log = Path.Combine(Folder, "dockerd.log");
        _dockerd = TestDaemon.Start(dockerd, log, ct);
        await TestDaemon.WaitUntilAnswersAsync(_dockerd, log, DockerHost, "the test server's dockerd", ct);
    }

    /// <summary>How many API requests the server's engine has answered so far (its debug log names each one).</summary>
    public int EngineRequests() => File.ReadLines(Path.Combine(Folder, "dockerd.log")).Count(l => l.Contains("msg=\"Calling ", StringComparison.Ordinal));

    /// <summary>How many ssh logins the server's sshd has let in so far.</summary>
    public int SshLogins() => File.ReadLines(Path.Combine(Folder, "sshd.log")).Count(l => l.StartsWith("Accepted publickey", StringComparison.Ordinal));

    /// <summary>
    /// A power cut: every process of the server killed at once (its engine, containerd, shims, sshd and every container's
    /// processes), then sshd and the engine started again as a boot would. Nothing is stopped cleanly.
    /// </summary>
    public async Task PowerCycleAsync(CancellationToken ct)
    {
        await PowerOffAsync(ct);
        await PowerOnAsync(ct);
    }

    /// <summary>A power cut and nothing after it: every process of the server killed at once, as a node lost with its machine.</summary>
    public async Task PowerOffAsync(CancellationToken ct)
    {
        var (_, ids) = await Shell.OutputAsync($"docker -H {DockerHost} ps -q --no-trunc", ct);
        var cgroups = ids.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(id => $"/sys/fs/cgroup/pids/docker/{id}/cgroup.procs");
        var anchor = _anchor!.Id;
        await Shell.RunAsync(
            $"for f in {string.Join(' ', cgroups)}; do [ -e $f ] && xargs -r kill -9 < $f; done; "
            + $"for p in $(ip netns pids {_name}); do [ $p != {anchor} ] && kill -9 $p 2>/dev/null; done; true", ct);
        foreach (var daemon in new[] { _dockerd, _sshd }) await daemon!.WaitForExitAsync(ct);
    }

    /// <summary>Whether its engine is down (after <see cref="PowerOffAsync"/>, before <see cref="PowerOnAsync"/>).</summary>
    public bool IsPoweredOff => _dockerd is null || _dockerd.HasExited;

    /// <summary>The server booting after <see cref="PowerOffAsync"/>: sshd and the engine started again.</summary>
    public async Task PowerOnAsync(CancellationToken ct)
    {
        var anchor = _anchor!.Id;
        // A boot starts with an empty /run, where the engine's exec root (its containerd's pid file and sockets) lives.
        await Shell.RunAsync($"grep -o ' {Folder}/exec[^ ]*\\| {Folder}/data[^ ]*' /proc/{anchor}/mounts | sort -r | xargs -r -n1 nsenter -t {anchor} -m umount -l; "
                             + $"rm -rf {Folder}/exec {Folder}/docker.pid {Folder}/sshd.pid; true", ct);
        _sshd = TestDaemon.Start(Inside("/usr/sbin/sshd", "-D", "-e", "-f", Path.Combine(Folder, "sshd_config")), Path.Combine(Folder, "sshd.log"), ct);
        await StartEngineAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        await TestDaemon.StopAsync(_dockerd); // it stops its containers itself
        await Shell.RunAsync($"for p in $(ip netns pids {_name} 2>/dev/null); do kill -9 $p 2>/dev/null; done; "
                             + _link.Remove + "; "
                             + $"grep -o '{Folder}[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l; true", CancellationToken.None);
        foreach (var process in new[] { _dockerd, _sshd, _anchor })
        {
            if (process is null) continue;
            try { if (!process.HasExited) process.Kill(entireProcessTree: true); }
            catch (InvalidOperationException) { }
            process.Dispose();
        }
        _dir.Dispose();
    }
}

/// <summary>How a test server's network namespace is made and removed, and its addresses.</summary>
/// <param name="HostAddress">This machine's address as the server sees it, its default route.</param>
public sealed record ServerLink(string Namespace, string Address, string HostAddress, string Create, string Remove)
{
    /// <summary>A namespace joined to this machine by a veth pair of its own: a /30, this machine its gateway.</summary>
    public static ServerLink ToThisMachine(string ns, string hostSide, string hostAddress, string address) => new(ns, address, hostAddress,
        string.Join(" && ", VethNamespace.Commands(ns, hostSide, hostAddress, address)
            .Append($"nsenter --net=/var/run/netns/{ns} ip route add default via {hostAddress}")),
        VethNamespace.Removal(ns, hostSide));
}
