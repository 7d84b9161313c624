using System.Diagnostics;
using Slipway.Edge;

namespace Slipway.Tests.Support;

public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public string All => Stdout + Stderr;
}

/// <summary>Runs the real CLI as a separate process, as a user would, with its own state directory.</summary>
public sealed class SlipwayCli(string stateDirectory)
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "slipway.dll");

    public string StateDirectory { get; } = stateDirectory;

    public async Task<CliResult> RunAsync(IEnumerable<string> args, IDictionary<string, string>? env = null, CancellationToken ct = default)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        start.ArgumentList.Add(Dll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["SLIPWAY_STATE_DIR"] = StateDirectory;
        start.Environment["NO_COLOR"] = "1";
        foreach (var (key, value) in env ?? new Dictionary<string, string>()) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    public Task<CliResult> RunAsync(params string[] args) => RunAsync(args, null, TestContext.Current.CancellationToken);

    /// <summary>Stops the edge this state directory may have started, so no test leaves a proxy behind.</summary>
    public async Task StopEdgeAsync()
    {
        using var client = new EdgeClient(new EdgePaths(Path.Combine(StateDirectory, "edge")));
        if (await client.InfoAsync(CancellationToken.None) is not null)
            await client.ShutdownAsync(CancellationToken.None);
    }
}
