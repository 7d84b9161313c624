using System.Net;

namespace Slipway.Platforms.Aws;

/// <summary>
/// <c>SLIPWAY_REGISTRY</c> (host:port) replaces ECR as the registry images are pushed to and run from, for a
/// registry of your own or for tests against an AWS emulator that serves no registry (with Debian's
/// <c>docker-registry</c> on loopback). Unset: ECR.
/// </summary>
public sealed record RegistryOverride(string? Host)
{
    public static RegistryOverride FromEnvironment(Func<string, string?> environment) =>
        new(environment("SLIPWAY_REGISTRY") is { Length: > 0 } host ? host.TrimEnd('/') : null);

    /// <summary>Registry API v2: the repository's tags (none when it does not exist).</summary>
    public async Task<IReadOnlyList<string>> ListTagsAsync(string repository, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var response = await http.GetAsync($"http://{Host}/v2/{repository}/tags/list", ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return [];
        response.EnsureSuccessStatusCode();
        var json = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync(ct));
        return json?["tags"]?.AsArray().Select(t => t!.GetValue<string>()).ToList() ?? [];
    }

    /// <summary>Registry API v2: does the tag exist?</summary>
    public async Task<bool> HasTagAsync(string repository, string tag, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Head, $"http://{Host}/v2/{repository}/manifests/{tag}");
        request.Headers.Accept.ParseAdd("application/vnd.docker.distribution.manifest.v2+json");
        using var response = await http.SendAsync(request, ct);
        return response.StatusCode == HttpStatusCode.OK;
    }
}
