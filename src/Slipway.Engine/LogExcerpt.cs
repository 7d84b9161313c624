using System.Text.RegularExpressions;

namespace Slipway.Engine;

/// <summary>The parts of a failed replica's log worth showing: where it first went wrong, and how it ended.</summary>
public sealed record LogExcerpt(IReadOnlyList<string> FirstError, IReadOnlyList<string> Tail)
{
    public const int TailLines = 10;
    private const int ErrorBlockLines = 12;

    /// <summary>
    /// The first error block is the first line that reports an error, through the end of the traceback that
    /// follows it (a long one keeps its first two lines and its last six: the app's own frame and the
    /// exception). A wrapper that dies because the app did (gunicorn's "Worker failed to boot", HaltServer)
    /// logs its own error last, so the first block is where the cause is. The tail is the last lines.
    /// </summary>
    public static LogExcerpt Of(IReadOnlyList<string> log)
    {
        var tail = log.TakeLast(TailLines).ToList();
        var start = -1;
        for (var i = 0; i < log.Count && start < 0; i++)
            if (Patterns.ErrorLine().IsMatch(log[i])) start = i;
        if (start < 0) return new LogExcerpt([], tail);

        var end = start;
        var traceback = -1;
        for (var i = start; i < Math.Min(log.Count, start + 3) && traceback < 0; i++)
            if (log[i].StartsWith("Traceback (most recent call last)", StringComparison.Ordinal)) traceback = i;
        if (traceback >= 0)
        {
            end = traceback + 1;
            while (end < log.Count && (log[end].StartsWith(' ') || log[end].StartsWith('\t') || log[end].Length == 0)) end++;
            end = Math.Min(end, log.Count - 1); // the line naming the exception
        }
        var block = log.Skip(start).Take(end - start + 1).ToList();
        if (block.Count > ErrorBlockLines) block = [.. block.Take(2), "…", .. block.TakeLast(ErrorBlockLines - 6)];
        // When the tail already shows the whole block, the block adds nothing.
        return end >= log.Count - TailLines && start >= log.Count - TailLines ? new LogExcerpt([], tail) : new LogExcerpt(block, tail);
    }
}

internal static partial class Patterns
{
    [GeneratedRegex(@"\b(error|exception|traceback|fatal|panic)\b", RegexOptions.IgnoreCase)]
    public static partial Regex ErrorLine();
}
