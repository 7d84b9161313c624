namespace Slipway.Platforms;

/// <summary>The labels that tie engine objects to an app and a release; destroy and convergence find everything by them.</summary>
public static class ReleaseLabels
{
    public const string App = Edge.Contract.AppObjects.App;
    public const string Version = "slipway.version";
    public const string Fingerprint = "slipway.fingerprint";
    /// <summary>Hash of the Dockerfile and build args the image was built with.</summary>
    public const string Recipe = "slipway.recipe";
    /// <summary>Which manifest app and environment made the object: two of them may derive the same app name.</summary>
    public const string Owner = "slipway.owner";
    /// <summary>The process a container runs when it is not the web one (a worker): it is never routed.</summary>
    public const string Process = "slipway.process";

    public static IReadOnlyDictionary<string, string> ForApp(string app) => new Dictionary<string, string> { [App] = app };

    public static IReadOnlyDictionary<string, string> ForRelease(string app, string version) =>
        new Dictionary<string, string> { [App] = app, [Version] = version };

    /// <summary>On a preview environment's objects: the base app and environment it derives from (<c>shop@staging</c>).</summary>
    public const string PreviewOf = "slipway.preview.of";
    /// <summary>On a preview environment's objects: when it expires (ISO 8601, UTC), counted from its last deploy.</summary>
    public const string PreviewExpires = Edge.Contract.AppObjects.PreviewExpires;
    /// <summary>On a preview environment's objects: its name (<c>pr-123</c>).</summary>
    public const string PreviewName = "slipway.preview";

    public static IReadOnlyDictionary<string, string> ForRelease(Configuration.AppManifest app, string version)
    {
        var labels = new Dictionary<string, string> { [App] = app.App, [Version] = version, [Owner] = app.Owner };
        if (app.Preview is { } preview)
        {
            labels[PreviewOf] = preview.Of;
            labels[PreviewName] = preview.Name;
            labels[PreviewExpires] = preview.ExpiresAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        }
        return labels;
    }
}
