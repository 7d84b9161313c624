using Slipway.Configuration;

namespace Slipway.Platforms.Aws;

/// <summary>
/// Preview environments on aws: each a stack of its own (<see cref="AwsModule.ForPreview"/>), tagged with the preview's name, its
/// base and when it expires, and found again by those tags. With no long-running part of Slipway on aws, an expired preview is
/// removed by the next <c>up --preview</c> of its base (and by a CI workflow's destroy when its pull request closes).
/// </summary>
public sealed partial class AwsPlatform : IPreviewEnvironments
{
    public const string AppTag = "slipway:app";
    public const string PreviewTag = "slipway:preview";
    public const string PreviewOfTag = "slipway:preview-of";
    public const string ExpiresTag = "slipway:expires";
    /// <summary>On a stack that holds an app's data rather than the app (its volumes' stack).</summary>
    public const string HoldsTag = "slipway:holds";

    /// <summary>The tags an app's stacks carry: a preview's name, base and expiry; none for any other app (its stacks stay as they were).</summary>
    public static IReadOnlyDictionary<string, string> StackTags(AppManifest app) => app.Preview is not { } preview
        ? new Dictionary<string, string>()
        : new Dictionary<string, string>
        {
            [AppTag] = app.App, [PreviewTag] = preview.Name, [PreviewOfTag] = preview.Of,
            [ExpiresTag] = preview.ExpiresAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
        };

    public async Task<IReadOnlyList<PreviewStatus>> PreviewsAsync(string of, CancellationToken ct) =>
        (await cloudFormation.DescribeAllStacksAsync(ct))
            .Where(s => s.Tags.GetValueOrDefault(PreviewOfTag) == of && !s.Tags.ContainsKey(HoldsTag))
            .Select(s => new PreviewStatus(s.Tags.GetValueOrDefault(PreviewTag, s.Name), s.Tags.GetValueOrDefault(AppTag, s.Name), s.Output("Version"),
                s.Output("PublicUrl") is { } url && Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri : null, s.ChangedAt,
                DateTimeOffset.TryParse(s.Tags.GetValueOrDefault(ExpiresTag), System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.AssumeUniversal, out var expires) ? expires : null))
            .OrderBy(p => p.DeployedAt ?? DateTimeOffset.MaxValue).ToList();
}
