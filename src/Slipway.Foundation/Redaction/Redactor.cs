using System.Text.RegularExpressions;

namespace Slipway.Foundation.Redaction;

/// <summary>
/// The one place text passes through before it reaches a person or a file: every error, progress line and
/// history row. It hides the values of the app's secrets (also when they hold control characters) and the
/// credentials of any URL.
/// </summary>
public sealed partial class Redactor
{
    public const string Mask = "***";
    private readonly List<string> _values = [];

    /// <summary>Remembers a secret value; values too short to be told from ordinary text are not worth hiding.</summary>
    public void Add(string value)
    {
        if (value.Length < 4) return;
        lock (_values)
        {
            _values.Add(value);
            // An engine or a JSON error may quote the value with its control characters escaped or dropped.
            var printable = new string(value.Where(c => !char.IsControl(c)).ToArray());
            if (printable.Length >= 4 && printable != value) _values.Add(printable);
            var escaped = System.Text.Json.JsonEncodedText.Encode(value).ToString();
            if (escaped != value) _values.Add(escaped);
            // Output read line by line (a one-off command's, a log's) holds a multi-line value (a PEM key) a line at a time.
            foreach (var line in value.Split('\n'))
                if (line.TrimEnd('\r') is { Length: >= 4 } part && part != value) _values.Add(part);
            _values.Add(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(value))); // as an Authorization header or a config file holds it
            _values.Sort((a, b) => b.Length.CompareTo(a.Length)); // longest first, so a value containing another goes whole
        }
    }

    public string Redact(string text)
    {
        if (string.IsNullOrEmpty(text)) return text;
        text = UrlCredentials().Replace(text, "${scheme}" + Mask + "@");
        lock (_values)
        {
            foreach (var value in _values) text = text.Replace(value, Mask, StringComparison.Ordinal);
        }
        return text;
    }

    /// <summary>
    /// How much of the end of <paramref name="text"/> could be the start of a secret value: what a stream must hold
    /// back until more comes, so that a value split between two reads is still hidden.
    /// </summary>
    public int PendingSuffix(string text)
    {
        lock (_values)
        {
            var longest = 0;
            foreach (var value in _values)
                for (var length = Math.Min(value.Length - 1, text.Length); length > longest; length--)
                    if (text.AsSpan(text.Length - length).SequenceEqual(value.AsSpan(0, length))) { longest = length; break; }
            return longest;
        }
    }

    /// <summary>Removes the credentials of a URL such as <c>https://user:token@host/repo.git</c>.</summary>
    public static string WithoutCredentials(string url) => UrlCredentials().Replace(url, "${scheme}");

    /// <remarks>An ssh:// login name alone (<c>ssh://deploy@server</c>) is not a credential, and stays: ssh takes no secret in its URL.</remarks>
    [GeneratedRegex(@"(?<scheme>\b(?!ssh://[^/\s@:]+@)[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@]+@")]
    private static partial Regex UrlCredentials();
}
