using System.Formats.Tar;

namespace Slipway.Build;

/// <summary>
/// The tar archive sent to the engine: the app's files plus the manifest's Dockerfile, which may live
/// outside the app's repository (as in the original script). Git metadata never goes in.
/// </summary>
public static class BuildContext
{
    /// <summary>Where the manifest's Dockerfile is placed inside the archive; unlikely to clash with an app file.</summary>
    public const string DockerfileEntry = ".slipway/Dockerfile";

    private static readonly HashSet<string> Skipped = [".git", ".slipway"];

    public static async Task<MemoryStream> CreateAsync(string contextDirectory, string dockerfile, CancellationToken ct)
    {
        var archive = new MemoryStream();
        await using (var writer = new TarWriter(archive, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var file in Files(contextDirectory))
            {
                ct.ThrowIfCancellationRequested();
                var entryName = Path.GetRelativePath(contextDirectory, file).Replace(Path.DirectorySeparatorChar, '/');
                await writer.WriteEntryAsync(file, entryName, ct);
            }
            await writer.WriteEntryAsync(dockerfile, DockerfileEntry, ct);
        }
        archive.Position = 0;
        return archive;
    }

    /// <summary>Regular files under the context, in a stable order, skipping git metadata.</summary>
    public static IEnumerable<string> Files(string contextDirectory)
    {
        var pending = new Stack<string>([contextDirectory]);
        var files = new List<string>();
        while (pending.Count > 0)
        {
            var dir = pending.Pop();
            foreach (var entry in Directory.EnumerateFileSystemEntries(dir))
            {
                var name = Path.GetFileName(entry);
                if (Skipped.Contains(name)) continue;
                var info = new FileInfo(entry);
                if (info.Attributes.HasFlag(FileAttributes.Directory))
                {
                    if (info.LinkTarget is null) pending.Push(entry);
                }
                else
                {
                    files.Add(entry);
                }
            }
        }
        return files.Order(StringComparer.Ordinal);
    }
}
