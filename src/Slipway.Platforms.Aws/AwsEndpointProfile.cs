using System.Net;
using Slipway.Foundation;

namespace Slipway.Platforms.Aws;

/// <summary>
/// Which AWS Slipway talks to: real AWS, the default, where every request is the one AWS documents; or an emulator,
/// chosen by one switch, <c>SLIPWAY_AWS_EMULATOR</c> (e.g. <c>moto</c>, with <c>AWS_ENDPOINT_URL</c> pointing at it).
/// Each thing an emulator needs that AWS would not is one property here, false on real AWS, so no production path
/// branches on anything else; <c>EmulatorSeamTests</c> lists every place that asks.
/// </summary>
/// <param name="Emulator">The emulator's name; null: real AWS.</param>
/// <param name="Registry">A plain-HTTP registry (host:port) in place of ECR, which an emulator does not serve
/// (<c>SLIPWAY_REGISTRY</c>, e.g. Debian's docker-registry on loopback); null: ECR.</param>
public sealed record AwsEndpointProfile(string? Emulator, string? Registry)
{
    public static readonly AwsEndpointProfile RealAws = new(null, null);

    public bool IsEmulator => Emulator is not null;

    /// <summary>moto deletes a stack within DeleteStack, and may answer with an error about one resource while removing it anyway: its state decides.</summary>
    public bool DeleteStackErrorsAreNotFinal => IsEmulator;

    /// <summary>moto ignores the repository's EmptyOnDelete, so the repository outlives the stack; CloudFormation deletes it with the stack.</summary>
    public bool RepositoryOutlivesStack => IsEmulator;

    /// <summary>moto keeps one ECS deployment rather than one per task definition: a deployment is read through the service's task definition.</summary>
    public bool KeepsOneDeployment => IsEmulator;

    /// <summary>moto's change sets give a stack no outputs, which CreateStack does: the volumes' stack, whose output the app's stack is given, is made with it.</summary>
    public bool ChangeSetsGiveNoOutputs => IsEmulator;

    /// <summary>moto places a one-off task only when its container has a hard memory limit; Fargate takes the task's.</summary>
    public bool NeedsContainerMemory => IsEmulator;

    public static AwsEndpointProfile FromEnvironment(Func<string, string?> environment)
    {
        var emulator = environment("SLIPWAY_AWS_EMULATOR") is { Length: > 0 } name ? name : null;
        var registry = environment("SLIPWAY_REGISTRY") is { Length: > 0 } host ? host.TrimEnd('/') : null;
        if (registry is not null && emulator is null)
            throw new SlipwayException(ErrorCode.InvalidSetting, "SLIPWAY_REGISTRY is set, but Slipway talks to real AWS, which runs images from ECR only",
                "unset SLIPWAY_REGISTRY; it is for an AWS emulator (set SLIPWAY_AWS_EMULATOR too), which serves no registry");
        return new AwsEndpointProfile(emulator, registry);
    }

    /// <summary>Registry API v2: the repository's tags (none when it does not exist).</summary>
    public async Task<IReadOnlyList<string>> ListTagsAsync(string repository, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var response = await http.GetAsync($"http://{Registry}/v2/{repository}/tags/list", ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return [];
        response.EnsureSuccessStatusCode();
        var json = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync(ct));
        return json?["tags"]?.AsArray().Select(t => t!.GetValue<string>()).ToList() ?? [];
    }

    /// <summary>Registry API v2: does the tag exist?</summary>
    public async Task<bool> HasTagAsync(string repository, string tag, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Head, $"http://{Registry}/v2/{repository}/manifests/{tag}");
        request.Headers.Accept.ParseAdd("application/vnd.docker.distribution.manifest.v2+json");
        using var response = await http.SendAsync(request, ct);
        return response.StatusCode == HttpStatusCode.OK;
    }

    /// <summary>Registry API v2: the manifest tagged <paramref name="from"/> put again under <paramref name="to"/>; false when there is none.</summary>
    public async Task<bool> TagAsync(string repository, string from, string to, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var get = new HttpRequestMessage(HttpMethod.Get, $"http://{Registry}/v2/{repository}/manifests/{from}");
        get.Headers.Accept.ParseAdd("application/vnd.docker.distribution.manifest.v2+json");
        get.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
        using var found = await http.SendAsync(get, ct);
        if (found.StatusCode == HttpStatusCode.NotFound) return false;
        found.EnsureSuccessStatusCode();
        using var put = new HttpRequestMessage(HttpMethod.Put, $"http://{Registry}/v2/{repository}/manifests/{to}")
        {
            Content = new ByteArrayContent(await found.Content.ReadAsByteArrayAsync(ct)),
        };
        put.Content.Headers.ContentType = found.Content.Headers.ContentType;
        using var stored = await http.SendAsync(put, ct);
        stored.EnsureSuccessStatusCode();
        return true;
    }
}
