using System.Text;
using System.Text.RegularExpressions;

namespace Slipway.Platforms.Images;

/// <summary>
/// A context's <c>.dockerignore</c> with the engine's own rules (moby's patternmatcher): one pattern per line,
/// <c>#</c> comments, <c>*</c> and <c>?</c> within a path segment, <c>**</c> across segments, <c>[...]</c>
/// classes, <c>\</c> escapes, a leading <c>!</c> re-includes, the last matching pattern wins, and a pattern
/// that matches a folder excludes everything in it.
/// </summary>
public sealed class DockerIgnore
{
    private readonly IReadOnlyList<(Regex Pattern, bool Exclusion)> _patterns;

    private DockerIgnore(IReadOnlyList<(Regex, bool)> patterns) => _patterns = patterns;

    public static readonly DockerIgnore None = new([]);

    public static DockerIgnore Load(string contextDirectory)
    {
        var file = Path.Combine(contextDirectory, ".dockerignore");
        return File.Exists(file) ? Parse(File.ReadAllLines(file)) : None;
    }

    public static DockerIgnore Parse(IEnumerable<string> lines)
    {
        var patterns = new List<(Regex, bool)>();
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var exclusion = line.StartsWith('!');
            if (exclusion) line = line[1..].Trim();
            line = Clean(line);
            if (line.Length == 0) continue;
            patterns.Add((new Regex(ToRegex(line), RegexOptions.CultureInvariant), exclusion));
        }
        return new DockerIgnore(patterns);
    }

    /// <summary>Whether a path relative to the context ('/'-separated) is left out of it.</summary>
    public bool Ignores(string relativePath)
    {
        var ignored = false;
        var parents = Parents(relativePath).ToList();
        foreach (var (pattern, exclusion) in _patterns)
        {
            if (ignored == !exclusion) continue; // cannot change the outcome
            if (pattern.IsMatch(relativePath) || parents.Any(pattern.IsMatch)) ignored = !exclusion;
        }
        return ignored;
    }

    private static IEnumerable<string> Parents(string path)
    {
        for (var i = path.IndexOf('/'); i > 0; i = path.IndexOf('/', i + 1)) yield return path[..i];
    }

    /// <summary>As Go's filepath.Clean, and without a leading slash: patterns are relative to the context.</summary>
    private static string Clean(string pattern)
    {
        var parts = new List<string>();
        foreach (var part in pattern.Split('/'))
        {
            if (part is "" or ".") continue;
            if (part == ".." && parts.Count > 0 && parts[^1] != "..") parts.RemoveAt(parts.Count - 1);
            else if (part != "..") parts.Add(part);
        }
        return string.Join('/', parts);
    }

    private static string ToRegex(string pattern)
    {
        var regex = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '*' when i + 1 < pattern.Length && pattern[i + 1] == '*':
                    i++;
                    if (i + 1 < pattern.Length && pattern[i + 1] == '/')
                    {
                        i++;
                        regex.Append("(.*/)?"); // "**/" : any number of folders, none included
                    }
                    else
                    {
                        regex.Append(".*");
                    }
                    break;
                case '*':
                    regex.Append("[^/]*");
                    break;
                case '?':
                    regex.Append("[^/]");
                    break;
                case '[':
                    var end = pattern.IndexOf(']', i + 1);
                    if (end < 0) { regex.Append(@"\["); break; }
                    var body = pattern[(i + 1)..end];
                    regex.Append('[').Append(body.StartsWith('^') || body.StartsWith('!') ? "^" + Regex.Escape(body[1..]).Replace(@"\-", "-") : Regex.Escape(body).Replace(@"\-", "-")).Append(']');
                    i = end;
                    break;
                case '\\' when i + 1 < pattern.Length:
                    regex.Append(Regex.Escape(pattern[++i].ToString()));
                    break;
                default:
                    regex.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }
        return regex.Append('$').ToString();
    }
}
