using System.Text.RegularExpressions;

namespace Slipway.Configuration;

/// <summary>Valid app names made from other names (a repository's folder, another tool's service).</summary>
public static partial class AppNames
{
    /// <summary>Lowercase letters, digits and dashes, starting with a letter, 2 to 32 characters, as <c>app:</c> requires.</summary>
    public static string From(string text)
    {
        var name = NotNameCharacters().Replace(text.ToLowerInvariant(), "-").Trim('-');
        if (name.Length == 0 || !char.IsAsciiLetter(name[0])) name = ("app-" + name).TrimEnd('-');
        name = name.Length > 32 ? name[..32].TrimEnd('-') : name;
        return name.Length < 2 ? "app" : name;
    }

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NotNameCharacters();
}
