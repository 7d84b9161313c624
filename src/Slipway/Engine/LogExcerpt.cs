using System.Text.RegularExpressions;

namespace Slipway.Engine;

/// <summary>
/// The part of a failed replica's log worth showing. A crashing replica is restarted by its restart policy, so
/// its last lines may be a new boot rather than the error: show the lines up to the last error instead.
/// </summary>
public static partial class LogExcerpt
{
    public const int Lines = 15;

    [GeneratedRegex(@"error|exception|traceback|fatal|panic|failed", RegexOptions.IgnoreCase)]
    private static partial Regex ErrorLine();

    public static IReadOnlyList<string> Select(IReadOnlyList<string> log)
    {
        var lastError = -1;
        for (var i = log.Count - 1; i >= 0 && lastError < 0; i--)
            if (ErrorLine().IsMatch(log[i])) lastError = i;
        if (lastError < 0) return log.TakeLast(Lines).ToList();
        var end = Math.Min(log.Count, lastError + 3);
        return log.Skip(Math.Max(0, end - Lines)).Take(end - Math.Max(0, end - Lines)).ToList();
    }
}
