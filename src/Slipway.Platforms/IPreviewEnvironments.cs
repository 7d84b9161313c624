namespace Slipway.Platforms;

/// <summary>A platform that can list the preview environments derived from one base app and environment.</summary>
public interface IPreviewEnvironments
{
    /// <param name="of">The base, as <c>app@environment</c>.</param>
    Task<IReadOnlyList<PreviewStatus>> PreviewsAsync(string of, CancellationToken ct);
}

/// <param name="App">The preview's app name (<c>shop-pr-123</c>).</param>
/// <param name="DeployedAt">When its serving release was deployed; null: not serving.</param>
public sealed record PreviewStatus(string Name, string App, string? Version, Uri? Url, DateTimeOffset? DeployedAt, DateTimeOffset? ExpiresAt);
