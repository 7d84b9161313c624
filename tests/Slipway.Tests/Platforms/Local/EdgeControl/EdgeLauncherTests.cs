using Slipway.Edge.Contract;
using Slipway.Platforms.Local.EdgeControl;

namespace Slipway.Tests.Platforms.Local.EdgeControl;

[Trait("Tier", "unit")]
public sealed class EdgeLauncherTests
{
    [Fact]
    public void The_edge_inherits_only_the_basics_the_runtime_settings_and_its_own_settings_of_the_cli_environment()
    {
        var current = new Dictionary<string, string?>
        {
            ["PATH"] = "/usr/bin", ["HOME"] = "/root", ["DOTNET_gcServer"] = "1", ["SLIPWAY_EDGE_DIRECT"] = "0",
            ["HELLO_API_TOKEN"] = "s3cret", ["AWS_SECRET_ACCESS_KEY"] = "k", ["AWS_PROFILE"] = "dev", ["SLIPWAY_STATE_DIR"] = "/x",
            ["DOCKER_HOST"] = "ssh://me@host", ["DOTNET_SOME_API_KEY"] = "k",
        };

        var inherited = EdgeLauncher.InheritedEnvironment(current).Select(e => e.Key).Order().ToList();

        Assert.Equal(["DOTNET_gcServer", "HOME", "PATH", "SLIPWAY_EDGE_DIRECT"], inherited);
    }
}
