using Slipway.Foundation;
using Slipway.Platforms.Backups;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Backups;

/// <summary>Backup records, the targets a backup names, and the folder store, as pure logic and real files.</summary>
[Trait("Tier", "unit")]
public sealed class BackupStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static BackupRecord Record(string name, DateTimeOffset at) =>
        new(BackupRecord.NewId("shop", new BackupTarget(BackupTarget.Accessory, name), at), "shop", "local", BackupTarget.Accessory, name, "command", at, "abc1234", 3,
            new string('a', 64));

    [Fact]
    public void A_record_round_trips_through_its_metadata_and_anything_else_is_not_one()
    {
        var record = Record("db", new DateTimeOffset(2026, 12, 7, 3, 15, 0, 123, TimeSpan.Zero));

        Assert.Equal("shop-db-20261207T031500123Z", record.Id);
        Assert.Equal(record, BackupRecord.FromJson(record.ToJson()));
        Assert.Null(BackupRecord.FromJson("{\"id\": \"x\"}"));
        Assert.Null(BackupRecord.FromJson("not json"));
        Assert.Equal("shop-db.data-20261207T031500123Z",
            BackupRecord.NewId("shop", new BackupTarget(BackupTarget.Volume, "db/data"), new DateTimeOffset(2026, 12, 7, 3, 15, 0, 123, TimeSpan.Zero)));
    }

    [Fact]
    public async Task The_folder_store_lists_newest_first_skips_a_backup_without_data_and_deletes_both_files()
    {
        var store = new FolderBackupStore(_dir.Path);
        var older = Record("db", DateTimeOffset.UnixEpoch.AddDays(1));
        var newer = Record("db", DateTimeOffset.UnixEpoch.AddDays(2));
        foreach (var record in new[] { older, newer })
        {
            var data = store.DataPathOf(record);
            await File.WriteAllTextAsync(data, "abc", TestContext.Current.CancellationToken);
            await store.PutAsync(record, data, TestContext.Current.CancellationToken);
        }
        File.Delete(Path.Combine(_dir.Path, "shop", older.DataFileName)); // cut short: not a backup

        Assert.Equal([newer], await store.ListAsync("shop", TestContext.Current.CancellationToken));
        await store.DeleteAsync(newer, TestContext.Current.CancellationToken);
        Assert.Empty(await store.ListAsync("shop", TestContext.Current.CancellationToken));
        Assert.Equal([older.MetadataFileName], Directory.GetFiles(Path.Combine(_dir.Path, "shop")).Select(Path.GetFileName));
    }

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
