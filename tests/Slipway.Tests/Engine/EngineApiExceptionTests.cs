using Slipway.Engine;

namespace Slipway.Tests.Engine;

[Trait("Tier", "unit")]
public sealed class EngineApiExceptionTests
{
    [Theory]
    [InlineData("failed to export image: failed to set parent sha256:4acc: unknown parent image ID sha256:4acc", true)]
    [InlineData("failed to set parent sha256:4acc: No such image: sha256:4acc", true)]
    [InlineData("failed to get digest sha256:e00b: open /var/lib/docker/image/overlay2/imagedb/content/sha256/e00b: no such file or directory", true)]
    [InlineData("failed to get digest sha256:e00b: permission denied", false)]
    [InlineData("The command '/bin/sh -c pip install flask' returned a non-zero code: 1", false)]
    [InlineData("No such image: python:3.99", false)] // a missing base image is the Dockerfile's fault: no second try
    public void Only_a_cache_layer_removed_during_the_build_is_built_again(string engineMessage, bool retried)
    {
        Assert.Equal(retried, new EngineApiException(500, engineMessage).IsVanishedCacheLayer);
    }
}
