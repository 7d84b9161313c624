namespace Slipway.Tests.Support;

/// <summary>
/// One two-node <see cref="TestSwarm"/> for a test class whose tests each leave it as they found it (their apps destroyed): the
/// cluster's start (two engines, the base image loaded into each, the registry, the swarm formed) is paid once.
/// </summary>
public sealed class SharedSwarm : IAsyncLifetime
{
    public TestSwarm Swarm { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Swarm = await TestSwarm.StartAsync(2, TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => Swarm?.DisposeAsync() ?? ValueTask.CompletedTask;
}
