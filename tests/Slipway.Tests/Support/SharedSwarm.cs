namespace Slipway.Tests.Support;

/// <summary>
/// One two-node <see cref="TestSwarm"/> for a test class whose tests each leave it as they found it (their apps destroyed): the
/// cluster's start (two engines, the base image, the registry, the swarm formed) is paid once.
/// </summary>
public sealed class SharedSwarm : IAsyncLifetime
{
    public TestSwarm Swarm { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Swarm = await TestSwarm.StartAsync(2, TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => Swarm?.DisposeAsync() ?? ValueTask.CompletedTask;
}

/// <summary>
/// One three-node <see cref="TestSwarm"/> for the whole run, started by the first test that asks for it (a run that asks for
/// none starts none) and removed when the run ends. Its users run one at a time (the engine collection, then the timing
/// collection, which runs after every parallel one), each leaving nothing of its own behind; each gets it whole.
/// </summary>
public sealed class ThreeNodeSwarm : IAsyncDisposable
{
    private readonly SemaphoreSlim _starting = new(1, 1);
    private TestSwarm? _swarm;

    /// <summary>The cluster, started on first use; every node powered on and ready, none labelled (<see cref="TestSwarm.EnsureWholeAsync"/>).</summary>
    public async Task<TestSwarm> GetAsync(CancellationToken ct)
    {
        await _starting.WaitAsync(ct);
        try
        {
            _swarm ??= await TestSwarm.StartAsync(3, ct);
        }
        finally
        {
            _starting.Release();
        }
        await _swarm.EnsureWholeAsync(ct);
        return _swarm;
    }

    public async ValueTask DisposeAsync()
    {
        if (_swarm is not null) await _swarm.DisposeAsync();
        _starting.Dispose();
    }
}
