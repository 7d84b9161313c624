using System.Text.RegularExpressions;
using Slipway.Foundation;
using Slipway.Foundation.Files;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Slipway.Configuration;

/// <summary>
/// Loads <c>slipway.yaml</c> and validates it. Every error names the file, the line and the key
/// (e.g. <c>slipway.yaml:7: healthCheck.interval: "5x" is not a duration</c>), and unknown keys are errors,
/// so a typo never silently falls back to a default.
/// </summary>
public static partial class ManifestLoader
{
    public const string DefaultFileName = "slipway.yaml";

    [GeneratedRegex("^[a-z][a-z0-9-]{0,30}[a-z0-9]$")]
    private static partial Regex AppNamePattern();

    [GeneratedRegex("^[a-z][a-z0-9-]{0,19}$")]
    private static partial Regex ProcessNamePattern();

    [GeneratedRegex(@"^(arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter/[A-Za-z0-9_.\-/]+|/?[A-Za-z0-9_.\-][A-Za-z0-9_.\-/]{0,2047})$")]
    private static partial Regex SsmParameterPattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvNamePattern();

    [GeneratedRegex("^([a-z_][a-z0-9_-]{0,31}|[0-9]{1,10})(:([a-z_][a-z0-9_-]{0,31}|[0-9]{1,10}))?$")]
    private static partial Regex UserPattern();

    /// <summary>DNS labels of letters, digits and inner hyphens, joined by single dots.</summary>
    [GeneratedRegex(@"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")]
    public static partial Regex HostPattern();

    /// <summary>Loads the manifest as seen by one environment: its overrides merged onto the top-level settings.</summary>
    /// <param name="platforms">The registered platforms: their names are the built-in environments, and each validates its own section.</param>
    public static AppManifest Load(string path, string environment, IReadOnlyList<IPlatformManifest> platforms)
    {
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
            throw new SlipwayException(ErrorCode.ManifestNotFound, $"no manifest at {fullPath}",
                Directory.Exists(fullPath) ? "pass the file, not the folder: -f <folder>/slipway.yaml"
                                           : "create one (see examples/hello-flask/slipway.yaml) or pass -f <path>");
        return Parse(UserFile.ReadText(fullPath, "-f"), fullPath, environment, platforms);
    }

    public static AppManifest Parse(string yaml, string manifestPath, string environment, IReadOnlyList<IPlatformManifest> platforms)
    {
        var file = Path.GetFileName(manifestPath);
        YamlMappingNode root;
        try
        {
            YamlGuard.Check(yaml, file);
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode mapping)
                throw Invalid(file, 1, "", "the manifest must be a mapping of keys (app:, source:, ...)");
            root = mapping;
        }
        catch (YamlException e)
        {
            throw new SlipwayException(ErrorCode.ManifestInvalid,
                $"{file}:{e.Start.Line}: malformed YAML: {FirstLine(e.Message)}", "check indentation and quoting");
        }

        var manifest = Read(root, file, manifestPath, environment, platforms);
        // Every declared environment is checked, not only the one chosen: a typo in production fails today's staging deploy.
        if (root.Children.TryGetValue(new YamlScalarNode("environments"), out var declared) && declared is YamlMappingNode environments)
        {
            foreach (var name in environments.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value ?? "").Where(n => n != environment))
                Read(root, file, manifestPath, name, platforms);
        }
        return manifest;
    }

    private static AppManifest Read(YamlMappingNode root, string file, string manifestPath, string environment, IReadOnlyList<IPlatformManifest> platforms)
    {
        var (merged, selected) = Environments.Select(root, environment, file, platforms);
        var reader = new MappingReader(merged, "", file);
        reader.MarkRead("environments");
        var manifestDir = Path.GetDirectoryName(manifestPath)!;

        var app = reader.RequiredString("app");
        // A declared environment is a deployment of its own (containers, route, stack): its name is part of the app's.
        if (selected.IsDeclared) app = app with { Value = $"{app.Value}-{selected.Name}" };
        if (!AppNamePattern().IsMatch(app.Value))
            throw Invalid(file, app.Line, "app", $"\"{app.Value}\" is not a valid app name",
                "use 2-32 lowercase letters, digits and dashes, starting with a letter");

        var manifest = new AppManifest
        {
            App = app.Value,
            ManifestPath = manifestPath,
            Source = ReadSource(reader.RequiredMapping("source"), manifestDir),
            Build = ReadBuild(reader.OptionalMapping("build"), manifestDir, file),
            Port = reader.OptionalInt("port", 1, 65535) ?? 8000,
            Replicas = reader.OptionalInt("replicas", 1, 20) ?? 2,
            HealthCheck = ReadHealthCheck(reader.OptionalMapping("healthCheck")),
            Env = ReadEnv(reader.OptionalMapping("env")),
            Secrets = ReadSecrets(reader.OptionalMapping("secrets"), manifestDir),
            Drain = reader.OptionalDuration("drain", TimeSpan.Zero, TimeSpan.FromMinutes(10)) ?? TimeSpan.FromSeconds(5),
            Resources = ReadResources(reader.OptionalMapping("resources")),
            Edge = ReadEdge(reader.OptionalMapping("edge"), manifestDir),
            Engine = ReadEngine(reader),
            Check = ReadCheck(reader.OptionalMapping("check")),
            // Every platform's section is validated whichever environment is chosen: a typo fails before the deploy that needs it.
            PlatformSettings = platforms.Where(p => p.Section is not null)
                .ToDictionary(p => p.Name, p => p.ReadSection(reader.OptionalMapping(p.Section!))),
            Hooks = ReadHooks(reader.OptionalMapping("hooks")),
            Notify = ReadNotify(reader.OptionalMapping("notify")),
            Release = ReadRelease(reader.OptionalMapping("release")),
            Processes = ReadProcesses(reader.OptionalMapping("processes")),
            Volumes = ReadVolumes(reader.OptionalMapping("volumes"), "volumes"),
            Accessories = ReadAccessories(reader.OptionalMapping("accessories"), manifestDir),
            Jobs = ReadJobs(reader.OptionalMapping("jobs")),
            Previews = ReadPreviews(reader.OptionalMapping("previews")),
            Backups = ReadBackups(reader.OptionalMapping("backups"), manifestDir),
            User = ReadUser(reader),
            Environment = selected,
        };
        reader.RejectUnknownKeys();

        foreach (var key in manifest.Secrets.Keys.Where(manifest.Env.ContainsKey))
            throw Invalid(file, 1, $"secrets.{key}", "is also set in env", "a variable is either plain env or a secret");
        CheckTemplates(manifest.Env, manifest.Secrets, file, 1, "env");
        CheckVolumeSharing(manifest, file);
        CheckScheduledBackups(manifest, file);
        var readsSsm = platforms.First(p => p.Name == selected.Platform).ReadsSsmParameters;
        foreach (var (key, _) in manifest.Secrets.Where(s => !s.Value.IsReadBySlipway && !readsSsm))
            throw Invalid(file, 1, $"secrets.{key}.fromSsm", $"the {selected.Platform} platform cannot read SSM parameters",
                "use fromEnv: or fromFile: in this environment (an environment's secrets: replace the top-level ones), and fromSsm: "
                + $"where the platform can ({string.Join(", ", platforms.Where(p => p.ReadsSsmParameters).Select(p => p.Name).DefaultIfEmpty("none"))})");
        return manifest;
    }

    private static string? ReadEngine(MappingReader reader)
    {
        if (reader.OptionalString("engine") is not { } engine) return null;
        var value = engine.Value.Trim();
        var at = value.IndexOf("://", StringComparison.Ordinal);
        var scheme = at > 0 ? value[..at] : null;
        if (scheme is null ? !ContextNamePattern().IsMatch(value) : scheme is not ("unix" or "tcp" or "ssh") || value.Length == at + 3)
            throw Invalid(reader.File, engine.Line, "engine", $"\"{value}\" is neither an engine address nor a Docker context's name",
                "write unix:///var/run/docker.sock, tcp://host:2376, ssh://user@host[:port], or the name of a context (docker context ls)");
        return value;
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.+-]*$")]
    private static partial System.Text.RegularExpressions.Regex ContextNamePattern();

    public static SlipwayException Invalid(string file, long line, string key, string problem, string? hint = null) =>
        new(ErrorCode.ManifestInvalid, key.Length > 0 ? $"{file}:{line}: {key}: {problem}" : $"{file}:{line}: {problem}",
            hint ?? "every key is described in schema/slipway.schema.json; examples/hello-flask/slipway.yaml shows them in use");

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();
}
