namespace Slipway.Configuration;

/// <summary>Reads where the code comes from and how its image is built.</summary>
public static partial class ManifestLoader
{
    private static SourceSpec ReadSource(MappingReader source, string manifestDir)
    {
        var git = source.OptionalString("git");
        var path = source.OptionalString("path");
        if ((git is null) == (path is null))
            throw Invalid(source.File, source.Line, source.Path, "needs exactly one of git: (a URL) or path: (a local folder)");
        var reference = source.OptionalString("ref");
        var subdirectory = source.OptionalString("subdirectory");
        if (subdirectory is not null && (Path.IsPathRooted(subdirectory.Value) || subdirectory.Value.Split('/').Contains("..")))
            throw Invalid(source.File, subdirectory.Line, "source.subdirectory", "must be a relative path inside the repository");
        source.RejectUnknownKeys();
        return new SourceSpec
        {
            Location = git?.Value ?? Path.GetFullPath(Path.Combine(manifestDir, path!.Value)),
            IsLocalPath = path is not null,
            Ref = reference?.Value,
            Subdirectory = subdirectory?.Value.Trim('/') is { Length: > 0 } sub ? sub : null,
        };
    }

    private static BuildSpec ReadBuild(MappingReader? build, string manifestDir, string file)
    {
        var dockerfile = build?.OptionalString("dockerfile");
        var args = build?.OptionalMapping("args") is { } argsReader ? argsReader.StringMap() : new Dictionary<string, string>();
        build?.RejectUnknownKeys();
        var dockerfilePath = Path.GetFullPath(Path.Combine(manifestDir, dockerfile?.Value ?? "Dockerfile"));
        return new BuildSpec { Dockerfile = dockerfilePath, Args = args, DeclaredAt = $"{file}:{dockerfile?.Line ?? build?.Line ?? 1}" };
    }
}
