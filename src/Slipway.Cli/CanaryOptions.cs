using System.Globalization;
using Slipway.Foundation;
using Slipway.Foundation.Timing;
using Slipway.Platforms;

namespace Slipway.Cli;

/// <summary><c>up --canary PERCENT [--for DURATION] [--max-error-rate PERCENT]</c>, read into a plan with one error line per bad value.</summary>
public static class CanaryOptions
{
    /// <summary>The plan the options ask for; null without <c>--canary</c>.</summary>
    public static CanaryPlan? Parse(string? percent, string? duration, string? maxErrorRate)
    {
        if (percent is null)
        {
            if (duration is not null || maxErrorRate is not null)
                throw new SlipwayException(ErrorCode.InvalidSetting, $"{(duration is not null ? "--for" : "--max-error-rate")} applies to a canary only",
                    "add --canary PERCENT (e.g. --canary 10), or leave it out");
            return null;
        }
        var share = PercentOf(percent, "--canary");
        if (share is < 1 or > 99 || share != Math.Floor(share))
            throw new SlipwayException(ErrorCode.InvalidSetting, $"--canary: {percent} is not a whole percentage from 1 to 99",
                "give the share of requests the new release gets, e.g. --canary 10");
        var judged = CanaryPlan.DefaultFor;
        if (duration is not null && (!Duration.TryParse(duration, out judged) || judged <= TimeSpan.Zero))
            throw new SlipwayException(ErrorCode.InvalidSetting, $"--for: {duration} is not a duration",
                "give how long the canary is judged, e.g. --for 2m or --for 90s");
        var errors = CanaryPlan.DefaultMaxErrorRate;
        if (maxErrorRate is not null)
        {
            var rate = PercentOf(maxErrorRate, "--max-error-rate");
            if (rate is < 0 or > 100)
                throw new SlipwayException(ErrorCode.InvalidSetting, $"--max-error-rate: {maxErrorRate} is not a percentage from 0 to 100",
                    "e.g. --max-error-rate 1% (0% aborts on any 5xx more than the serving release's)");
            errors = rate / 100;
        }
        return new CanaryPlan((int)share, judged, errors);
    }

    /// <summary>"10", "10%" or "0.5%" as a number of percent.</summary>
    private static double PercentOf(string text, string option)
    {
        var number = text.Trim().TrimEnd('%').Trim();
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? value
            : throw new SlipwayException(ErrorCode.InvalidSetting, $"{option}: {text} is not a percentage", $"e.g. {option} 10%");
    }
}
