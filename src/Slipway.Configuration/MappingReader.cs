using Slipway.Foundation.Timing;
using YamlDotNet.RepresentationModel;

namespace Slipway.Configuration;

/// <summary>A scalar read from the manifest, with the line it came from for error messages.</summary>
public sealed record Located(string Value, long Line);

/// <summary>
/// Reads one YAML mapping, remembering which keys were asked for so that anything left over is reported
/// as an unknown key with its full dotted path.
/// </summary>
public sealed class MappingReader(YamlMappingNode node, string path, string file)
{
    private readonly HashSet<string> _read = [];

    public string File => file;
    public string Path => path;
    public long Line => node.Start.Line;

    private string KeyPath(string key) => path.Length == 0 ? key : $"{path}.{key}";

    private YamlNode? Get(string key)
    {
        _read.Add(key);
        return node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;
    }

    /// <summary>A key handled elsewhere (so it is not reported as unknown).</summary>
    public void MarkRead(string key) => _read.Add(key);

    public IEnumerable<(string Key, long Line)> Keys() =>
        node.Children.Keys.OfType<YamlScalarNode>().Select(k => (k.Value ?? "", k.Start.Line));

    public Located RequiredString(string key) =>
        OptionalString(key) ?? throw ManifestLoader.Invalid(file, Line, KeyPath(key), "is required");

    /// <param name="allowMapping">A mapping is another form of the key: null then, and not an error.</param>
    public Located? OptionalString(string key, bool allowMapping = false) => Get(key) switch
    {
        null => null,
        YamlMappingNode when allowMapping => null,
        YamlScalarNode { Value: null or "" or "~" } s when s.Style == YamlDotNet.Core.ScalarStyle.Plain => null,
        YamlScalarNode s => new Located(s.Value ?? "", s.Start.Line),
        var other => throw ManifestLoader.Invalid(file, other.Start.Line, KeyPath(key), "must be a single value, not a list or mapping"),
    };

    public MappingReader RequiredMapping(string key) =>
        OptionalMapping(key) ?? throw ManifestLoader.Invalid(file, Line, KeyPath(key), "is required");

    /// <param name="allowScalar">A single value is another form of the key: null then, and not an error.</param>
    public MappingReader? OptionalMapping(string key, bool allowScalar = false) => Get(key) switch
    {
        null => null,
        YamlScalarNode { Value: null or "" } => null,
        YamlScalarNode when allowScalar => null,
        YamlMappingNode m => new MappingReader(m, KeyPath(key), file),
        var other => throw ManifestLoader.Invalid(file, other.Start.Line, KeyPath(key), "must be a mapping of keys"),
    };

    public bool? OptionalBool(string key)
    {
        var value = OptionalString(key);
        return value?.Value switch
        {
            null => null,
            "true" => true,
            "false" => false,
            _ => throw ManifestLoader.Invalid(file, value.Line, KeyPath(key), $"\"{value.Value}\" is not true or false"),
        };
    }

    public int? OptionalInt(string key, int min, int max)
    {
        var value = OptionalString(key);
        if (value is null) return null;
        if (!int.TryParse(value.Value, out var number))
            throw ManifestLoader.Invalid(file, value.Line, KeyPath(key), $"\"{value.Value}\" is not a whole number");
        if (number < min || number > max)
            throw ManifestLoader.Invalid(file, value.Line, KeyPath(key), $"{number} is out of range ({min} to {max})");
        return number;
    }

    public TimeSpan? OptionalDuration(string key, TimeSpan min, TimeSpan max)
    {
        var value = OptionalString(key);
        if (value is null) return null;
        if (!Duration.TryParse(value.Value, out var duration))
            throw ManifestLoader.Invalid(file, value.Line, KeyPath(key), $"\"{value.Value}\" is not a duration",
                "use e.g. 500ms, 5s, 1m30s");
        if (duration < min || duration > max)
            throw ManifestLoader.Invalid(file, value.Line, KeyPath(key),
                $"{value.Value} is out of range ({Duration.Format(min)} to {Duration.Format(max)})");
        return duration;
    }

    /// <summary>A command: one string (run with <c>sh -c</c>) or a list of words; null when absent.</summary>
    public IReadOnlyList<string>? OptionalCommand(string key) => Get(key) is YamlSequenceNode ? OptionalList(key)
        : OptionalString(key) is { } text ? ["sh", "-c", text.Value] : null;

    /// <summary>A list of scalars, or null when absent.</summary>
    public IReadOnlyList<string>? OptionalList(string key) => Get(key) switch
    {
        null => null,
        YamlSequenceNode list => list.Children.Select(item => item is YamlScalarNode s ? s.Value ?? ""
            : throw ManifestLoader.Invalid(file, item.Start.Line, KeyPath(key), "must be a list of values")).ToList(),
        var other => throw ManifestLoader.Invalid(file, other.Start.Line, KeyPath(key), "must be a list, e.g. [a, b]"),
    };

    /// <summary>Every key of this mapping as a string value (env vars, build args).</summary>
    public Dictionary<string, string> StringMap()
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, _) in Keys())
            map[key] = OptionalString(key)?.Value ?? "";
        return map;
    }

    public void RejectUnknownKeys()
    {
        foreach (var (key, line) in Keys())
        {
            if (!_read.Contains(key))
                throw ManifestLoader.Invalid(file, line, KeyPath(key), "unknown key", "check the spelling against schema/slipway.schema.json");
        }
    }
}
