using Slipway.Foundation.Output;

namespace Slipway.Tests.Foundation.Output;

[Trait("Tier", "unit")]
public sealed class ReporterTests
{
    [Fact]
    public void An_error_quoting_control_characters_shows_them_escaped_on_one_line()
    {
        var output = new StringWriter();

        new Reporter(output, color: false).Error("slipway.yaml:3: unknown key \"a\e]0;pwned\a\nb\e[2J\"", "remove it");

        Assert.Equal("error: slipway.yaml:3: unknown key \"a\\x1B]0;pwned\\x07\\x0Ab\\x1B[2J\"\nhint: remove it\n", output.ToString().ReplaceLineEndings("\n"));
    }
}
