namespace Slipway.Tests.Support;

/// <summary>A real edge in this process, in a directory of its own, and the backends a test starts behind it; all stopped at the end.</summary>
public sealed class EdgeWithBackends : IAsyncDisposable
{
    private readonly TempDirectory _dir;
    private readonly TimeProvider? _time;
    private readonly List<TestBackend> _backends = [];

    private readonly bool _directForwarding;

    private EdgeWithBackends(string prefix, TimeProvider? time, bool directForwarding)
    {
        _dir = new TempDirectory(prefix);
        _time = time;
        _directForwarding = directForwarding;
    }

    public EdgeHost Edge { get; private set; } = null!;
    public string Directory => _dir.Path;

    /// <param name="time">The edge's clock; null: the system's.</param>
    /// <param name="directForwarding">False: every request takes YARP's path.</param>
    public static async Task<EdgeWithBackends> StartAsync(string prefix, TimeProvider? time = null, bool directForwarding = true)
    {
        var started = new EdgeWithBackends(prefix, time, directForwarding);
        started.Edge = await EdgeHost.StartAsync(Path.Combine(started._dir.Path, "edge"), time, directForwarding);
        return started;
    }

    public async Task<TestBackend> BackendAsync(string name)
    {
        var backend = await TestBackend.StartAsync(name);
        _backends.Add(backend);
        return backend;
    }

    /// <summary>Stops the edge and starts a new one on the same directory, which restores its routes.</summary>
    public async Task RestartEdgeAsync()
    {
        await Edge.DisposeAsync();
        Edge = await EdgeHost.StartAsync(Path.Combine(_dir.Path, "edge"), _time, _directForwarding);
    }

    public async ValueTask DisposeAsync()
    {
        await Edge.DisposeAsync();
        foreach (var backend in _backends) await backend.DisposeAsync();
        _dir.Dispose();
    }
}
