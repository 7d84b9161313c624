using System.Text.Json.Serialization;

namespace Slipway.Cloud.Aws;

public sealed record EcrImageId(string? ImageTag = null, string? ImageDigest = null);

public sealed record EcrAuthorization(string Username, string Password, string ProxyEndpoint);

/// <summary>The ECR operations Slipway uses, over JSON 1.1 (AmazonEC2ContainerRegistry_V20150921).</summary>
public sealed partial class EcrClient(AwsJsonClient json)
{
    private sealed record DescribeImagesRequest(string RepositoryName, IReadOnlyList<EcrImageId> ImageIds);
    private sealed record DescribeImagesResponse(IReadOnlyList<ImageDetail>? ImageDetails);
    private sealed record ImageDetail(string? ImageDigest, IReadOnlyList<string>? ImageTags);
    private sealed record ListImagesResponse(IReadOnlyList<EcrImageId>? ImageIds, string? NextToken);
    private sealed record ListImagesRequest(string RepositoryName, string? NextToken);
    private sealed record AuthorizationResponse(IReadOnlyList<AuthorizationData>? AuthorizationData);
    private sealed record AuthorizationData(string? AuthorizationToken, string? ProxyEndpoint);
    private sealed record DeleteRepositoryRequest(string RepositoryName, bool Force);
    private sealed record Empty;
    private sealed record DescribeRepositoriesRequest(IReadOnlyList<string> RepositoryNames);
    private sealed record DescribeRepositoriesResponse(IReadOnlyList<Repository>? Repositories);
    private sealed record Repository(string? RepositoryName, string? RepositoryUri);
    private sealed record BatchGetImageRequest(string RepositoryName, IReadOnlyList<EcrImageId> ImageIds, IReadOnlyList<string> AcceptedMediaTypes);
    private sealed record BatchGetImageResponse(IReadOnlyList<EcrImage>? Images);
    private sealed record EcrImage(string? ImageManifest, string? ImageManifestMediaType);
    private sealed record PutImageRequest(string RepositoryName, string ImageManifest, string? ImageManifestMediaType, string ImageTag);

    /// <summary>The media types of the manifests the engine pushes (Docker's and OCI's).</summary>
    private static readonly string[] ManifestTypes =
    [
        "application/vnd.docker.distribution.manifest.v2+json", "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.oci.image.index.v1+json",
    ];

    /// <summary>
    /// Gives the image tagged <paramref name="from"/> the tag <paramref name="to"/> as well (moving it off the image that had it):
    /// its manifest put again under the new tag, no layer copied. False when <paramref name="from"/> does not exist.
    /// </summary>
    public async Task<bool> TagAsync(string repository, string from, string to, CancellationToken ct)
    {
        var found = await json.CallAsync<BatchGetImageRequest, BatchGetImageResponse>("BatchGetImage",
            new(repository, [new EcrImageId(ImageTag: from)], ManifestTypes), ct);
        if (found.Images?.FirstOrDefault() is not { ImageManifest: { } manifest } image) return false;
        try
        {
            await json.CallAsync<PutImageRequest, Empty>("PutImage", new(repository, manifest, image.ImageManifestMediaType, to), ct);
        }
        catch (AwsServiceException e) when (e.Code == "ImageAlreadyExistsException")
        {
            // the tag is already on this image
        }
        return true;
    }

    /// <summary>The repository's URI (account.dkr.ecr.region.amazonaws.com/name), or null when it does not exist.</summary>
    public async Task<string?> RepositoryUriAsync(string repository, CancellationToken ct)
    {
        try
        {
            var r = await json.CallAsync<DescribeRepositoriesRequest, DescribeRepositoriesResponse>("DescribeRepositories", new([repository]), ct);
            return r.Repositories?.FirstOrDefault()?.RepositoryUri;
        }
        catch (AwsServiceException e) when (e.Code == "RepositoryNotFoundException")
        {
            return null;
        }
    }

    public static EcrClient Create(AwsSettings settings, TimeProvider time) =>
        new(new AwsJsonClient(new AwsHttp(settings, "ecr", settings.EndpointFor("api.ecr", "ECR"), time), "ECR",
            "AmazonEC2ContainerRegistry_V20150921", EcrWire.Default));

    /// <summary>The wire types' metadata, generated at build time.</summary>
    [JsonSerializable(typeof(Empty))]
    [JsonSerializable(typeof(AuthorizationResponse))]
    [JsonSerializable(typeof(DeleteRepositoryRequest))]
    [JsonSerializable(typeof(BatchGetImageRequest))]
    [JsonSerializable(typeof(BatchGetImageResponse))]
    [JsonSerializable(typeof(PutImageRequest))]
    [JsonSerializable(typeof(DescribeRepositoriesRequest))]
    [JsonSerializable(typeof(DescribeRepositoriesResponse))]
    [JsonSerializable(typeof(DescribeImagesRequest))]
    [JsonSerializable(typeof(DescribeImagesResponse))]
    [JsonSerializable(typeof(ListImagesRequest))]
    [JsonSerializable(typeof(ListImagesResponse))]
    private sealed partial class EcrWire : JsonSerializerContext;

    public async Task<bool> HasTagAsync(string repository, string tag, CancellationToken ct)
    {
        try
        {
            var r = await json.CallAsync<DescribeImagesRequest, DescribeImagesResponse>("DescribeImages",
                new(repository, [new EcrImageId(ImageTag: tag)]), ct);
            return r.ImageDetails?.Count > 0;
        }
        catch (AwsServiceException e) when (e.Code is "ImageNotFoundException" or "RepositoryNotFoundException")
        {
            return false;
        }
    }

    /// <summary>Every tag in the repository (first 1000 images), for rollback and status.</summary>
    public async Task<IReadOnlyList<EcrImageId>> ListImagesAsync(string repository, CancellationToken ct)
    {
        var all = new List<EcrImageId>();
        string? next = null;
        try
        {
            do
            {
                var page = await json.CallAsync<ListImagesRequest, ListImagesResponse>("ListImages", new(repository, next), ct);
                all.AddRange(page.ImageIds ?? []);
                next = page.NextToken;
            } while (next is not null && all.Count < 1000);
        }
        catch (AwsServiceException e) when (e.Code == "RepositoryNotFoundException")
        {
            return [];
        }
        return all;
    }

    /// <summary>A registry login. The password is a secret: it goes to the engine's push request only, never to output.</summary>
    public async Task<EcrAuthorization> GetAuthorizationAsync(CancellationToken ct)
    {
        var r = await json.CallAsync<Empty, AuthorizationResponse>("GetAuthorizationToken", new Empty(), ct);
        var data = r.AuthorizationData?.FirstOrDefault() ?? throw new AwsServiceException("ECR", "NoAuthorizationData", "no token returned", 200);
        var decoded = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(data.AuthorizationToken ?? ""));
        var colon = decoded.IndexOf(':');
        return new EcrAuthorization(decoded[..Math.Max(0, colon)], decoded[(colon + 1)..], data.ProxyEndpoint ?? "");
    }

    /// <summary>Deletes the repository with its images; a missing repository is fine.</summary>
    public async Task<bool> DeleteRepositoryAsync(string repository, CancellationToken ct)
    {
        try
        {
            await json.CallAsync<DeleteRepositoryRequest, Empty>("DeleteRepository", new(repository, Force: true), ct);
            return true;
        }
        catch (AwsServiceException e) when (e.Code == "RepositoryNotFoundException")
        {
            return false;
        }
    }
}
