namespace Slipway.Backups;

/// <summary>Backups in a folder of this machine (by default the state directory's, private to its user), one subfolder per app.</summary>
public sealed class FolderBackupStore(string root) : IBackupStore
{
    public string Location => root;

    private string FolderOf(string app) => Path.Combine(root, app);

    public async Task PutAsync(BackupRecord record, string dataFile, CancellationToken ct)
    {
        var folder = FolderOf(record.App);
        Directory.CreateDirectory(folder);
        var data = Path.Combine(folder, record.DataFileName);
        if (Path.GetFullPath(dataFile) != Path.GetFullPath(data)) File.Copy(dataFile, data, overwrite: false);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, record.MetadataFileName), record.ToJson(), ct); // last: a backup without it is not listed
        }
        catch
        {
            File.Delete(data);
            throw;
        }
    }

    /// <summary>Where <see cref="PutAsync"/> will put a backup's data: written there directly, so a large one is not copied.</summary>
    public string DataPathOf(BackupRecord record)
    {
        Directory.CreateDirectory(FolderOf(record.App));
        return Path.Combine(FolderOf(record.App), record.DataFileName);
    }

    public async Task<IReadOnlyList<BackupRecord>> ListAsync(string app, CancellationToken ct)
    {
        var folder = FolderOf(app);
        if (!Directory.Exists(folder)) return [];
        var records = new List<BackupRecord>();
        foreach (var file in Directory.EnumerateFiles(folder, "*.json"))
        {
            if (BackupRecord.FromJson(await File.ReadAllTextAsync(file, ct)) is { } record && record.App == app
                && File.Exists(Path.Combine(folder, record.DataFileName)))
                records.Add(record);
        }
        return records.OrderByDescending(r => r.CreatedAt).ToList();
    }

    public Task FetchAsync(BackupRecord record, string toFile, CancellationToken ct)
    {
        File.Copy(Path.Combine(FolderOf(record.App), record.DataFileName), toFile, overwrite: true);
        return Task.CompletedTask;
    }

    public Task DeleteAsync(BackupRecord record, CancellationToken ct)
    {
        File.Delete(Path.Combine(FolderOf(record.App), record.MetadataFileName)); // first: a half-deleted backup is not listed
        File.Delete(Path.Combine(FolderOf(record.App), record.DataFileName));
        return Task.CompletedTask;
    }
}
