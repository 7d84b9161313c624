namespace Slipway.Platforms;

/// <summary>The labels that tie engine objects to an app and a release; destroy and convergence find everything by them.</summary>
public static class ReleaseLabels
{
    public const string App = "slipway.app";
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

    public static IReadOnlyDictionary<string, string> ForRelease(Configuration.AppManifest app, string version) =>
        new Dictionary<string, string> { [App] = app.App, [Version] = version, [Owner] = app.Owner };
}
