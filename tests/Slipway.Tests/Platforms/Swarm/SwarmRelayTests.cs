using Slipway.Engine;
using Slipway.Platforms.Swarm;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Swarm;

/// <summary>The edge's relay on a swarm only waits: stopped, it ends at once rather than waiting out its grace to be killed.</summary>
[Trait("Tier", "engine")]
[Collection(Slipway.Tests.EndToEnd.EngineCollection.Name)]
public sealed class SwarmRelayTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_relays_program_ends_on_sigterm_by_itself()
    {
        using var engine = TestEngine.Create();
        var name = $"relaytest-{Guid.NewGuid():N}"[..22];
        var id = await engine.CreateContainerAsync(new ContainerSpec
        {
            Name = name, Image = TestEngine.BaseImage, ContainerPort = 8000, Entrypoint = SwarmEdge.RelayProgram, Command = [],
            Labels = new Dictionary<string, string> { ["slipway.app"] = name }, RestartPolicy = "no",
        }, Ct);
        try
        {
            await engine.StartContainerAsync(id, Ct);
            Assert.True((await engine.InspectContainerAsync(id, Ct))!.Running);

            await engine.StopContainerAsync(id, TimeSpan.FromSeconds(20), Ct);

            // Its own exit (0, from the trap); a program that ignored SIGTERM would be killed when the grace ran out (137).
            Assert.Equal(0, (await engine.InspectContainerAsync(id, Ct))!.ExitCode);
        }
        finally
        {
            await engine.RemoveContainerAsync(id, CancellationToken.None);
        }
    }
}
