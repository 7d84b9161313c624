using System.Formats.Tar;
using System.IO.Pipelines;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Slipway.Engine;
using Slipway.Foundation;

namespace Slipway.Platforms.EdgeControl;

/// <summary>
/// The edge's image, built on the engine it runs on from the edge this Slipway carries (published self-contained for
/// Linux beside the program, so the image needs no .NET and no registry). Its tag is the edge build's own identity, so
/// each Slipway version builds its edge once per engine and an engine keeps the edges of the versions that use it.
/// </summary>
public sealed class EdgeImage(DockerEngine engine)
{
    public const string Repository = "slipway-edge";
    public const string Label = "slipway.edge.image";
    /// <summary>Where the state lives inside the container: a bind mount of the state directory's edge folder, or a volume.</summary>
    public const string StateFolder = "/var/lib/slipway-edge";
    public const string Program = "/opt/slipway-edge/slipway-edge";

    /// <summary>The edge's image on the engine the docker CLI would choose (DOCKER_HOST, the Docker context), and that engine's name.</summary>
    public static async Task<(string Image, string Engine)> EnsureOnSelectedEngineAsync(Func<string, string?> environment, Action<string> onOutput,
        CancellationToken ct)
    {
        using var engine = new DockerEngine(EngineSelection.Resolve(null, environment));
        await engine.EnsureReachableAsync(ct);
        return (await new EdgeImage(engine).EnsureAsync(environment, onOutput, ct), engine.Endpoint.Display);
    }

    /// <summary>The image this Slipway's edge runs from, built on the engine when it has none yet.</summary>
    public async Task<string> EnsureAsync(Func<string, string?> environment, Action<string> onOutput, CancellationToken ct)
    {
        var files = PublishedFolder();
        var tag = $"{Repository}:{BuildIdentity(files)}";
        if (await engine.ImageExistsAsync(tag, ct)) return tag;
        var version = await engine.VersionAsync(ct);
        var baseImage = await BaseImageAsync(environment, ct);
        onOutput($"building the edge's image {tag} on the engine (once per Slipway version), from {baseImage}");
        var pipe = new Pipe();
        var writing = WriteContextAsync(pipe.Writer.AsStream(), files, Dockerfile(baseImage), ct);
        try
        {
            await engine.BuildImageAsync(pipe.Reader.AsStream(), new ImageBuildRequest
            {
                Tag = tag, DockerfilePath = "Dockerfile", Labels = new Dictionary<string, string> { [Label] = "1" },
            }, _ => { }, ct);
        }
        catch (EngineApiException e)
        {
            throw new SlipwayException(ErrorCode.EdgeUnavailable, $"the edge's image could not be built on {engine.Endpoint.Display} (engine {version.Version}): {e.Message.Split('\n')[0]}",
                $"the edge builds FROM {baseImage}: put an image with glibc and OpenSSL 3 on the engine and name it in SLIPWAY_EDGE_BASE_IMAGE");
        }
        finally
        {
            await pipe.Reader.CompleteAsync();
            try { await writing; } catch (Exception e) when (e is IOException or InvalidOperationException or OperationCanceledException) { }
        }
        return tag;
    }

    /// <summary>
    /// What the edge builds FROM: <c>SLIPWAY_EDGE_BASE_IMAGE</c>; else Microsoft's image for self-contained .NET programs when
    /// the engine has it; else the base image scripts/install.sh builds (no registry needed); else Microsoft's, pulled.
    /// </summary>
    private async Task<string> BaseImageAsync(Func<string, string?> environment, CancellationToken ct)
    {
        if (environment("SLIPWAY_EDGE_BASE_IMAGE") is { Length: > 0 } chosen) return chosen;
        foreach (var candidate in BaseImages)
            if (await engine.ImageExistsAsync(candidate, ct)) return candidate;
        return BaseImages[0];
    }

    public static readonly IReadOnlyList<string> BaseImages = ["mcr.microsoft.com/dotnet/runtime-deps:10.0", "localhost/bookworm-python:latest"];

    /// <summary>
    /// Root, for ports below 1024, but with no capability beyond binding them (set when the container is made); the thread
    /// count is fixed at start, when the container sees the machine's processors (see EdgeServer for why two per core).
    /// Inline socket completions are the proxy's alone (<c>serve</c>): the scheduler and a scheduled backup run libraries
    /// (the AWS SDK's XML reading) that block on a socket read inside a continuation, which with them runs on the very
    /// thread that would deliver that read's data: a backup to S3 hung so, its answer unread in the socket.
    /// </summary>
    public static string Dockerfile(string baseImage) => $$"""
        FROM {{baseImage}}
        COPY edge/ /opt/slipway-edge/
        ENV DOTNET_gcServer=1 DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 DOTNET_EnableDiagnostics=0
        ENTRYPOINT ["/bin/sh", "-c", "export DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT=$((2 * $(nproc))); if [ \"$1\" = serve ]; then export DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1; fi; exec {{Program}} \"$@\"", "slipway-edge"]
        CMD ["serve", "--dir", "{{StateFolder}}"]
        """;

    /// <summary>The published edge: beside this program in edge-image/linux-x64 (EdgeImage.targets puts it there).</summary>
    public static string PublishedFolder()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "edge-image", "linux-x64");
        if (!File.Exists(Path.Combine(folder, "slipway-edge")))
            throw new SlipwayException(ErrorCode.EdgeUnavailable, $"the edge this Slipway runs ({folder}) is missing",
                "rebuild Slipway (./slipway builds it, edge included), or reinstall it");
        return folder;
    }

    /// <summary>
    /// The build's identity: the image's Dockerfile and the MVID of each assembly of the edge's own code and libraries (and the
    /// runtime's core), which a deterministic build changes exactly when their code does. The edge assembly's alone kept an
    /// image whose libraries (the engine client, the backup writer) or Dockerfile had changed.
    /// </summary>
    public static string BuildIdentity(string folder)
    {
        var parts = new List<string> { Dockerfile("BASE") };
        foreach (var assembly in Directory.EnumerateFiles(folder, "*.dll").Select(Path.GetFileName).OfType<string>()
                     .Where(name => name.StartsWith("Slipway.", StringComparison.Ordinal) || name.StartsWith("slipway-", StringComparison.Ordinal)
                                    || name.StartsWith("Yarp.", StringComparison.Ordinal) || name.StartsWith("AWSSDK.", StringComparison.Ordinal)
                                    || name == "System.Private.CoreLib.dll")
                     .Order(StringComparer.Ordinal))
        {
            using var stream = File.OpenRead(Path.Combine(folder, assembly));
            using var pe = new PEReader(stream);
            var reader = pe.GetMetadataReader();
            parts.Add($"{assembly} {reader.GetGuid(reader.GetModuleDefinition().Mvid):N}");
        }
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', parts))))[..16];
    }

    private static async Task WriteContextAsync(Stream output, string folder, string dockerfile, CancellationToken ct)
    {
        await using (output)
        await using (var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, "Dockerfile") { DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(dockerfile)) };
            await tar.WriteEntryAsync(entry, ct);
            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                await tar.WriteEntryAsync(file, "edge/" + Path.GetRelativePath(folder, file).Replace('\\', '/'), ct);
        }
    }
}
