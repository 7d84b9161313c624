using System.IO.Compression;
using System.Security.Cryptography;

namespace Slipway.Backups;

/// <summary>
/// Writes one backup, the same way for <c>slipway backup</c> and the scheduler: the data, gzip-compressed, into a private
/// partial file, then its digest, then the store (data first, metadata last); only a stored backup lets older ones be pruned.
/// A failure at any step deletes the partial file and nothing else.
/// </summary>
public static class BackupWriter
{
    /// <summary>What a backup is of and when: the record's fields known before its data is read.</summary>
    public sealed record Subject(string App, string Environment, BackupTarget Target, DateTimeOffset At, string? Release)
    {
        public string Id => BackupRecord.NewId(App, Target, At);
    }

    /// <param name="produce">Writes the data to the stream it is given; returns its format (<c>command</c> or <c>tar</c>).</param>
    /// <param name="outputFile">A file of the user's choosing instead of the store (with its metadata beside it as FILE.json); not pruned.</param>
    /// <param name="scratchFolder">Where a backup bound for a remote store is written first.</param>
    public static async Task<BackupRecord> WriteAsync(Subject subject, Func<Stream, CancellationToken, Task<string>> produce, IBackupStore store,
        string? outputFile, string scratchFolder, CancellationToken ct)
    {
        var id = subject.Id;
        var partial = outputFile is not null ? outputFile + ".partial"
            : store is FolderBackupStore folder ? folder.DataPathOf(new BackupRecord(id, subject.App, "", "", "", "", subject.At, null, 0, new string('0', 64))) + ".partial"
            : Path.Combine(scratchFolder, id + ".gz.partial");
        Directory.CreateDirectory(Path.GetDirectoryName(partial)!);
        try
        {
            string format;
            // A killed run's partial file is ours to overwrite.
            var options = new FileStreamOptions
            {
                Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 1 << 16, Options = FileOptions.Asynchronous,
            };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite; // whatever the umask
            await using (var file = new FileStream(partial, options))
            {
                await using (var gzip = new GZipStream(file, CompressionLevel.Fastest, leaveOpen: true))
                    format = await produce(gzip, ct);
                await file.FlushAsync(ct);
            }
            var (bytes, sha256) = await DigestAsync(partial, ct);
            var record = new BackupRecord(id, subject.App, subject.Environment, subject.Target.Kind, subject.Target.Name, format, subject.At, subject.Release, bytes, sha256);
            if (outputFile is not null)
            {
                File.Move(partial, outputFile, overwrite: true);
                await File.WriteAllTextAsync(outputFile + ".json", record.ToJson(), ct);
                return record;
            }
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
            return record;
        }
        catch
        {
            File.Delete(partial);
            throw;
        }
    }

    /// <summary>Deletes the target's backups past the newest <paramref name="keep"/>; returns how many.</summary>
    public static async Task<int> PruneAsync(string app, BackupTarget target, IBackupStore store, int keep, CancellationToken ct)
    {
        var old = (await store.ListAsync(app, ct)).Where(r => r.Target == target).OrderByDescending(r => r.CreatedAt).Skip(keep).ToList();
        foreach (var record in old) await store.DeleteAsync(record, ct);
        return old.Count;
    }

    /// <summary>A file's size and SHA-256 (lowercase hex).</summary>
    public static async Task<(long Bytes, string Sha256)> DigestAsync(string file, CancellationToken ct)
    {
        await using var stream = File.OpenRead(file);
        var hash = await SHA256.HashDataAsync(stream, ct);
        return (stream.Length, Convert.ToHexStringLower(hash));
    }
}
