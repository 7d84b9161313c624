using System.Text;
using System.Text.Json.Nodes;
using Slipway.Engine;
using Slipway.Platforms.EdgeControl;

namespace Slipway.Tests.Platforms.EdgeControl;

[Trait("Tier", "unit")]
public sealed class EdgeContainerTests
{
    private static JsonObject HostConfigOf(EdgeSite site, params (string, string)[] environment) =>
        EngineRequests.CreateContainerBody(EdgeContainer.Spec("slipway-edge:abc", site,
            name => environment.FirstOrDefault(e => e.Item1 == name).Item2))["HostConfig"]!.AsObject();

    [Fact]
    public void The_edge_runs_on_the_machines_network_restarted_by_the_engine_with_no_capability_but_low_ports()
    {
        var host = HostConfigOf(EdgeSite.OnServer);

        Assert.Equal("host", host["NetworkMode"]!.GetValue<string>());
        Assert.Equal("unless-stopped", host["RestartPolicy"]!["Name"]!.GetValue<string>());
        Assert.Equal(["ALL"], host["CapDrop"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Equal(["NET_BIND_SERVICE"], host["CapAdd"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.False(host.ContainsKey("PortBindings"), "host networking: its ports are the machine's, nothing is published");
    }

    [Fact]
    public void On_a_server_the_state_is_a_volume_of_the_engine_and_on_this_machine_the_state_folder_mounted()
    {
        Assert.Equal(["slipway-edge:/var/lib/slipway-edge"], HostConfigOf(EdgeSite.OnServer)["Binds"]!.AsArray().Select(b => b!.GetValue<string>()));
        var local = EdgeSite.OnThisMachine("/home/me/.local/state/slipway/edge");
        Assert.Equal(["/home/me/.local/state/slipway/edge:/var/lib/slipway-edge"], HostConfigOf(local)["Binds"]!.AsArray().Select(b => b!.GetValue<string>()));
        Assert.Matches("^slipway-edge-[0-9a-f]{10}$", local.ContainerName);
        Assert.NotEqual(local.ContainerName, EdgeSite.OnThisMachine("/tmp/other/edge").ContainerName);
    }

    [Fact]
    public void The_edge_gets_only_its_own_settings_of_the_clis_environment()
    {
        var body = EngineRequests.CreateContainerBody(EdgeContainer.Spec("slipway-edge:abc", EdgeSite.OnServer, name => name switch
        {
            "SLIPWAY_EDGE_DIRECT" => "0", "HELLO_API_TOKEN" => "s3cret", "AWS_SECRET_ACCESS_KEY" => "k", "DOCKER_HOST" => "ssh://me@host",
            _ => null,
        }));

        Assert.Equal(["SLIPWAY_EDGE_DIRECT=0"], body["Env"]!.AsArray().Select(e => e!.GetValue<string>()));
    }

    [Fact]
    public void The_image_runs_the_published_edge_with_the_proxys_runtime_settings_on_the_chosen_base()
    {
        var dockerfile = EdgeImage.Dockerfile("localhost/bookworm-python:latest");

        Assert.StartsWith("FROM localhost/bookworm-python:latest\nCOPY edge/ /opt/slipway-edge/\n", dockerfile);
        Assert.Contains("DOTNET_gcServer=1", dockerfile);
        Assert.Contains("if [ \\\"$1\\\" = serve ]; then export DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1; fi", dockerfile); // the proxy's alone
        Assert.EndsWith("""CMD ["serve", "--dir", "/var/lib/slipway-edge"]""", dockerfile);
    }

    [Fact]
    public void The_images_tag_is_the_edge_builds_identity()
    {
        var folder = EdgeImage.PublishedFolder();

        Assert.Matches("^[0-9a-f]{16}$", EdgeImage.BuildIdentity(folder));
        Assert.Equal(EdgeImage.BuildIdentity(folder), EdgeImage.BuildIdentity(folder));
    }

    [Fact]
    public void A_change_in_a_library_of_the_edge_is_a_new_image_not_only_one_in_the_edges_own_assembly()
    {
        using var copy = new Slipway.Tests.Support.TempDirectory("slipway-edge-identity");
        foreach (var name in new[] { "slipway-edge.dll", "Slipway.Backups.dll", "Slipway.Engine.dll", "System.Private.CoreLib.dll" })
            File.Copy(Path.Combine(EdgeImage.PublishedFolder(), name), Path.Combine(copy.Path, name));
        var before = EdgeImage.BuildIdentity(copy.Path);

        File.Copy(Path.Combine(copy.Path, "Slipway.Engine.dll"), Path.Combine(copy.Path, "Slipway.Backups.dll"), overwrite: true); // other code

        Assert.NotEqual(before, EdgeImage.BuildIdentity(copy.Path));
    }
}
