using Slipway.Configuration;
using Slipway.Platforms;
using Slipway.Platforms.Aws;

namespace Slipway.Tests.Platforms.Aws;

[Trait("Tier", "unit")]
public sealed class AwsReleaseTraitsTests
{
    private static AppManifest App(string aws) =>
        Support.Manifests.Parse($"app: shop\nsource:\n  git: x\naws:\n  region: eu-west-1\n{aws}", "/nonexistent/slipway.yaml", "aws");

    private static string Fingerprint(AppManifest app) => ReleaseFingerprint.Of(app, "v1", AppSecrets.None(app), AwsPlatform.Traits(app));

    [Fact]
    public void A_new_task_size_is_a_new_release_so_up_applies_it()
    {
        var small = App("  cpu: 256\n  memory: 512\n");

        Assert.NotEqual(Fingerprint(small), Fingerprint(App("  cpu: 512\n  memory: 1024\n")));
        Assert.NotEqual(Fingerprint(small), Fingerprint(App("  cpu: 256\n  memory: 1024\n")));
    }

    [Fact]
    public void The_default_size_keeps_the_fingerprint_releases_had_before_it_counted()
    {
        Assert.Equal("", AwsPlatform.Traits(App("")).FingerprintPart);
        Assert.Equal(Fingerprint(App("")), Fingerprint(App("  cpu: 256\n  memory: 512\n")));
    }

    /// <summary>A service replacing a stopped task (1 of 2 running) still serves its unchanged release: up leaves it to ECS.</summary>
    [Fact]
    public void A_service_replacing_a_task_still_serves_its_unchanged_release()
    {
        var app = App("");
        var release = new ServingRelease("v1", Fingerprint(app));

        var status = new AppStatus(app.App, "aws", new Uri("http://x/"), "v1", AwsPlatform.Replicas("shop", desired: 2, running: 1, release), null);

        Assert.True(status.Serves(app, "v1", AppSecrets.None(app), AwsPlatform.Traits(app)));
        Assert.Equal(["running", "pending"], status.Replicas.Select(r => r.State));
        Assert.False(status.Serves(app, "v2", AppSecrets.None(app), AwsPlatform.Traits(app)));
    }
}
