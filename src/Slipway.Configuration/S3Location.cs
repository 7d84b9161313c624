using System.Text.RegularExpressions;

namespace Slipway.Configuration;

/// <summary>An <c>s3://bucket/prefix</c> location: the bucket, and a prefix of keys (empty, or ending in /).</summary>
public sealed partial record S3Location(string Bucket, string Prefix)
{
    [GeneratedRegex(@"^s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(/.*)?$")]
    private static partial Regex Pattern();

    public static bool TryParse(string text, out S3Location location)
    {
        location = new S3Location("", "");
        var match = Pattern().Match(text);
        if (!match.Success || match.Groups[1].Value.Contains("..", StringComparison.Ordinal)) return false;
        var prefix = match.Groups[2].Value.Trim('/');
        if (prefix.Any(char.IsControl)) return false;
        location = new S3Location(match.Groups[1].Value, prefix.Length == 0 ? "" : prefix + "/");
        return true;
    }

    public override string ToString() => $"s3://{Bucket}/{Prefix}";
}
