namespace Slipway.Backups;

/// <summary>Where backups are kept: a folder, or an S3 bucket. Each backup is a gzip data file and a JSON metadata file beside it.</summary>
public interface IBackupStore
{
    /// <summary>The location, as the user wrote it (for output).</summary>
    string Location { get; }

    /// <summary>Stores a finished local file as the backup <paramref name="record"/> describes; nothing is stored if it fails.</summary>
    Task PutAsync(BackupRecord record, string dataFile, CancellationToken ct);

    /// <summary>The app's backups here, newest first.</summary>
    Task<IReadOnlyList<BackupRecord>> ListAsync(string app, CancellationToken ct);

    /// <summary>Copies a backup's data to a local file.</summary>
    Task FetchAsync(BackupRecord record, string toFile, CancellationToken ct);

    Task DeleteAsync(BackupRecord record, CancellationToken ct);
}
