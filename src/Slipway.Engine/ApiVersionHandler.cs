using System.Globalization;
using System.Text.Json.Nodes;
using Slipway.Foundation;

namespace Slipway.Engine;

/// <summary>An Engine API version, as "1.41": compared by its numbers.</summary>
public readonly record struct ApiVersion(int Major, int Minor) : IComparable<ApiVersion>
{
    /// <summary>What Debian 12's dockerd 20.10 speaks: the oldest engine Slipway is tested against.</summary>
    public static readonly ApiVersion Oldest = new(1, 41);

    /// <summary>The newest version Slipway knows its requests hold for (Docker Engine 28.5); a newer engine is spoken to in this one.</summary>
    public static readonly ApiVersion Newest = new(1, 51);

    public static ApiVersion? Parse(string? text)
    {
        var parts = text?.Trim().Split('.');
        return parts is [var major, var minor] && int.TryParse(major, NumberStyles.None, CultureInfo.InvariantCulture, out var a)
               && int.TryParse(minor, NumberStyles.None, CultureInfo.InvariantCulture, out var b) ? new ApiVersion(a, b) : null;
    }

    public int CompareTo(ApiVersion other) => (Major, Minor).CompareTo((other.Major, other.Minor));
    public static bool operator <(ApiVersion a, ApiVersion b) => a.CompareTo(b) < 0;
    public static bool operator >(ApiVersion a, ApiVersion b) => a.CompareTo(b) > 0;
    public static bool operator <=(ApiVersion a, ApiVersion b) => a.CompareTo(b) <= 0;
    public static bool operator >=(ApiVersion a, ApiVersion b) => a.CompareTo(b) >= 0;
    public override string ToString() => $"{Major}.{Minor}";

    /// <summary>
    /// The version to speak with an engine that speaks <paramref name="engine"/> and accepts <paramref name="engineMinimum"/>
    /// and newer, as Docker's own client chooses it: the highest both sides know. Null when they share none.
    /// </summary>
    public static ApiVersion? Negotiate(ApiVersion engine, ApiVersion? engineMinimum)
    {
        var chosen = engine < Newest ? engine : Newest;
        return chosen < Oldest || (engineMinimum is { } minimum && chosen < minimum) ? null : chosen;
    }
}

/// <summary>
/// Speaks to the engine in the version both sides know. The requests are written against <see cref="EngineRequests.ApiPrefix"/>;
/// on the first one this asks the engine once (the unversioned <c>/version</c>: the version it speaks and the oldest it accepts)
/// and from then on sends every request under the negotiated version, as Docker's client does: Docker Engine 29 refuses every
/// request below API 1.44.
/// </summary>
internal sealed class ApiVersionHandler(EngineEndpoint endpoint) : DelegatingHandler
{
    private readonly SemaphoreSlim _negotiating = new(1, 1);
    private ApiVersion? _chosen;

    public async Task<ApiVersion> VersionAsync(CancellationToken ct)
    {
        if (_chosen is { } known) return known;
        await _negotiating.WaitAsync(ct);
        try
        {
            return _chosen ??= await NegotiateAsync(ct);
        }
        finally
        {
            _negotiating.Release();
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var version = await VersionAsync(ct);
        if (request.RequestUri is { } uri && uri.AbsolutePath.StartsWith(EngineRequests.ApiPrefix + "/", StringComparison.Ordinal))
            request.RequestUri = new UriBuilder(uri) { Path = $"/v{version}{uri.AbsolutePath[EngineRequests.ApiPrefix.Length..]}" }.Uri;
        return await base.SendAsync(request, ct);
    }

    private async Task<ApiVersion> NegotiateAsync(CancellationToken ct)
    {
        ApiVersion? engine = null;
        ApiVersion? minimum = null;
        // Unversioned, /version answers any client, with both versions at once (/_ping would give only the first).
        using (var version = await base.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(endpoint.BaseAddress, "/version")), ct))
        {
            if (version.IsSuccessStatusCode && JsonNode.Parse(await version.Content.ReadAsStringAsync(ct)) is JsonObject json)
            {
                engine = ApiVersion.Parse(json["ApiVersion"]?.GetValue<string>());
                minimum = ApiVersion.Parse(json["MinAPIVersion"]?.GetValue<string>());
            }
        }
        if (engine is not { } speaks)
            throw new SlipwayException(ErrorCode.EngineUnsupported, $"the container engine at {endpoint.Display} does not say which API version it speaks",
                "check DOCKER_HOST: it must lead to a Docker Engine API (dockerd, or podman's Docker-compatible service)");
        return ApiVersion.Negotiate(speaks, minimum) ?? throw (speaks < ApiVersion.Oldest
            ? new SlipwayException(ErrorCode.EngineUnsupported,
                $"the container engine at {endpoint.Display} speaks API {speaks}, older than the oldest Slipway supports ({ApiVersion.Oldest})",
                "upgrade the engine to Docker Engine 20.10 or newer (or podman 4)")
            : new SlipwayException(ErrorCode.EngineUnsupported,
                $"the container engine at {endpoint.Display} accepts API {minimum} and newer; this Slipway speaks up to {ApiVersion.Newest}",
                "upgrade Slipway"));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _negotiating.Dispose();
        base.Dispose(disposing);
    }
}
