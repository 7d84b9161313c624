using Slipway.Configuration;
using Slipway.Engine;
using Slipway.Foundation;
using Slipway.Platforms.Local;
using Slipway.Tests.EndToEnd;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Local;

/// <summary>An accessory's start gate against the real engine: what it says of one that died as it started.</summary>
[Trait("Tier", "engine")]
[Collection(EngineCollection.Name)]
public sealed class AccessoryStartTests : IDisposable
{
    private readonly DockerEngine _engine = TestEngine.Create();
    private readonly string _name = $"slw-acc-{Guid.NewGuid():N}"[..20];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        _engine.RemoveContainerAsync(_name, CancellationToken.None).GetAwaiter().GetResult();
        _engine.Dispose();
    }

    [Fact]
    public async Task One_its_restart_policy_already_brought_back_is_reported_with_the_code_it_died_with_not_the_running_ones()
    {
        // Dies with 4 the first time; started again by its policy, it runs on (its files outlive the restart).
        var id = await _engine.CreateContainerAsync(new ContainerSpec
        {
            Name = _name, Image = TestEngine.BaseImage, ContainerPort = 0, PublishPort = false, RestartPolicy = "unless-stopped",
            Command = ["sh", "-c", "if [ -f /tmp/once ]; then exec sleep 600; fi; touch /tmp/once; echo cannot open the cluster; exit 4"],
        }, Ct);
        await _engine.StartContainerAsync(id, Ct);
        await Eventually.WaitUntilAsync(async () => await _engine.InspectContainerAsync(id, Ct) is { Running: true, RestartCount: > 0, ExitCode: 0 },
            TimeSpan.FromSeconds(30), "it runs again after its first death, its code reading 0");
        var accessory = new AccessorySpec("db", TestEngine.BaseImage, null, new Dictionary<string, string>(), new Dictionary<string, SecretSpec>(), [], null, null, null, null);
        var gate = new LocalAccessories(_engine, new LocalVolumes(_engine), new AppSecrets(Manifests.Parse("app: shop\nsource: { git: https://example.invalid/s.git }\n", "/tmp/slipway.yaml"), _ => null),
            TimeProvider.System);

        var error = await Assert.ThrowsAsync<SlipwayException>(() => gate.WaitHealthyAsync(id, accessory, Ct));

        Assert.Equal("accessory db exited with code 4 as it started", error.Message);
    }
}
