using System.Formats.Tar;
using System.Net;
using System.Text;
using System.Net.Http.Headers;
using static Slipway.Engine.EngineRequests;

namespace Slipway.Engine;

/// <summary>Files in and out of a container as tar archives (<c>docker cp</c>), and pausing it while they are read.</summary>
public sealed partial class DockerEngine
{
    /// <summary>Freezes every process of the container (the cgroup freezer): nothing it holds changes until it is unpaused.</summary>
    public Task PauseContainerAsync(string id, CancellationToken ct) => PostAsync($"{ApiPrefix}/containers/{id}/pause", ct);

    public Task UnpauseContainerAsync(string id, CancellationToken ct) => PostAsync($"{ApiPrefix}/containers/{id}/unpause", ct);

    /// <summary>Copies <paramref name="path"/> (a folder: its top entry is the folder's own name) out of the container as a tar stream.</summary>
    public async Task GetArchiveAsync(string id, string path, Stream output, CancellationToken ct)
    {
        using var response = await _http.GetAsync($"{ApiPrefix}/containers/{id}/archive?path={Uri.EscapeDataString(path)}",
            HttpCompletionOption.ResponseHeadersRead, ct);
        await EnsureSuccessAsync(response, ct);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        await body.CopyToAsync(output, ct);
    }

    /// <summary>
    /// Copies <paramref name="path"/> out of the first of <paramref name="users"/> with every running one paused meanwhile, so no
    /// file under it changes while it is read (a consistent copy of a volume they share); they run on whatever happens.
    /// </summary>
    public async Task ArchiveWhilePausedAsync(IReadOnlyList<ContainerSummary> users, string path, Stream output, CancellationToken ct)
    {
        var running = users.Where(u => u.State == "running").ToList();
        var paused = new List<string>();
        try
        {
            foreach (var user in running)
            {
                await PauseContainerAsync(user.Id, ct);
                paused.Add(user.Id);
            }
            await GetArchiveAsync(users[0].Id, path, output, ct);
        }
        finally
        {
            foreach (var id in paused) await UnpauseContainerAsync(id, CancellationToken.None);
        }
    }

    /// <summary>A file (or folder) of one container copied to the same place in another, owners and modes kept.</summary>
    public async Task CopyPathAsync(string from, string to, string path, CancellationToken ct)
    {
        using var archive = new MemoryStream();
        await GetArchiveAsync(from, path, archive, ct);
        archive.Position = 0;
        await PutArchiveAsync(to, Path.GetDirectoryName(path) ?? "/", archive, ct);
    }

    /// <summary>
    /// Extracts a tar stream into <paramref name="folder"/> of the container (running or not), owners and modes kept as archived
    /// (<c>copyUIDGID</c> would give every file the container user's instead).
    /// </summary>
    public async Task PutArchiveAsync(string id, string folder, Stream archive, CancellationToken ct)
    {
        using var content = new StreamContent(archive);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        using var response = await _http.PutAsync(
            $"{ApiPrefix}/containers/{id}/archive?path={Uri.EscapeDataString(folder)}&noOverwriteDirNonDir=1", content, ct);
        if (response.StatusCode == HttpStatusCode.NotFound) throw new EngineApiException(404, $"{folder} does not exist in the container");
        await EnsureSuccessAsync(response, ct);
    }

    /// <summary>A small file put in a container (running, stopped or never started), owned by root and readable by root only.</summary>
    public async Task PutPrivateFileAsync(string id, string folder, string name, string content, CancellationToken ct)
    {
        using var archive = new MemoryStream();
        await using (var writer = new TarWriter(archive, TarEntryFormat.Pax, leaveOpen: true))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, name)
            {
                Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite, Uid = 0, Gid = 0,
                DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
            };
            await writer.WriteEntryAsync(entry, ct);
        }
        archive.Position = 0;
        await PutArchiveAsync(id, folder, archive, ct);
    }

    /// <summary>A small file's text read out of a container; null when it has no such file.</summary>
    public async Task<string?> ReadFileAsync(string id, string path, CancellationToken ct)
    {
        using var archive = new MemoryStream();
        try
        {
            await GetArchiveAsync(id, path, archive, ct);
        }
        catch (EngineApiException e) when (e.Status == 404)
        {
            return null;
        }
        archive.Position = 0;
        using var reader = new TarReader(archive);
        if (await reader.GetNextEntryAsync(copyData: true, ct) is not { DataStream: { } data }) return null;
        using var text = new StreamReader(data, Encoding.UTF8);
        return await text.ReadToEndAsync(ct);
    }
}
