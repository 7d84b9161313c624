using System.IO.Compression;
using Slipway.Configuration;
using Slipway.Foundation;
using Slipway.Foundation.Output;
using Slipway.Platforms;
using Slipway.Platforms.Backups;
using Slipway.Backups;

namespace Slipway.Pipeline;

/// <summary>
/// <c>backup</c> and <c>restore</c>: a consistent copy of an accessory's or a volume's data, written and stored by
/// <see cref="BackupWriter"/> with its metadata (app, environment, time, release, digest); a restore checks the digest first.
/// </summary>
public sealed class BackupPipeline(IPlatform platform, IAppData data, Reporter reporter, TimeProvider time, string scratchFolder)
{
    /// <param name="outputFile">A file of the user's choosing instead of the store (with its metadata beside it as FILE.json); not pruned.</param>
    public Task<BackupRecord> BackupAsync(AppManifest app, BackupTarget target, IBackupStore store, string? outputFile, int keep, CancellationToken ct) =>
        reporter.StageAsync("backup", async log =>
        {
            var release = (await platform.GetStatusAsync(app, ct)).Version;
            var subject = new BackupWriter.Subject(app.App, app.Environment.Name, target, time.GetUtcNow(), release);
            var record = await BackupWriter.WriteAsync(subject, (output, token) => data.BackupAsync(app, target, output, token), store, outputFile, scratchFolder, ct);
            log.Info($"{target}: {ByteSize.Format(record.Bytes)} ({record.Format}) as {record.Id} in {(outputFile ?? store.Location)}");
            var pruned = outputFile is null ? await BackupWriter.PruneAsync(app.App, target, store, keep, ct) : 0;
            if (pruned > 0) log.Info($"deleted {pruned} older backup(s) of {target}: {keep} are kept (backups.keep)");
            return StageOutcome.Done(record, $"backed up {target} of {app.App}");
        });

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
                var (bytes, sha256) = await BackupWriter.DigestAsync(file, ct);
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
