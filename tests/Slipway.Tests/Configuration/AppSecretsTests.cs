using Slipway.Platforms;
using Slipway.Configuration;
using Slipway.Tests.Support;

namespace Slipway.Tests.Configuration;

/// <summary>A command reads each secret once, however many parts of it (check, fingerprint, containers, redactor) use the values.</summary>
[Trait("Tier", "unit")]
public sealed class AppSecretsTests : IDisposable
{
    private readonly TempDirectory _dir = new("slipway-secrets");

    private AppManifest App() =>
        Support.Manifests.Parse("app: shop\nsource:\n  git: x\nsecrets:\n  A:\n    fromEnv: SHOP_A\n", Path.Combine(_dir.Path, "slipway.yaml"));

    [Fact]
    public void Values_fingerprint_and_redaction_read_the_environment_once()
    {
        var app = App();
        var reads = 0;
        var secrets = new AppSecrets(app, name => { reads++; return name == "SHOP_A" ? "s3cret" : null; });

        Assert.Equal("s3cret", secrets.Values["A"]);
        var first = ReleaseFingerprint.Of(app, "v1", secrets, ReleaseTraits.Plain(app));
        var second = ReleaseFingerprint.Of(app with { Replicas = 3 }, "v1", secrets, ReleaseTraits.Plain(app));
        Assert.Equal(["s3cret"], secrets.Readable);

        Assert.Equal(1, reads);
        Assert.Equal(first, second); // the replica count is not part of what a release runs
    }

    [Fact]
    public void A_rotated_secret_changes_the_fingerprint_and_an_unreadable_one_fails_only_where_values_are_needed()
    {
        var app = App();
        var before = ReleaseFingerprint.Of(app, "v1", new AppSecrets(app, _ => "old"), ReleaseTraits.Plain(app));
        var after = ReleaseFingerprint.Of(app, "v1", new AppSecrets(app, _ => "new"), ReleaseTraits.Plain(app));
        Assert.NotEqual(before, after);

        var missing = new AppSecrets(app, _ => null);
        Assert.Empty(missing.Readable); // status and redaction go on without it
        var error = Assert.Throws<Slipway.Foundation.SlipwayException>(() => missing.Values);
        Assert.Contains("SHOP_A is not set", error.Message);
    }

    public void Dispose() => _dir.Dispose();
}
