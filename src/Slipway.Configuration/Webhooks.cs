using System.Diagnostics.CodeAnalysis;

namespace Slipway.Configuration;

/// <summary>Webhook URLs: which are accepted, and how one is shown (its path and query often carry a token).</summary>
public static class Webhooks
{
    public static bool TryParse(string text, [NotNullWhen(true)] out Uri? url)
    {
        url = Uri.TryCreate(text, UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https" && parsed.Host.Length > 0 ? parsed : null;
        return url is not null;
    }

    /// <summary>Scheme, host and port only: never the credentials, path or query.</summary>
    public static string Display(Uri url) => $"{url.Scheme}://{url.Host}{(url.IsDefaultPort ? "" : $":{url.Port}")}/…";
}
