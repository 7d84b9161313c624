using System.Diagnostics;
using Slipway.Foundation;

namespace Slipway.Cli;

/// <summary>
/// This terminal in raw mode while a command with a terminal of its own runs (<c>run -it</c>): keys go to it as typed,
/// Ctrl-C included, and it echoes them itself. The previous settings come back when disposed, as <c>docker run -it</c> does.
/// </summary>
internal sealed class RawTerminal : IDisposable
{
    private readonly string _saved;

    private RawTerminal(string saved) => _saved = saved;

    /// <summary>Raw mode on stdin's terminal; an error when stdin is no terminal.</summary>
    public static RawTerminal Enter()
    {
        if (Console.IsInputRedirected)
            throw new SlipwayException(ErrorCode.InvalidSetting, "run -t: the input is not a terminal",
                "drop -t (keep -i to pass the input through), or run it from a terminal");
        var saved = Stty("-g").Trim();
        Stty("raw", "-echo");
        return new RawTerminal(saved);
    }

    /// <summary>stty on the terminal this process reads from (its stdin, inherited).</summary>
    private static string Stty(params string[] args)
    {
        using var stty = Process.Start(new ProcessStartInfo("stty", args) { RedirectStandardOutput = true, UseShellExecute = false })
            ?? throw new SlipwayException(ErrorCode.InvalidSetting, "run -t: stty did not start", "install coreutils' stty, or drop -t");
        var output = stty.StandardOutput.ReadToEnd();
        stty.WaitForExit();
        return output;
    }

    public void Dispose() => Stty(_saved);
}
