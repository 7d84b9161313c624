namespace Slipway.Source;

/// <summary>
/// The app's code at one version, checked out on disk. <see cref="Version"/> is the short SHA of the last
/// commit that touched the app (its subdirectory, when one is set), plus <c>-dirty-&lt;hash&gt;</c> for
/// uncommitted changes in a local tree, so stale code never ships under a clean version.
/// </summary>
public sealed record SourceSnapshot(string Version, string Commit, string ContextDirectory, bool IsDirty);
