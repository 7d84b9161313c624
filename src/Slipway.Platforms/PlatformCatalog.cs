using Slipway.Foundation;
using Slipway.Configuration;
using Slipway.Platforms.History;

namespace Slipway.Platforms;

/// <summary>
/// The platforms this program knows, each registered once. The first is the default environment's (<c>-e</c> unset).
/// Nothing outside a platform's own project names one: the manifest, the CLI, <c>doctor</c> and the dashboard go through here.
/// </summary>
public sealed class PlatformCatalog
{
    public PlatformCatalog(IReadOnlyList<IPlatformModule> modules)
    {
        if (modules.Count == 0) throw new ArgumentException("at least one platform", nameof(modules));
        var duplicate = modules.GroupBy(m => m.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"the platform {duplicate.Key} is registered twice", nameof(modules));
        Modules = modules;
    }

    public IReadOnlyList<IPlatformModule> Modules { get; }

    /// <summary>The default environment: the one named after the first platform.</summary>
    public string DefaultEnvironment => Modules[0].Name;

    public IReadOnlyList<IPlatformManifest> Manifests => Modules;

    /// <summary>This catalog with one more platform (a test's, or a plugin's).</summary>
    public PlatformCatalog With(IPlatformModule module) => new([.. Modules, module]);

    /// <summary>The platform an app's environment runs on; the manifest only names registered ones.</summary>
    public IPlatformModule For(AppManifest app) => Named(app.Environment.Platform)
        ?? throw new InvalidOperationException($"no platform {app.Environment.Platform} is registered");

    public IPlatformModule? Named(string name) => Modules.FirstOrDefault(m => m.Name == name);

    public AppManifest Load(string manifestPath, string environment) => ManifestLoader.Load(manifestPath, environment, Manifests);

    /// <summary>Opens the app's platform with its lock and release log; the secrets are read once for the whole command.</summary>
    public PlatformSession Open(AppManifest app, PlatformContext context) => For(app).Open(app, new AppSecrets(app, context.Environment), context);

    /// <summary>What a client threw, in the user's words: the shared clients' (the engine's) first, then each platform's.</summary>
    public SlipwayException? ToUserError(Exception e) =>
        EngineFailures.ToUserError(e) ?? Modules.Select(m => m.ToUserError(e)).FirstOrDefault(error => error is not null);
}

/// <summary>
/// A platform opened for one app: the platform, where its runs are coordinated (the deploy lock, the release log) and
/// the clients it owns, disposed together.
/// </summary>
public sealed class PlatformSession(IPlatform platform, IDeployLock deployLock, IReleaseLog releases, AppSecrets secrets,
    IReadOnlyList<IDisposable> owned) : IDisposable
{
    /// <summary>The app's secrets, read once for the whole command.</summary>
    public AppSecrets Secrets { get; } = secrets;

    public IPlatform Platform { get; } = platform;
    public IDeployLock Lock { get; } = deployLock;
    public IReleaseLog Releases { get; } = releases;

    public void Dispose()
    {
        foreach (var resource in owned) resource.Dispose();
    }
}
