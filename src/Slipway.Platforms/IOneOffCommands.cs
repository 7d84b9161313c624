using Slipway.Configuration;

namespace Slipway.Platforms;

/// <summary>A platform that runs one-off commands in the serving release's image (migrations, consoles' scripts, checks).</summary>
public interface IOneOffCommands
{
    /// <summary>
    /// Runs <paramref name="command"/> in a new container of the serving release's image, with its environment and
    /// secrets and no route, streaming its output; removes it afterwards. Returns the command's exit code.
    /// </summary>
    /// <param name="attach">The user's stdin (and terminal) joined to the command's (<c>run -i</c>, <c>-it</c>); null: none.</param>
    Task<int> RunAsync(AppManifest app, IReadOnlyList<string> command, Action<string> onLine, CancellationToken ct, Attachment? attach = null);

    /// <summary>Runs <paramref name="command"/> inside a running replica (the first, or the named one), streaming its output; returns its exit code.</summary>
    Task<int> ExecAsync(AppManifest app, string? replica, IReadOnlyList<string> command, Action<string> onLine, CancellationToken ct);
}

/// <summary>
/// The user's side of an attached command: what it reads as stdin, and with a terminal, where its raw output goes
/// (without one, its output still comes line by line, redacted, through the caller's onLine).
/// </summary>
public sealed record Attachment(Stream Input, Stream Output, bool Terminal, (int Height, int Width)? Size = null);
