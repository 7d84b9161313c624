using Slipway.Platforms.Swarm;

namespace Slipway.Tests.Platforms.Swarm;

/// <summary>How a release's secrets reach its tasks on a swarm, as data: their names, and the wrapper that exports them.</summary>
[Trait("Tier", "unit")]
public sealed class SwarmSecretsTests
{
    [Fact]
    public void The_wrapper_exports_each_secret_from_its_file_then_runs_the_images_own_program_unchanged()
    {
        var program = SwarmSecrets.Entrypoint(["B_TOKEN", "API_KEY"], ["/entry.sh"], ["gunicorn", "app:app"]);

        Assert.Equal(["/bin/sh", "-c",
            "API_KEY=\"$(cat /run/secrets/API_KEY)\" && export API_KEY && B_TOKEN=\"$(cat /run/secrets/B_TOKEN)\" && export B_TOKEN && exec \"$@\"",
            "slipway-secrets", "/entry.sh", "gunicorn", "app:app"], program);
    }

    [Fact]
    public void A_name_that_is_not_a_variable_is_never_written_into_the_script()
    {
        Assert.Throws<ArgumentException>(() => SwarmSecrets.Entrypoint(["X; rm -rf /"], [], ["app"]));
    }

    [Fact]
    public void A_secrets_name_carries_the_release_and_its_fingerprint_and_stays_within_swarms_limit()
    {
        var app = Support.Manifests.Parse("app: shop\nsource:\n  git: x\n", "/nonexistent/slipway.yaml", environment: "swarm");
        var longApp = app with { App = new string('a', 60) };

        Assert.Equal("shop-abc1234-0f1e2d3c-API_TOKEN", SwarmSecrets.SecretName(app, "abc1234", "0f1e2d3c4b5a", "API_TOKEN"));
        Assert.NotEqual(SwarmSecrets.SecretName(app, "abc1234", "0f1e2d3c4b5a", "API_TOKEN"), SwarmSecrets.SecretName(app, "abc1234", "99999999aaaa", "API_TOKEN"));
        var hashed = SwarmSecrets.SecretName(longApp, "abc1234", "0f1e2d3c4b5a", "API_TOKEN");
        Assert.True(hashed.Length <= 64, hashed);
        Assert.StartsWith("slipway-", hashed);
    }
}
