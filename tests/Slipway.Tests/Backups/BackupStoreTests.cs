using Slipway.Foundation;
using Slipway.Backups;
using Slipway.Tests.Support;

namespace Slipway.Tests.Backups;

/// <summary>Backup records and the folder store, as pure logic and real files.</summary>
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
}
