using System.Globalization;

namespace Slipway.Foundation.Output;

/// <summary>Prints a fraction as a percentage the same way everywhere: 0.305 is "30.5%".</summary>
public static class Percent
{
    public static string Format(double fraction) => fraction.ToString("0.0%", CultureInfo.InvariantCulture);
}
