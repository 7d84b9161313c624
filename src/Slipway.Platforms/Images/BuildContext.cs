using System.Formats.Tar;
using Slipway.Foundation;
using Slipway.Foundation.Files;

namespace Slipway.Platforms.Images;

/// <summary>
/// The tar archive sent to the engine: the app's files plus the manifest's Dockerfile, which may live
/// outside the app's repository (a deploy repository beside the app's). It never holds anything from outside the source
/// tree (a link that leads out is refused, naming it), what <c>.dockerignore</c> leaves out, git metadata, or
/// a secret's file (left out with a warning).
/// </summary>
public static class BuildContext
{
    /// <summary>Where the manifest's Dockerfile is placed inside the archive; unlikely to clash with an app file.</summary>
    public const string DockerfileEntry = ".slipway/Dockerfile";

    private static readonly HashSet<string> Skipped = [".git", ".slipway"];

    public static Task<MemoryStream> CreateAsync(string contextDirectory, string dockerfile, CancellationToken ct) =>
        CreateAsync(contextDirectory, dockerfile, new Dictionary<string, string>(), _ => { }, ct);

    /// <param name="secretFiles">Files that hold secrets, by secret name: never put in the archive.</param>
    /// <param name="warn">Told of each secret file that was inside the context and left out.</param>
    public static async Task<MemoryStream> CreateAsync(string contextDirectory, string dockerfile,
        IReadOnlyDictionary<string, string> secretFiles, Action<string> warn, CancellationToken ct)
    {
        var root = RealPath.Of(contextDirectory)
                   ?? throw new SlipwayException(ErrorCode.SourceNotFound, $"build context: {contextDirectory} does not exist", "check source.subdirectory");
        var secrets = secretFiles
            .Select(s => (Name: s.Key, Real: RealPath.Of(s.Value)))
            .Where(s => s.Real is not null && RealPath.IsInside(s.Real, root))
            .ToDictionary(s => Path.GetRelativePath(root, s.Real!).Replace(Path.DirectorySeparatorChar, '/'), s => s.Name);
        var archive = new MemoryStream();
        await using (var writer = new TarWriter(archive, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var entryName in Entries(root, DockerIgnore.Load(root)))
            {
                ct.ThrowIfCancellationRequested();
                if (secrets.TryGetValue(entryName, out var secret))
                {
                    warn($"secrets.{secret}: {entryName} is inside the build context; it was left out of the image (list it in .dockerignore to say so)");
                    continue;
                }
                await WriteAsync(writer, Path.Combine(root, entryName), entryName, ct);
            }
            await WriteAsync(writer, dockerfile, DockerfileEntry, ct);
        }
        archive.Position = 0;
        return archive;
    }

    /// <summary>
    /// One entry with the modes git itself knows (0755 when executable, else 0644) and owned by root, whatever
    /// the deploying machine's umask or user: a clone made private (0600) must still be readable by an image's
    /// non-root USER, and the same commit must build the same image everywhere.
    /// </summary>
    private static async Task WriteAsync(TarWriter writer, string path, string entryName, CancellationToken ct)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is { } target)
        {
            await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.SymbolicLink, entryName) { LinkName = target, Mode = Normal(executable: true) }, ct);
            return;
        }
        var executable = !OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & UnixFileMode.UserExecute) != 0;
        await using var data = File.OpenRead(path);
        await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, entryName)
        {
            Mode = Normal(executable), ModificationTime = info.LastWriteTimeUtc, DataStream = data,
        }, ct);
    }

    private static UnixFileMode Normal(bool executable) =>
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead
        | (executable ? UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute : 0);

    /// <summary>
    /// The context's entries, relative and '/'-separated, in a stable order: regular files and links that stay
    /// inside it (kept as links, as the engine's own client does). A link that leads out is refused.
    /// </summary>
    public static IEnumerable<string> Entries(string root, DockerIgnore ignore)
    {
        var pending = new Stack<string>([""]);
        var entries = new List<string>();
        while (pending.Count > 0)
        {
            var relativeDir = pending.Pop();
            foreach (var full in Directory.EnumerateFileSystemEntries(Path.Combine(root, relativeDir)))
            {
                var name = Path.GetFileName(full);
                var relative = relativeDir.Length == 0 ? name : $"{relativeDir}/{name}";
                if (Skipped.Contains(name) || ignore.Ignores(relative)) continue;
                var info = new FileInfo(full);
                if (info.LinkTarget is { } target)
                {
                    if (!RealPath.IsInside(full, root))
                        throw new SlipwayException(ErrorCode.InvalidSetting,
                            $"build context: {relative} is a link to {target}, outside the source tree",
                            "nothing outside the app's folder may reach an image: remove the link, or list it in .dockerignore");
                    entries.Add(relative);
                }
                else if (info.Attributes.HasFlag(FileAttributes.Directory))
                {
                    pending.Push(relative);
                }
                else
                {
                    entries.Add(relative);
                }
            }
        }
        return entries.Order(StringComparer.Ordinal);
    }
}
