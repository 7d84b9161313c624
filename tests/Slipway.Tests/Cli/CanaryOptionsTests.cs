using Slipway.Cli;
using Slipway.Foundation;
using Slipway.Platforms;

namespace Slipway.Tests.Cli;

[Trait("Tier", "unit")]
public sealed class CanaryOptionsTests
{
    [Fact]
    public void A_share_alone_takes_two_minutes_and_one_percent()
    {
        Assert.Equal(new CanaryPlan(10, TimeSpan.FromMinutes(2), 0.01), CanaryOptions.Parse("10", null, null));
        Assert.Equal(new CanaryPlan(25, TimeSpan.FromSeconds(90), 0.005), CanaryOptions.Parse("25%", "90s", "0.5%"));
        Assert.Null(CanaryOptions.Parse(null, null, null));
    }

    [Theory]
    [InlineData("0", null, null, "--canary: 0 is not a whole percentage from 1 to 99")]
    [InlineData("100", null, null, "--canary: 100 is not a whole percentage from 1 to 99")]
    [InlineData("12.5", null, null, "--canary: 12.5 is not a whole percentage from 1 to 99")]
    [InlineData("half", null, null, "--canary: half is not a percentage")]
    [InlineData("10", "soon", null, "--for: soon is not a duration")]
    [InlineData("10", "0s", null, "--for: 0s is not a duration")]
    [InlineData("10", null, "120%", "--max-error-rate: 120% is not a percentage from 0 to 100")]
    [InlineData(null, "2m", null, "--for applies to a canary only")]
    [InlineData(null, null, "1%", "--max-error-rate applies to a canary only")]
    public void Each_bad_value_is_one_error_line_naming_its_option(string? percent, string? duration, string? rate, string message)
    {
        var error = Assert.Throws<SlipwayException>(() => CanaryOptions.Parse(percent, duration, rate));

        Assert.Equal(ErrorCode.InvalidSetting, error.Code);
        Assert.Equal(message, error.Message);
        Assert.NotEmpty(error.Hint);
    }
}
