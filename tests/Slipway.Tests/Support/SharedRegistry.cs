using System.Diagnostics;

namespace Slipway.Tests.Support;

/// <summary>
/// Debian's docker-registry on a loopback port, one for the run (an assembly fixture), started by the first test class that
/// asks: the aws classes' pushes share it, so the base image's layers are compressed and sent once a run, not once a class
/// (about 5 s of the engine's CPU each). Every app a test deploys has a name of its own, so no two share a repository.
/// </summary>
public sealed class SharedRegistry : IAsyncDisposable
{
    private readonly SemaphoreSlim _starting = new(1, 1);
    private readonly TempDirectory _dir = new("slipway-registry");
    private Process? _registry;

    public int Port { get; } = FreePort.Next();

    public string Address => $"127.0.0.1:{Port}";

    /// <summary>The registry's address, once it answers.</summary>
    public async Task<string> GetAsync()
    {
        await _starting.WaitAsync();
        try
        {
            if (_registry is null)
            {
                var config = _dir.Write("registry.yml", $$"""
                    version: 0.1
                    log: { level: warn }
                    storage: { filesystem: { rootdirectory: {{_dir.Path}}/data }, delete: { enabled: true } }
                    http: { addr: {{Address}} }
                    """);
                _registry = Process.Start(new ProcessStartInfo("/usr/bin/docker-registry", ["serve", config])
                {
                    RedirectStandardOutput = true, RedirectStandardError = true,
                })!;
                _registry.BeginOutputReadLine();
                _registry.BeginErrorReadLine();
            }
            await Eventually.WaitUntilAsync(async () => (await Http.Client.GetAsync($"http://{Address}/v2/")).IsSuccessStatusCode,
                TimeSpan.FromSeconds(30), "docker-registry answers");
            return Address;
        }
        finally
        {
            _starting.Release();
        }
    }

    public ValueTask DisposeAsync()
    {
        if (_registry is not null)
        {
            try { _registry.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            _registry.Dispose();
        }
        _dir.Dispose();
        _starting.Dispose();
        return ValueTask.CompletedTask;
    }
}
