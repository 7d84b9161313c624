using Slipway.Foundation;
using Slipway.Platforms.History;

namespace Slipway.Pipeline;

/// <summary>Which release a rollback goes back to: policy, kept apart from the CLI and tested as data.</summary>
public static class RollbackTarget
{
    /// <summary>Versions that served, newest first, as the release history recorded them.</summary>
    public static IReadOnlyList<string> Served(IEnumerable<ReleaseRecord> history) =>
        history.Where(r => r.Result is "succeeded" or "no change" && r.Version is not null && r.Action is "deploy" or "rollback")
            .Select(r => r.Version!).Distinct().ToList();

    /// <summary>
    /// The named version, else the newest that served before and is still available, else the newest available
    /// other than the serving one. Refuses a version the platform no longer has, listing what it has.
    /// </summary>
    public static string Choose(string app, string? named, IReadOnlyList<string> served, IReadOnlyList<string> available, string? serving)
    {
        var target = named
            ?? served.FirstOrDefault(v => v != serving && available.Contains(v))
            ?? available.FirstOrDefault(v => v != serving)
            ?? throw new SlipwayException(ErrorCode.VersionNotAvailable, $"{app} has no previous release to roll back to",
                available.Count == 0 ? "deploy it first with slipway up" : $"it has only {string.Join(", ", available)}");
        if (!available.Contains(target))
            throw new SlipwayException(ErrorCode.VersionNotAvailable, $"version {target} of {app} is no longer available",
                available.Count == 0 ? "nothing is kept yet" : $"available, newest first: {string.Join(", ", available)}");
        return target;
    }
}
