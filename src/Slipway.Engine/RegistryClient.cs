using System.Net;

namespace Slipway.Engine;

/// <summary>
/// The Docker Registry HTTP API v2, for what the Engine API cannot do: deleting an image's manifest from a registry by its
/// digest (the registry must allow deletes; its storage is freed by its own garbage collection). HTTPS first, then plain
/// HTTP, as an engine does for a registry it is told is insecure.
/// </summary>
public sealed class RegistryClient : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) }) { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Deletes <c>repository@digest</c> (a reference as a service pins it: <c>host:port/name@sha256:...</c>); false when it was not there.</summary>
    public async Task<bool> DeleteAsync(string pinnedReference, CancellationToken ct)
    {
        var (registry, name, digest) = Parse(pinnedReference);
        HttpRequestException? failure = null;
        foreach (var scheme in new[] { "https", "http" })
        {
            try
            {
                using var response = await _http.DeleteAsync($"{scheme}://{registry}/v2/{name}/manifests/{digest}", ct);
                if (response.StatusCode == HttpStatusCode.NotFound) return false;
                if (!response.IsSuccessStatusCode)
                    throw new HttpRequestException($"the registry {registry} answered {(int)response.StatusCode} {response.ReasonPhrase} to deleting {name}@{digest}",
                        null, response.StatusCode);
                return true;
            }
            catch (HttpRequestException e) when (e.StatusCode is null)
            {
                failure = e; // no HTTP answer: TLS refused, or nothing listening; try plain HTTP next
            }
        }
        throw failure!;
    }

    /// <summary>The registry, repository and digest of a pinned reference.</summary>
    public static (string Registry, string Name, string Digest) Parse(string pinnedReference)
    {
        var at = pinnedReference.IndexOf('@');
        var slash = pinnedReference.IndexOf('/');
        if (at < 0 || slash < 0 || slash > at) throw new ArgumentException($"not a pinned reference in a registry: {pinnedReference}", nameof(pinnedReference));
        return (pinnedReference[..slash], pinnedReference[(slash + 1)..at], pinnedReference[(at + 1)..]);
    }

    public void Dispose() => _http.Dispose();
}
