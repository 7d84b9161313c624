using System.Text.RegularExpressions;
using Slipway.Foundation;

namespace Slipway.Configuration;

/// <summary>Reads <c>previews:</c>, and derives a preview environment's manifest from its base one.</summary>
public static partial class ManifestLoader
{
    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabelPattern();

    private static PreviewsSpec? ReadPreviews(MappingReader? reader)
    {
        if (reader is null) return null;
        var from = reader.RequiredString("from");
        var host = reader.OptionalString("host");
        if (host is not null && (!host.Value.Contains("{name}", StringComparison.Ordinal) || !HostPattern().IsMatch(host.Value.Replace("{name}", "x", StringComparison.Ordinal))))
            throw Invalid(reader.File, host.Line, "previews.host", $"\"{host.Value}\" is not a host name template with {{name}} in it",
                "e.g. host: \"{name}.preview.example.com\": each preview is served at its own name");
        var whenFull = reader.OptionalString("whenFull");
        if (whenFull is not null && whenFull.Value is not ("refuse" or "evict"))
            throw Invalid(reader.File, whenFull.Line, "previews.whenFull", $"\"{whenFull.Value}\" is not refuse or evict",
                "refuse (the default) fails a new preview past max; evict removes the oldest first");
        var spec = new PreviewsSpec(from.Value, host?.Value, reader.OptionalDuration("ttl", TimeSpan.FromMinutes(1), TimeSpan.FromDays(90)) ?? TimeSpan.FromHours(72),
            reader.OptionalInt("max", 1, 100) ?? 10, whenFull?.Value == "evict", reader.OptionalList("secrets") ?? [], ReadSeed(reader.OptionalMapping("seed")));
        reader.RejectUnknownKeys();
        return spec;
    }

    /// <summary><c>seed: { db: latest, uploads: shop-staging-uploads-20261207T031500123Z }</c>: what each named target starts from.</summary>
    private static Dictionary<string, string>? ReadSeed(MappingReader? reader)
    {
        if (reader is null) return null;
        var seed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, line) in reader.Keys())
        {
            var value = reader.OptionalString(key)?.Value;
            if (string.IsNullOrWhiteSpace(value) || value.Any(char.IsWhiteSpace))
                throw Invalid(reader.File, line, $"previews.seed.{key}", "is not a backup's ID or latest",
                    "e.g. seed: { db: latest } starts each preview's db from the base's newest backup of it (slipway backups lists them)");
            seed[key] = value;
        }
        return seed;
    }

    /// <summary>
    /// The manifest of preview <paramref name="name"/>: the <c>previews.from</c> environment as an app of its own
    /// (<c>&lt;app&gt;-&lt;name&gt;</c>), at its own host (or port), with its own accessories and volumes, and only the secrets
    /// <c>previews.secrets</c> lists.
    /// </summary>
    public static AppManifest LoadPreview(string path, string name, DateTimeOffset now, IReadOnlyList<IPlatformManifest> platforms)
    {
        var file = Path.GetFileName(path);
        var spec = Load(path, platforms[0].Name, platforms).Previews
            ?? throw new SlipwayException(ErrorCode.InvalidSetting, $"--preview: {file} has no previews: section",
                "add previews: { from: staging, host: \"{name}.preview.example.com\" } to say what a preview derives from");
        var based = Load(path, spec.From, platforms);
        return Preview(based, spec, name, now, platforms);
    }

    public static AppManifest Preview(AppManifest based, PreviewsSpec spec, string name, DateTimeOffset now, IReadOnlyList<IPlatformManifest>? platforms = null)
    {
        var file = Path.GetFileName(based.ManifestPath);
        var raw = based.Environment.IsDeclared ? based.App[..^(based.Environment.Name.Length + 1)] : based.App;
        if (!DnsLabelPattern().IsMatch(name))
            throw new SlipwayException(ErrorCode.InvalidSetting, $"--preview: \"{name}\" is not a DNS label",
                "use lowercase letters, digits and inner dashes, e.g. pr-123");
        var app = $"{raw}-{name}";
        if (!AppNamePattern().IsMatch(app))
            throw new SlipwayException(ErrorCode.InvalidSetting, $"--preview: the preview's app name \"{app}\" is longer than 32 characters or starts with a digit",
                "use a shorter preview name (the app's name, a dash and it make the preview's)");
        var seedable = based.Accessories.Select(a => a.Name).Concat(based.Volumes.Select(v => v.Name))
            .Concat(based.Accessories.SelectMany(a => a.Volumes.Select(v => $"{a.Name}/{v.Name}"))).ToHashSet(StringComparer.Ordinal);
        foreach (var seeded in (spec.Seed ?? new Dictionary<string, string>()).Keys.Where(k => !seedable.Contains(k)))
            throw Invalid(file, 1, $"previews.seed.{seeded}", $"is not an accessory or a volume of the {spec.From} environment",
                seedable.Count == 0 ? "it keeps no data: remove seed:" : $"its data: {string.Join(", ", seedable.Order(StringComparer.Ordinal))}");
        foreach (var listed in spec.Secrets.Where(s => !based.Secrets.ContainsKey(s) && based.Accessories.All(a => !a.Secrets.ContainsKey(s))))
            throw Invalid(file, 1, "previews.secrets", $"{listed} is not a secret of the {spec.From} environment", "list secrets the base environment declares");
        bool Kept(string secret) => spec.Secrets.Contains(secret);
        var secrets = based.Secrets.Where(s => Kept(s.Key)).ToDictionary(s => s.Key, s => s.Value);
        foreach (var (key, value) in based.Env)
            foreach (var withheld in EnvTemplate.References(value).Where(r => !Kept(r)))
                throw Invalid(file, 1, $"env.{key}", $"composes the secret {withheld}, which previews do not get",
                    $"list it under previews.secrets if a preview may have it (e.g. secrets: [{withheld}])");
        var accessories = based.Accessories.Select(a =>
        {
            foreach (var (key, value) in a.Env)
                foreach (var withheld in EnvTemplate.References(value).Where(r => !Kept(r)))
                    throw Invalid(file, 1, $"accessories.{a.Name}.env.{key}", $"composes the secret {withheld}, which previews do not get",
                        $"list it under previews.secrets (e.g. secrets: [{withheld}])");
            return a with { Secrets = a.Secrets.Where(s => Kept(s.Key)).ToDictionary(s => s.Key, s => s.Value) };
        }).ToList();
        var edge = spec.Host is { } host
            ? based.Edge with { Host = host.Replace("{name}", name, StringComparison.Ordinal) }
            : based.Edge with { Port = PreviewPort(based.Edge.Port, name) };
        var preview = new PreviewInfo(name, $"{raw}@{spec.From}", now + spec.Ttl);
        var settings = based.PlatformSettings.ToDictionary(p => p.Key, p =>
            platforms?.FirstOrDefault(m => m.Name == p.Key) is { } platform ? platform.ForPreview(p.Value, preview, spec.Host is null ? null : edge.Host) : p.Value);
        return based with
        {
            App = app,
            PlatformSettings = settings,
            Environment = new EnvironmentSpec { Name = name, Platform = based.Environment.Platform, IsDeclared = true, Protected = false },
            Secrets = secrets,
            Accessories = accessories,
            Edge = edge,
            Previews = null,
            Backups = based.Backups with { Schedule = null }, // a preview's data lives as long as it does: backed up by hand only
            Preview = preview,
        };
    }

    /// <summary>A preview's own port when it has no host name: the base port plus a number from 1 to 899 its name always gives.</summary>
    public static int PreviewPort(int basePort, string name)
    {
        var hash = 2166136261u;
        foreach (var c in name) hash = (hash ^ c) * 16777619u; // FNV-1a: the same port for the same name on every machine
        var port = basePort + 1 + (int)(hash % 899);
        return port <= 65535 ? port : basePort - 1 - (int)(hash % 899);
    }
}
