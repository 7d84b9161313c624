using System.IO.Compression;
using Slipway.Backups;
using Slipway.Tests.Support;

namespace Slipway.Tests.Backups;

/// <summary>One backup written into a real folder store: its data, digest and privacy, and what a failure leaves.</summary>
[Trait("Tier", "unit")]
public sealed class BackupWriterTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static BackupWriter.Subject Subject(int minute) =>
        new("shop", "prod", new BackupTarget(BackupTarget.Accessory, "db"), new DateTimeOffset(2026, 12, 7, 3, minute, 0, TimeSpan.Zero), "abc1234");

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_backup_is_stored_private_with_the_digest_of_its_gzip_data()
    {
        var store = new FolderBackupStore(_dir.Path);

        var record = await BackupWriter.WriteAsync(Subject(0), async (output, ct) =>
        {
            await output.WriteAsync("-- dump"u8.ToArray(), ct);
            return BackupFormats.Command;
        }, store, null, _dir.Path, Ct);

        var data = Path.Combine(_dir.Path, "shop", record.DataFileName);
        Assert.Equal((await BackupWriter.DigestAsync(data, Ct)).Sha256, record.Sha256);
        await using (var gzip = new GZipStream(File.OpenRead(data), CompressionMode.Decompress))
            Assert.Equal("-- dump", await new StreamReader(gzip).ReadToEndAsync(Ct));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(data));
        Assert.Equal([record], await store.ListAsync("shop", Ct));
    }

    [Fact]
    public async Task A_backup_that_fails_midway_leaves_the_store_as_it_was_and_no_partial_file()
    {
        var store = new FolderBackupStore(_dir.Path);
        var earlier = await BackupWriter.WriteAsync(Subject(0), (_, _) => Task.FromResult(BackupFormats.Tar), store, null, _dir.Path, Ct);

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => BackupWriter.WriteAsync(Subject(1), async (output, ct) =>
        {
            await output.WriteAsync(new byte[4096], ct);
            throw new InvalidOperationException("the dump broke off");
        }, store, null, _dir.Path, Ct));

        Assert.Equal("the dump broke off", failure.Message);
        Assert.Equal([earlier], await store.ListAsync("shop", Ct));
        Assert.Equal(2, Directory.GetFiles(Path.Combine(_dir.Path, "shop")).Length); // the earlier backup's data and metadata only
        Assert.Equal(0, await BackupWriter.PruneAsync("shop", earlier.Target, store, keep: 1, Ct));
    }
}
