using Slipway.Configuration;

namespace Slipway.Platforms;

/// <summary>A platform that runs one-off commands in the serving release's image (migrations, consoles' scripts, checks).</summary>
public interface IOneOffCommands
{
    /// <summary>
    /// Runs <paramref name="command"/> in a new container of the serving release's image, with its environment and
    /// secrets and no route, streaming its output; removes it afterwards. Returns the command's exit code.
    /// </summary>
    Task<int> RunAsync(AppManifest app, IReadOnlyList<string> command, Action<string> onLine, CancellationToken ct);

    /// <summary>Runs <paramref name="command"/> inside a running replica (the first, or the named one), streaming its output; returns its exit code.</summary>
    Task<int> ExecAsync(AppManifest app, string? replica, IReadOnlyList<string> command, Action<string> onLine, CancellationToken ct);
}
