using Slipway.Backups;
using Slipway.Foundation;
using Slipway.Platforms.Backups;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Backups;

/// <summary>The accessory or volume a backup command names, from the manifest, as pure logic.</summary>
[Trait("Tier", "unit")]
public sealed class BackupTargetsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(null, null, "accessory db")]
    [InlineData("db", null, "accessory db")]
    [InlineData(null, "uploads", "volume uploads")]
    [InlineData(null, "db/data", "volume db/data")]
    public void A_target_is_the_one_named_or_the_only_accessory(string? accessory, string? volume, string expected)
    {
        var app = Manifests.Parse("""
            app: shop
            source: { git: https://example.invalid/shop.git }
            replicas: 1
            volumes: { uploads: /srv/uploads }
            accessories:
              db: { image: postgres, volumes: { data: /var/lib/postgresql/data } }
            """, Path.Combine(_dir.Path, "slipway.yaml"));

        Assert.Equal(expected, BackupTargets.Resolve(app, accessory, volume).ToString());
    }

    [Theory]
    [InlineData("cache", null, "--accessory: shop has no accessory \"cache\"", "its data: --accessory db, --accessory cache2, --volume db/data")]
    [InlineData(null, "data", "--volume: shop has no volume \"data\"", "--volume db/data")]
    [InlineData(null, null, "backup: shop has several, say which", "--accessory db")]
    [InlineData("db", "db/data", "backup: --accessory and --volume name one thing each", "give one of them")]
    public void A_target_that_is_not_there_or_not_one_is_refused_with_the_choices(string? accessory, string? volume, string message, string hint)
    {
        var app = Manifests.Parse("""
            app: shop
            source: { git: https://example.invalid/shop.git }
            accessories:
              db: { image: postgres, volumes: { data: /var/lib/postgresql/data } }
              cache2: { image: redis }
            """, Path.Combine(_dir.Path, "slipway.yaml"));

        var error = Assert.Throws<SlipwayException>(() => BackupTargets.Resolve(app, accessory, volume));
        Assert.Equal(message, error.Message);
        Assert.Contains(hint, error.Hint);
    }
}
