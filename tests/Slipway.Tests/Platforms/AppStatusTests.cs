using Slipway.Configuration;
using Slipway.Platforms;

namespace Slipway.Tests.Platforms;

[Trait("Tier", "unit")]
public sealed class AppStatusTests
{
    private static readonly AppManifest App = Support.Manifests.Parse("app: shop\nsource:\n  git: x\nreplicas: 1\n", "/nonexistent/slipway.yaml", "local");

    private static AppStatus Serving(string? problem)
    {
        var traits = ReleaseTraits.Plain(App);
        var fingerprint = ReleaseFingerprint.Of(App, "v1", AppSecrets.None(App), traits);
        return new AppStatus("shop", "swarm", new Uri("http://x/"), "v1", [new ReplicaStatus("shop.1", "v1", "running", "healthy", null, fingerprint)],
            null, problem);
    }

    [Fact]
    public void The_release_on_every_healthy_replica_serves() =>
        Assert.True(Serving(null).Serves(App, "v1", AppSecrets.None(App), ReleaseTraits.Plain(App)));

    [Fact]
    public void A_status_with_a_problem_does_not_serve_so_up_converges_it() =>
        Assert.False(Serving("the edges disagree").Serves(App, "v1", AppSecrets.None(App), ReleaseTraits.Plain(App)));
}
