using System.Globalization;
using System.Text.RegularExpressions;

namespace Slipway.Foundation.Timing;

/// <summary>Parses and prints the short durations used in manifests: <c>500ms</c>, <c>5s</c>, <c>1m30s</c>, <c>2h</c>.</summary>
public static partial class Duration
{
    [GeneratedRegex(@"^(?:(?<h>\d+)h)?(?:(?<m>\d+)m(?!s))?(?:(?<s>\d+(?:\.\d+)?)s)?(?:(?<ms>\d+)ms)?$")]
    private static partial Regex Pattern();

    public static bool TryParse(string text, out TimeSpan value)
    {
        value = default;
        text = text.Trim();
        if (text.Length == 0) return false;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var plainSeconds))
        {
            if (plainSeconds < 0 || plainSeconds > TimeSpan.MaxValue.TotalSeconds / 2) return false;
            value = TimeSpan.FromSeconds(plainSeconds);
            return true;
        }
        var match = Pattern().Match(text);
        if (!match.Success) return false;
        double Part(string name) => match.Groups[name].Success
            ? double.Parse(match.Groups[name].Value, CultureInfo.InvariantCulture) : 0;
        try
        {
            value = TimeSpan.FromHours(Part("h")) + TimeSpan.FromMinutes(Part("m"))
                  + TimeSpan.FromSeconds(Part("s")) + TimeSpan.FromMilliseconds(Part("ms"));
            return true;
        }
        catch (OverflowException)
        {
            return false; // longer than any setting allows: not a usable duration
        }
    }

    public static string Format(TimeSpan value) => value switch
    {
        { TotalMilliseconds: < 1000 } => $"{value.TotalMilliseconds:0}ms",
        { TotalSeconds: < 60 } => $"{value.TotalSeconds:0.#}s",
        _ => $"{(int)value.TotalMinutes}m{value.Seconds:00}s",
    };
}
