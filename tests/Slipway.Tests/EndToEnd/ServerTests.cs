using Slipway.Platforms;
using Slipway.Tests.Support;

namespace Slipway.Tests.EndToEnd;

/// <summary>
/// Slipway deploying to a server it reaches only over ssh, as from a laptop or a CI job: the server is a network namespace
/// with its own engine and sshd (<see cref="TestServer"/>), and nothing of the deployment lives on this machine.
/// </summary>
[Trait("Tier", "engine")]
public sealed class ServerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_app_deployed_over_ssh_is_served_on_the_servers_address_and_comes_back_after_a_power_cut()
    {
        await using var server = await TestServer.StartAsync(Ct);
        await using var app = new LocalApp("srv", dockerHost: server.DockerHost, address: server.Address, cliEnvironment: server.CliEnvironment());
        app.WriteManifest(extra: $"engine: {server.SshEngine}");
        var up = await app.RunAsync("up");

        up.Succeeded();
        Assert.Equal($"http://{server.Address}:{app.Port}/", up.Stdout.Trim().Split('\n')[^1]);
        Assert.Equal(app.FirstVersion, (await app.GetAsync()).Version); // from this machine, through the server's address
        using (var engine = TestEngine.Create(server.DockerHost))
        {
            Assert.Equal(2, (await engine.ListContainersAsync(ReleaseLabels.ForApp(app.Name), Ct)).Count);
            Assert.NotNull(await engine.InspectContainerAsync("slipway-edge", Ct)); // the server's edge, a container of its engine
        }
        using (var local = TestEngine.Create())
            Assert.Empty(await local.ListContainersAsync(ReleaseLabels.ForApp(app.Name), Ct)); // nothing runs here

        var (requests, logins) = (server.EngineRequests(), server.SshLogins());
        var again = await app.RunAsync("up");
        again.Succeeded();
        // One ssh login at most (the first run's shared one serves a minute more), and a bounded count of engine requests.
        Assert.InRange(server.SshLogins() - logins, 0, 1);
        var asked = server.EngineRequests() - requests;
        TestContext.Current.TestOutputHelper?.WriteLine($"a no-op up asked the server's engine {asked} times");
        Assert.InRange(asked, 1, 10); // 8 here: two channels' pings, the negotiation's and the version's, two lists, one exec (the edge's info and routes)
        Assert.Contains($"nothing to do: {app.Name} {app.FirstVersion} already serves on 2 healthy replica(s)", again.All);

        await server.PowerCycleAsync(Ct); // every process of the server killed, then its sshd and engine started as a boot would

        // No CLI runs: the engine brings back the edge and the replicas, and the edge its routes.
        await Eventually.WaitUntilAsync(async () => await app.TryGetVersionAsync() == app.FirstVersion,
            TimeSpan.FromSeconds(60), "the app is served again after the power cut");
        var status = await app.RunAsync("status");
        status.Succeeded();
        Assert.Contains(app.FirstVersion, status.Stdout);
    }

    [Fact]
    public async Task A_host_key_that_is_not_known_a_refused_login_and_a_closed_port_are_each_one_line_and_change_nothing()
    {
        await using var server = await TestServer.StartAsync(Ct);
        await using var app = new LocalApp("srvfail", dockerHost: server.DockerHost, address: server.Address);
        var known = File.ReadAllText(server.KnownHosts);
        async Task<CliResult> UpAsync(string engine, string sshCommand)
        {
            app.WriteManifest(extra: $"engine: {engine}");
            return await app.Cli.RunAsync(["up", "-f", app.ManifestPath], new Dictionary<string, string> { ["SLIPWAY_SSH_COMMAND"] = sshCommand }, Ct);
        }

        File.WriteAllText(server.KnownHosts, "");
        var unknownKey = await UpAsync(server.SshEngine, server.SshCommand);
        File.WriteAllText(server.KnownHosts, known);
        var refused = await UpAsync(server.SshEngine, server.SshCommandWith(await server.StrangerKeyAsync(Ct)));
        var closed = await UpAsync($"ssh://root@{server.Address}:2222", server.SshCommand);

        Assert.Equal((1, $"error: {server.SshEngine}: the server's host key is not known; nothing was changed"), (unknownKey.ExitCode, Error(unknownKey)));
        Assert.StartsWith($"hint: log in once with ssh root@{server.Address}", unknownKey.Stderr.Split('\n').SkipWhile(l => !l.StartsWith("error:")).ElementAt(1));
        Assert.Equal((1, $"error: {server.SshEngine}: the server refused the login of root; nothing was changed"), (refused.ExitCode, Error(refused)));
        Assert.Equal((1, $"error: ssh://root@{server.Address}:2222: the server refused the connection on port 2222; nothing was changed"),
            (closed.ExitCode, Error(closed)));
        using var engine = TestEngine.Create(server.DockerHost);
        Assert.Empty(await engine.ListContainersAsync(new Dictionary<string, string>(), Ct));
    }

    [Fact]
    public async Task An_engine_on_tcp_with_tls_is_deployed_to_with_the_docker_clis_certificates_and_a_wrong_ca_is_refused()
    {
        await using var server = await TestServer.StartAsync(Ct, withTls: true);
        var tls = new Dictionary<string, string> { ["DOCKER_TLS_VERIFY"] = "1", ["DOCKER_CERT_PATH"] = server.ClientCertificates };
        await using var app = new LocalApp("srvtls", dockerHost: server.DockerHost, address: server.Address, cliEnvironment: tls);
        app.WriteManifest(extra: $"engine: {server.TlsEngine}");

        var up = await app.RunAsync("up");

        up.Succeeded();
        Assert.Contains($"at {server.TlsEngine}, edge proxy slipway-edge", up.Stderr);
        Assert.Equal(app.FirstVersion, (await app.GetAsync()).Version);
        using var strangers = new TempDirectory("slw-ca");
        await Shell.RunAsync($"cp {server.ClientCertificates}/*.pem {strangers.Path}/ && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
                             + $"-nodes -days 1 -subj /CN=other-ca -keyout {strangers.Path}/k.pem -out {strangers.Path}/ca.pem 2>/dev/null", Ct);
        var refused = await app.Cli.RunAsync(["status", "-f", app.ManifestPath], new Dictionary<string, string> { ["DOCKER_CERT_PATH"] = strangers.Path }, Ct);
        Assert.Equal(1, refused.ExitCode);
        Assert.StartsWith($"error: the container engine at {server.TlsEngine} failed the TLS handshake: ", Error(refused));
    }

    private static string Error(CliResult result) => result.Stderr.Split('\n').FirstOrDefault(l => l.StartsWith("error:", StringComparison.Ordinal)) ?? result.All;
}
