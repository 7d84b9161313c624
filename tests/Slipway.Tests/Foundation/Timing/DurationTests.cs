using Slipway.Foundation.Timing;

namespace Slipway.Tests.Foundation.Timing;

[Trait("Tier", "unit")]
public sealed class DurationTests
{
    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("5s", 5000)]
    [InlineData("1.5s", 1500)]
    [InlineData("2m", 120_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("7", 7000)]
    public void Parses_short_durations(string text, int milliseconds)
    {
        Assert.True(Duration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5x")]
    [InlineData("-1")]
    [InlineData("s")]
    [InlineData("1d")]
    public void Rejects_anything_else(string text) => Assert.False(Duration.TryParse(text, out _));

    [Theory]
    [InlineData(250, "250ms")]
    [InlineData(1500, "1.5s")]
    [InlineData(90_000, "1m30s")]
    public void Formats_for_people(int milliseconds, string expected) =>
        Assert.Equal(expected, Duration.Format(TimeSpan.FromMilliseconds(milliseconds)));
}
