using System.IO.Compression;
using System.Security.Cryptography;
using Slipway.Configuration;
using Slipway.Foundation;
using Slipway.Foundation.Output;
using Slipway.Platforms;
using Slipway.Platforms.Backups;

namespace Slipway.Pipeline;

/// <summary>
/// <c>backup</c> and <c>restore</c>: a consistent copy of an accessory's or a volume's data, gzip-compressed, written to a private
/// file beside its metadata (app, environment, time, release, digest), then stored; only then are backups past the retention count
/// deleted. A failure at any step deletes the partial file and nothing else.
/// </summary>
public sealed class BackupPipeline(IPlatform platform, IAppData data, Reporter reporter, TimeProvider time, string scratchFolder)
{
    /// <param name="outputFile">A file of the user's choosing instead of the store (with its metadata beside it as FILE.json); not pruned.</param>
    public async Task<BackupRecord> BackupAsync(AppManifest app, BackupTarget target, IBackupStore store, string? outputFile, int keep, CancellationToken ct)
    {
        var at = time.GetUtcNow();
        var id = BackupRecord.NewId(app.App, target, at);
        var partial = outputFile is not null ? outputFile + ".partial"
            : store is FolderBackupStore folder ? folder.DataPathOf(new BackupRecord(id, app.App, "", "", "", "", at, null, 0, new string('0', 64))) + ".partial"
            : Path.Combine(scratchFolder, id + ".gz.partial");
        Directory.CreateDirectory(Path.GetDirectoryName(partial)!);
        return await reporter.StageAsync("backup", async log =>
        {
            BackupRecord record;
            try
            {
                var release = (await platform.GetStatusAsync(app, ct)).Version;
                string format;
                // A killed run's partial file is ours to overwrite.
                await using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
                {
                    await using (var gzip = new GZipStream(file, CompressionLevel.Fastest, leaveOpen: true))
                        format = await data.BackupAsync(app, target, gzip, ct);
                    await file.FlushAsync(ct);
                }
                var (bytes, sha256) = await DigestAsync(partial, ct);
                record = new BackupRecord(id, app.App, app.Environment.Name, target.Kind, target.Name, format, at, release, bytes, sha256);
                if (outputFile is not null)
                {
                    File.Move(partial, outputFile, overwrite: true);
                    await File.WriteAllTextAsync(outputFile + ".json", record.ToJson(), ct);
                }
                else
                {
                    var final = store is FolderBackupStore f ? f.DataPathOf(record) : partial;
                    if (final != partial) File.Move(partial, final);
                    try
                    {
                        await store.PutAsync(record, final, ct);
                    }
                    catch
                    {
                        if (final != partial) File.Move(final, partial, overwrite: true); // deleted below with the partial file
                        throw;
                    }
                    if (final == partial) File.Delete(partial); // uploaded
                }
            }
            catch
            {
                File.Delete(partial);
                throw;
            }
            log.Info($"{target}: {ByteSize.Format(record.Bytes)} ({record.Format}) as {record.Id} in {(outputFile ?? store.Location)}");
            var pruned = outputFile is null ? await PruneAsync(app, target, store, keep, ct) : 0;
            if (pruned > 0) log.Info($"deleted {pruned} older backup(s) of {target}: {keep} are kept (backups.keep)");
            return StageOutcome.Done(record, $"backed up {target} of {app.App}");
        });
    }

    private static async Task<int> PruneAsync(AppManifest app, BackupTarget target, IBackupStore store, int keep, CancellationToken ct)
    {
        var old = (await store.ListAsync(app.App, ct)).Where(r => r.Target == target).OrderByDescending(r => r.CreatedAt).Skip(keep).ToList();
        foreach (var record in old) await store.DeleteAsync(record, ct);
        return old.Count;
    }

    private static async Task<(long Bytes, string Sha256)> DigestAsync(string file, CancellationToken ct)
    {
        await using var stream = File.OpenRead(file);
        var hash = await SHA256.HashDataAsync(stream, ct);
        return (stream.Length, Convert.ToHexStringLower(hash));
    }

    /// <summary>Puts a backup back into the target it was taken of, after checking its digest.</summary>
    public Task RestoreAsync(AppManifest app, BackupRecord record, IBackupStore? store, string? localFile, CancellationToken ct)
    {
        if (record.App != app.App)
            throw new SlipwayException(ErrorCode.InvalidSetting, $"restore: {record.Id} is a backup of {record.App}, not of {app.App}",
                "restore it with that app's manifest (and -e for its environment)");
        return PutBackAsync(app, record, store, localFile, ct);
    }

    /// <summary>A new preview's data from its base's backup (<c>previews.seed</c>): a restore of another app's backup into the preview's own target.</summary>
    public Task SeedAsync(AppManifest preview, BackupRecord record, IBackupStore store, CancellationToken ct) =>
        PutBackAsync(preview, record, store, localFile: null, ct);

    private async Task PutBackAsync(AppManifest app, BackupRecord record, IBackupStore? store, string? localFile, CancellationToken ct)
    {
        if (!BackupTargets.All(app).Contains(record.Target))
            throw new SlipwayException(ErrorCode.InvalidSetting, $"restore: {app.App} has no {record.Target} any more", "put it back in the manifest and run slipway up first");
        var file = localFile ?? Path.Combine(scratchFolder, record.DataFileName + ".restore");
        Directory.CreateDirectory(scratchFolder);
        await reporter.StageAsync("restore", async log =>
        {
            try
            {
                if (localFile is null) await store!.FetchAsync(record, file, ct);
                var (bytes, sha256) = await DigestAsync(file, ct);
                if (sha256 != record.Sha256)
                    throw new SlipwayException(ErrorCode.BackupFailed, $"restore: {record.Id}'s data does not match its digest ({bytes} bytes read, {record.Bytes} stored)",
                        "it was changed or cut short since it was taken; use another backup (slipway backups)");
                await using var stream = File.OpenRead(file);
                await using var gzip = new GZipStream(stream, CompressionMode.Decompress);
                await data.RestoreAsync(app, record.Target, record.Format, gzip, log, ct);
            }
            finally
            {
                if (localFile is null) File.Delete(file);
            }
            return StageOutcome.Done(true, $"restored {record.Target} of {app.App} from {record.Id} (taken {record.CreatedAt:u}{(record.Release is { } r ? $", release {r}" : "")})");
        });
    }
}
