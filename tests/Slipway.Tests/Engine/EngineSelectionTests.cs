using System.Security.Cryptography;
using System.Text;
using Slipway.Engine;
using Slipway.Foundation;
using Slipway.Tests.Support;

namespace Slipway.Tests.Engine;

[Trait("Tier", "unit")]
public sealed class EngineSelectionTests : IDisposable
{
    private readonly TempDirectory _home = new("slw-dockercfg");

    public void Dispose() => _home.Dispose();

    private Func<string, string?> Env(params (string Name, string Value)[] values)
    {
        var map = values.ToDictionary(v => v.Name, v => v.Value);
        map.TryAdd("HOME", _home.Path);
        return name => map.GetValueOrDefault(name);
    }

    [Theory]
    [InlineData("unix:///run/podman/podman.sock", "unix", "/run/podman/podman.sock", null)]
    [InlineData("tcp://10.0.0.5:2375", "tcp", "10.0.0.5", 2375)]
    [InlineData("tcp://10.0.0.5", "tcp", "10.0.0.5", 2375)]
    [InlineData("tcp://[2001:db8::5]:2376", "tcp", "2001:db8::5", 2376)]
    [InlineData("ssh://deploy@203.0.113.7", "ssh", "203.0.113.7", null)]
    [InlineData("ssh://deploy@203.0.113.7:2222", "ssh", "203.0.113.7", 2222)]
    [InlineData("ssh://server.example", "ssh", "server.example", null)]
    [InlineData("ssh://deploy@[2001:db8::7]:22", "ssh", "2001:db8::7", 22)]
    public void An_engine_address_names_how_and_where_to_connect(string address, string kind, string where, int? port)
    {
        var dialer = EngineEndpoint.Parse(address).Dialer;

        switch (kind)
        {
            case "unix":
                Assert.Equal(where, Assert.IsType<UnixSocketDialer>(dialer).Path);
                break;
            case "tcp":
                var tcp = Assert.IsType<TcpDialer>(dialer);
                Assert.Equal((where, port), (tcp.Host, (int?)tcp.Port));
                break;
            default:
                var ssh = Assert.IsType<SshDialer>(dialer);
                Assert.Equal((where, port), (ssh.Target.Host, ssh.Target.Port));
                break;
        }
    }

    [Theory]
    [InlineData("ftp://server")]
    [InlineData("ssh://")]
    [InlineData("ssh://deploy@-oProxyCommand=evil")]
    [InlineData("ssh://deploy@host:70000")]
    [InlineData("ssh://deploy@host/path")]
    [InlineData("tcp://")]
    [InlineData("tcp://host:port")]
    [InlineData("unix://")]
    [InlineData("server:2375")]
    public void A_bad_address_is_one_error_naming_the_setting(string address)
    {
        var error = Assert.Throws<SlipwayException>(() => EngineEndpoint.Parse(address, "engine"));

        Assert.Equal(ErrorCode.InvalidSetting, error.Code);
        Assert.StartsWith($"engine: \"{address}\" is not an engine address", error.Message);
    }

    [Fact]
    public void The_environments_engine_wins_over_docker_host_which_wins_over_docker_context()
    {
        var env = Env(("DOCKER_HOST", "unix:///run/other.sock"), ("DOCKER_CONTEXT", "nowhere"));

        Assert.Equal("ssh://a@b", EngineSelection.Resolve("ssh://a@b", env).Display);
        Assert.Equal("unix:///run/other.sock", EngineSelection.Resolve(null, env).Display);
        Assert.Equal("unix:///var/run/docker.sock", EngineSelection.Resolve(null, Env()).Display);
    }

    [Fact]
    public void A_docker_context_is_read_from_the_docker_clis_store_with_its_tls_files()
    {
        var folder = WriteContext("prod", "tcp://10.1.2.3:2376", withTls: true);

        var endpoint = EngineSelection.Resolve(null, Env(("DOCKER_CONTEXT", "prod")));

        var tcp = Assert.IsType<TcpDialer>(endpoint.Dialer);
        Assert.Equal(("10.1.2.3", 2376), (tcp.Host, tcp.Port));
        Assert.Equal(new EngineTls(folder, Verify: true), tcp.Tls);
        Assert.Equal("tcp://10.1.2.3:2376 (context prod)", endpoint.Display);
    }

    [Fact]
    public void The_current_context_of_docker_context_use_applies_when_nothing_else_is_set()
    {
        WriteContext("box", "ssh://deploy@box.example", withTls: false);
        File.WriteAllText(Path.Combine(_home.Path, ".docker", "config.json"), """{"currentContext":"box"}""");

        var endpoint = EngineSelection.Resolve(null, Env());

        Assert.Equal("box.example", Assert.IsType<SshDialer>(endpoint.Dialer).Target.Host);
    }

    [Fact]
    public void An_unknown_context_is_one_error_with_the_command_that_lists_them()
    {
        var error = Assert.Throws<SlipwayException>(() => EngineSelection.Resolve("staging", Env()));

        Assert.Equal("engine: there is no Docker context named \"staging\"", error.Message);
        Assert.Contains("docker context ls", error.Hint);
    }

    [Fact]
    public void Tls_settings_come_from_docker_tls_verify_and_docker_cert_path()
    {
        var endpoint = EngineSelection.Resolve(null, Env(("DOCKER_HOST", "tcp://10.0.0.9:2376"), ("DOCKER_TLS_VERIFY", "1"), ("DOCKER_CERT_PATH", "/certs")));

        Assert.Equal(new EngineTls("/certs", Verify: true), Assert.IsType<TcpDialer>(endpoint.Dialer).Tls);
        Assert.Null(Assert.IsType<TcpDialer>(EngineSelection.Resolve(null, Env(("DOCKER_HOST", "tcp://10.0.0.9:2375"))).Dialer).Tls);
    }

    [Fact]
    public void Ssh_runs_the_users_own_ssh_without_prompts_sharing_one_login_and_asks_the_server_for_its_engine()
    {
        var dialer = new SshDialer(new SshTarget("deploy", "203.0.113.7", 2222));

        Assert.Equal(
            ["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-o", "ServerAliveInterval=15", "-o", "ControlMaster=auto",
             "-o", "ControlPath=/run/x/%C", "-o", "ControlPersist=60", "-l", "deploy", "-p", "2222", "--", "203.0.113.7", "docker", "system", "dial-stdio"],
            dialer.CommandLine("/run/x"));
    }

    [Fact]
    public void Slipway_ssh_command_replaces_the_ssh_program_and_its_options()
    {
        var endpoint = EngineSelection.Resolve("ssh://deploy@host", Env(("SLIPWAY_SSH_COMMAND", "ssh -i /keys/ci -o UserKnownHostsFile=/keys/known")));

        var line = Assert.IsType<SshDialer>(endpoint.Dialer).CommandLine("/c");
        Assert.Equal(["ssh", "-i", "/keys/ci", "-o", "UserKnownHostsFile=/keys/known", "-o", "BatchMode=yes"], line.Take(7));
    }

    private string WriteContext(string name, string host, bool withTls)
    {
        var id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)));
        var meta = Path.Combine(_home.Path, ".docker", "contexts", "meta", id);
        Directory.CreateDirectory(meta);
        File.WriteAllText(Path.Combine(meta, "meta.json"),
            new System.Text.Json.Nodes.JsonObject
            {
                ["Name"] = name, ["Metadata"] = new System.Text.Json.Nodes.JsonObject(),
                ["Endpoints"] = new System.Text.Json.Nodes.JsonObject { ["docker"] = new System.Text.Json.Nodes.JsonObject { ["Host"] = host, ["SkipTLSVerify"] = false } },
            }.ToJsonString());
        var tls = Path.Combine(_home.Path, ".docker", "contexts", "tls", id, "docker");
        if (withTls) Directory.CreateDirectory(tls);
        return tls;
    }
}
