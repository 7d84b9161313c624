using Slipway.Engine;
using Slipway.Foundation;
using Slipway.Platforms;
using Slipway.Platforms.Swarm;

namespace Slipway.Tests.Platforms.Swarm;

/// <summary>A one-off's piped input on a swarm, as data: the program reads it from a secret's file, and too much is refused.</summary>
[Trait("Tier", "unit")]
public sealed class SwarmOneOffTests
{
    private static readonly SecretReference Input = new("id-1", "shop-run-abc123-stdin", SwarmOneOff.InputFile);
    private static readonly SwarmServiceSpec Plain = new() { Name = "shop-run-abc123", Image = "registry/shop@sha256:00", Command = ["psql", "-f", "-"] };

    [Fact]
    public void Without_secrets_the_images_entrypoint_and_the_command_read_the_input_file()
    {
        var spec = SwarmOneOff.WithInput(Plain, Input, ["/entry.sh"]);

        Assert.Equal(["/bin/sh", "-c", "exec \"$@\" < /run/secrets/slipway-stdin", "slipway-stdin", "/entry.sh", "psql", "-f", "-"], spec.Entrypoint);
        Assert.Null(spec.Command);
        Assert.Equal([Input], spec.Secrets);
    }

    [Fact]
    public void With_secrets_their_wrapper_runs_with_the_input_and_keeps_its_secrets()
    {
        var token = new SecretReference("id-0", "shop-v1-API_TOKEN", "API_TOKEN");
        var wrapped = Plain with { Entrypoint = SwarmSecrets.Entrypoint(["API_TOKEN"], [], ["psql"]), Command = null, Secrets = [token] };

        var spec = SwarmOneOff.WithInput(wrapped, Input, ["/never-used.sh"]);

        Assert.Equal(["/bin/sh", "-c", "exec \"$@\" < /run/secrets/slipway-stdin", "slipway-stdin", .. wrapped.Entrypoint!], spec.Entrypoint);
        Assert.Equal([token, Input], spec.Secrets);
    }

    [Fact]
    public void Exec_on_another_node_runs_once_there_through_that_nodes_engine_in_the_tasks_container()
    {
        var task = new SwarmTask("t1", "s1", "node-b", 2, "running", "running", null, null, "c0ffee", new Dictionary<string, string>(), DateTimeOffset.UnixEpoch);

        var spec = SwarmOneOff.ExecOnNode("shop-v1", "shop", task, "slipway-edge@sha256:11", "/run/engines/{{.Node.ID}}.sock", ["env"], "exec-ab12cd");

        Assert.Equal("shop-v1-exec-ab12cd", spec.Name);
        Assert.Equal("slipway-edge@sha256:11", spec.Image);
        Assert.True(spec.RunOnce);
        Assert.Equal(1, spec.Replicas);
        Assert.Equal(["node.id==node-b"], spec.Constraints);
        Assert.Equal([("/run/engines/{{.Node.ID}}.sock", "/var/run/docker.sock")], spec.Binds);
        Assert.Equal(["exec", "c0ffee", "--", "env"], spec.Command);
        Assert.Empty(spec.OnlyCapabilities!);
        Assert.Equal("shop", spec.Labels[ReleaseLabels.App]);
        Assert.Equal("exec-ab12cd", spec.Labels[SwarmOneOff.Label]);
    }

    [Fact]
    public async Task Input_up_to_what_a_secret_holds_is_read_whole_and_more_is_one_clear_refusal()
    {
        var most = new byte[SwarmOneOff.MaxInput];
        Assert.Equal(SwarmOneOff.MaxInput, (await SwarmOneOff.ReadInputAsync(new MemoryStream(most), TestContext.Current.CancellationToken)).Length);

        var error = await Assert.ThrowsAsync<SlipwayException>(() =>
            SwarmOneOff.ReadInputAsync(new MemoryStream(new byte[SwarmOneOff.MaxInput + 1]), TestContext.Current.CancellationToken));
        Assert.Equal(ErrorCode.InvalidSetting, error.Code);
        Assert.StartsWith("run -i: the input is over 500 KiB", error.Message);
    }
}

/// <summary>The <c>swarm:</c> section: where each node's engine answers, for exec on another node.</summary>
[Trait("Tier", "unit")]
public sealed class SwarmSpecTests
{
    private static SwarmSpec Read(string swarm) =>
        Support.Manifests.Parse($"app: shop\nsource:\n  git: x\nswarm:\n  registry: 10.0.0.2:5000\n{swarm}", "/nonexistent/slipway.yaml", environment: "swarm").Swarm();

    [Fact]
    public void Each_nodes_engine_socket_defaults_to_dockers_and_may_name_the_node()
    {
        Assert.Equal("/var/run/docker.sock", Read("").EngineSocket);
        Assert.Equal("/run/engines/{{.Node.ID}}.sock", Read("  engineSocket: \"/run/engines/{{.Node.ID}}.sock\"\n").EngineSocket);
    }

    [Theory]
    [InlineData("run/docker.sock")]
    [InlineData("/run/{{.Task.Name}}.sock")]
    [InlineData("/run/docker.sock; rm -rf /")]
    public void A_socket_that_is_not_an_absolute_path_of_the_node_is_refused_naming_the_key(string socket)
    {
        var error = Assert.ThrowsAny<Exception>(() => Read($"  engineSocket: \"{socket}\"\n"));
        Assert.Contains($"swarm.engineSocket: \"{socket}\" is not an absolute path", error.Message);
    }
}
