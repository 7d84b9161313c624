using System.Text;
using Slipway.Engine;

namespace Slipway.Tests.Engine;

[Trait("Tier", "unit")]
public sealed class SwarmRequestsTests
{
    private static SwarmServiceSpec Release => new()
    {
        Name = "shop-v2",
        Image = "10.0.0.1:5000/slipway/shop@sha256:0123",
        Labels = new Dictionary<string, string> { ["slipway.app"] = "shop" },
        Environment = new Dictionary<string, string> { ["B"] = "2", ["A"] = "1" },
        Replicas = 3,
        Networks = ["slipway-shop", "slipway-edge"],
        HealthCheck = new ContainerHealthCheck(["python3", "-c", "probe"], TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1), 3, TimeSpan.FromSeconds(30)),
        Secrets = [new SecretReference("s1", "shop-API_TOKEN-1a2b", "API_TOKEN")],
        MemoryBytes = 256 << 20,
        PidsLimit = 200,
    };

    [Fact]
    public void A_release_is_reached_by_its_tasks_own_addresses_and_publishes_nothing()
    {
        var body = SwarmRequests.ServiceBody(Release);

        Assert.Equal("""{"Mode":"dnsrr","Ports":[]}""", body["EndpointSpec"]!.ToJsonString()); // no virtual IP, no routing mesh
        Assert.Equal(3, (int?)body["Mode"]!["Replicated"]!["Replicas"]);
        Assert.Equal("""[{"Target":"slipway-shop"},{"Target":"slipway-edge"}]""", body["TaskTemplate"]!["Networks"]!.ToJsonString());
        Assert.Equal("10.0.0.1:5000/slipway/shop@sha256:0123", (string?)body["TaskTemplate"]!["ContainerSpec"]!["Image"]);
        Assert.Equal("""["A=1","B=2"]""", body["TaskTemplate"]!["ContainerSpec"]!["Env"]!.ToJsonString());
    }

    [Fact]
    public void The_health_check_runs_without_a_shell_with_its_times_in_nanoseconds()
    {
        var check = SwarmRequests.ServiceBody(Release)["TaskTemplate"]!["ContainerSpec"]!["HealthCheck"]!;

        Assert.Equal("""{"Test":["CMD","python3","-c","probe"],"Interval":2000000000,"Timeout":1000000000,"Retries":3,"StartPeriod":30000000000}""",
            check.ToJsonString());
    }

    [Fact]
    public void A_secret_is_a_read_only_file_named_by_the_variable_and_limits_and_privileges_are_set()
    {
        var task = SwarmRequests.ServiceBody(Release)["TaskTemplate"]!;

        Assert.Equal("""[{"SecretID":"s1","SecretName":"shop-API_TOKEN-1a2b","File":{"Name":"API_TOKEN","UID":"0","GID":"0","Mode":292}}]""",
            task["ContainerSpec"]!["Secrets"]!.ToJsonString());
        Assert.Equal("""{"MemoryBytes":268435456,"Pids":200}""", task["Resources"]!["Limits"]!.ToJsonString());
        Assert.Equal("""{"NoNewPrivileges":true}""", task["ContainerSpec"]!["Privileges"]!.ToJsonString());
        Assert.Equal("""["NET_RAW"]""", task["ContainerSpec"]!["CapabilityDrop"]!.ToJsonString());
        Assert.Equal("any", (string?)task["RestartPolicy"]!["Condition"]);
    }

    [Fact]
    public void A_global_service_runs_on_every_matching_node_and_publishes_host_mode_ports_only()
    {
        var body = SwarmRequests.ServiceBody(Release with
        {
            Replicas = null, Ports = [new HostPort(80, 80)], Constraints = ["node.labels.slipway.edge==true"], OnlyCapabilities = ["NET_BIND_SERVICE"],
        });

        Assert.Equal("""{"Global":{}}""", body["Mode"]!.ToJsonString());
        Assert.Equal("""[{"Protocol":"tcp","TargetPort":80,"PublishedPort":80,"PublishMode":"host"}]""", body["EndpointSpec"]!["Ports"]!.ToJsonString());
        Assert.Equal("""["node.labels.slipway.edge==true"]""", body["TaskTemplate"]!["Placement"]!["Constraints"]!.ToJsonString());
        Assert.Equal("""["ALL"]""", body["TaskTemplate"]!["ContainerSpec"]!["CapabilityDrop"]!.ToJsonString());
        Assert.Equal("""["NET_BIND_SERVICE"]""", body["TaskTemplate"]!["ContainerSpec"]!["CapabilityAdd"]!.ToJsonString());
    }

    [Fact]
    public void A_secrets_value_travels_base64_in_its_body_only()
    {
        var body = SwarmRequests.SecretBody("shop-API_TOKEN-1a2b", Encoding.UTF8.GetBytes("s3cret"), new Dictionary<string, string> { ["slipway.app"] = "shop" });

        Assert.Equal("""{"Name":"shop-API_TOKEN-1a2b","Labels":{"slipway.app":"shop"},"Data":"czNjcmV0"}""", body.ToJsonString());
    }

    [Fact]
    public void An_apps_overlay_network_is_attachable_so_a_one_off_container_joins_it()
    {
        Assert.Equal("""{"Name":"slipway-shop","Driver":"overlay","Attachable":true,"CheckDuplicate":true,"Labels":{}}""",
            SwarmRequests.OverlayNetworkBody("slipway-shop", new Dictionary<string, string>()).ToJsonString());
    }
}
