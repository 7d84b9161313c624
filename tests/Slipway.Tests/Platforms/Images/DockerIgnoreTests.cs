using Slipway.Platforms.Images;

namespace Slipway.Tests.Platforms.Images;

/// <summary>.dockerignore with the engine's own rules (moby's patternmatcher).</summary>
[Trait("Tier", "unit")]
public sealed class DockerIgnoreTests
{
    [Theory]
    [InlineData("secret.txt", "secret.txt", true)]
    [InlineData("secret.txt", "sub/secret.txt", false)]          // anchored at the context's root
    [InlineData("*.log", "debug.log", true)]
    [InlineData("*.log", "logs/debug.log", false)]               // * stays within a segment
    [InlineData("**/*.log", "logs/deep/debug.log", true)]
    [InlineData("**/*.log", "debug.log", true)]                  // **/ may be no folder at all
    [InlineData("node_modules", "node_modules/a/b.js", true)]    // a folder excludes what is in it
    [InlineData("/build/", "build/out.bin", true)]               // leading and trailing slashes cleaned
    [InlineData("te?t", "test", true)]
    [InlineData("te?t", "te/t", false)]
    [InlineData("[a-c].txt", "b.txt", true)]
    [InlineData("[a-c].txt", "d.txt", false)]
    [InlineData("# a comment", "# a comment", false)]
    [InlineData(@"\#literal", "#literal", true)]
    public void A_single_pattern_matches_as_the_engine_does(string pattern, string path, bool ignored) =>
        Assert.Equal(ignored, DockerIgnore.Parse([pattern]).Ignores(path));

    [Fact]
    public void The_last_matching_pattern_wins_and_exclamation_re_includes()
    {
        var ignore = DockerIgnore.Parse(["*.md", "!README.md", "docs", "!docs/keep.md"]);

        Assert.True(ignore.Ignores("CHANGES.md"));
        Assert.False(ignore.Ignores("README.md"));
        Assert.True(ignore.Ignores("docs/other.txt"));
        Assert.False(ignore.Ignores("docs/keep.md"));
        Assert.False(ignore.Ignores("app.py"));
    }
}
