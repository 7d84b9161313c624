using System.Text.RegularExpressions;

namespace Slipway.Configuration;

/// <summary>
/// An env value that names secrets, as <c>DATABASE_URL: postgres://app:${DB_PASSWORD}@db/app</c>: composed where the
/// container is created, so the manifest, the plan and the fingerprint hold only the template. <c>$${</c> is a literal <c>${</c>.
/// </summary>
public static partial class EnvTemplate
{
    [GeneratedRegex(@"\$(\$?)\{([^}]*)\}")]
    private static partial Regex Placeholder();

    /// <summary>The names a value refers to, in order.</summary>
    public static IReadOnlyList<string> References(string value) =>
        Placeholder().Matches(value).Where(m => m.Groups[1].Length == 0).Select(m => m.Groups[2].Value).ToList();

    /// <summary>The value with each reference replaced by <paramref name="secrets"/>' value (a name it lacks stays as written).</summary>
    public static string Expand(string value, IReadOnlyDictionary<string, string> secrets) =>
        !value.Contains("${", StringComparison.Ordinal) ? value
        : Placeholder().Replace(value, m => m.Groups[1].Length > 0 ? "${" + m.Groups[2].Value + "}"
            : secrets.TryGetValue(m.Groups[2].Value, out var secret) ? secret : m.Value);

    /// <summary>The env with every value expanded.</summary>
    public static Dictionary<string, string> Expand(IReadOnlyDictionary<string, string> env, IReadOnlyDictionary<string, string> secrets) =>
        env.ToDictionary(e => e.Key, e => Expand(e.Value, secrets), StringComparer.Ordinal);

    /// <summary>True when any value composes a secret: it must then be handled as one (never in a spec in clear).</summary>
    public static bool ComposesSecrets(IReadOnlyDictionary<string, string> env) => env.Values.Any(v => References(v).Count > 0);
}
