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
/// on the first one this asks the engine once, as Docker's client does (the unversioned <c>/_ping</c>'s <c>API-Version</c>
/// header; <c>/version</c> for an engine that does not send it), and from then on sends every request under the negotiated
/// version: Docker Engine 29 refuses every request below API 1.44. The ping is the cheapest answer an engine gives (dockerd's
/// <c>/version</c> asks containerd and runc for theirs: 8-11 ms here against 0.5 ms); it does not name the oldest version the
/// engine accepts, so an engine that accepts none Slipway speaks is told by its refusal of the first request.
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
        var response = await base.SendAsync(request, ct);
        if (response.StatusCode == System.Net.HttpStatusCode.BadRequest)
        {
            // "client version 1.51 is too old. Minimum supported API version is 1.55": the engine accepts nothing Slipway speaks.
            await response.Content.LoadIntoBufferAsync(ct);
            var said = await response.Content.ReadAsStringAsync(ct);
            const string minimumIs = "Minimum supported API version is ";
            if (said.IndexOf(minimumIs, StringComparison.Ordinal) is var at and >= 0
                && ApiVersion.Parse(new string(said[(at + minimumIs.Length)..].TakeWhile(c => char.IsAsciiDigit(c) || c == '.').ToArray())) is { } minimum)
            {
                response.Dispose();
                throw TooNew(minimum);
            }
        }
        return response;
    }

    private SlipwayException TooNew(ApiVersion minimum) => new(ErrorCode.EngineUnsupported,
        $"the container engine at {endpoint.Display} accepts API {minimum} and newer; this Slipway speaks up to {ApiVersion.Newest}",
        "upgrade Slipway");

    private async Task<ApiVersion> NegotiateAsync(CancellationToken ct)
    {
        ApiVersion? engine = null;
        ApiVersion? minimum = null;
        using (var ping = await base.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(endpoint.BaseAddress, "/_ping")), ct))
        {
            if (ping.IsSuccessStatusCode && ping.Headers.TryGetValues("Api-Version", out var values))
                engine = ApiVersion.Parse(values.FirstOrDefault());
        }
        if (engine is null)
        {
            // Unversioned, /version answers any client, with both versions at once.
            using var version = await base.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(endpoint.BaseAddress, "/version")), ct);
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
            : TooNew(minimum!.Value));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _negotiating.Dispose();
        base.Dispose(disposing);
    }
}
