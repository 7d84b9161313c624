using Slipway.Platforms.Backups;
using Slipway.Platforms.Local;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Local;

/// <summary>What a scheduled backup takes of an app, as pure logic: every piece of its data, each named as restore names it.</summary>
[Trait("Tier", "unit")]
public sealed class ScheduledBackupSourcesTests
{
    [Fact]
    public void Each_accessory_by_its_command_else_each_of_its_volumes_and_each_app_volume_by_the_replicas_that_mount_it()
    {
        var app = Manifests.Parse("""
            app: shop
            source: { git: https://example.invalid/shop.git }
            replicas: 1
            volumes: { uploads: /srv/uploads }
            accessories:
              db:
                image: postgres
                volumes: { data: /var/lib/postgresql/data }
                backup: { command: [pg_dump, app], restore: [psql, app] }
              search: { image: meili, volumes: { index: /index, dumps: /dumps } }
              cache: { image: redis }
            """, "/tmp/slipway.yaml");

        var sources = LocalScheduledBackups.Sources(app);

        Assert.Equal(["accessory db", "volume search/index", "volume search/dumps", "volume uploads"], sources.Select(s => s.Target.ToString()));
        Assert.Equal(["pg_dump", "app"], sources[0].Command!);
        Assert.Equal(("/index", null), (sources[1].Path, sources[1].Command));
        Assert.Equal(["slipway.volumes", "uploads"], sources[3].Mounting!); // only the replicas that mount it, not every container of the app
        Assert.All(sources, s => Assert.Contains(s.Target, BackupTargets.All(app))); // so restore takes each back
    }
}
