using Slipway.Foundation;
using Slipway.Foundation.Files;
using Slipway.Foundation.Output;
using Slipway.Configuration;
using Slipway.Platforms.History;

namespace Slipway.Platforms;

/// <summary>What a platform is opened with: the state directory, the clock, the process environment and a way to ask the user.</summary>
/// <param name="Confirm">Asks the user a yes/no question (a platform may need one, e.g. to replace a failed stack).</param>
/// <param name="Environment">Reads a variable of the process environment (credentials, DOCKER_HOST).</param>
public sealed record PlatformContext(StateDirectory State, Func<string, bool> Confirm, TimeProvider Time, Func<string, string?> Environment);

/// <summary>
/// One platform, registered once in <see cref="PlatformCatalog"/>. Everything it brings is reached through this type: its
/// name and manifest section (<see cref="IPlatformManifest"/>), the platform with its deploy lock and release log for an
/// app, its <c>doctor</c> checks, what the dashboard shows of it, and its clients' errors in the user's words.
/// What it can do beyond <see cref="IPlatform"/> (canaries, workers, drift...) is the capability interfaces its platform implements.
/// </summary>
public interface IPlatformModule : IPlatformManifest
{
    /// <summary>The platform for one app, with its clients, its deploy lock and its release log.</summary>
    PlatformSession Open(AppManifest app, AppSecrets secrets, PlatformContext context);

    /// <summary>Preflight checks of what this platform needs (its proxy, its cloud credentials), each with a fix; never throws.</summary>
    /// <param name="app">The app, when the manifest loaded; the checks that need one are skipped without it.</param>
    Task<IReadOnlyList<DoctorCheck>> CheckAsync(AppManifest? app, PlatformContext context, CancellationToken ct);

    /// <summary>The apps this machine can see on this platform, for the dashboard; a platform that is not set up here has none.</summary>
    Task<PlatformOverview> OverviewAsync(PlatformContext context, CancellationToken ct);

    /// <summary>How often the dashboard reads <see cref="OverviewAsync"/> again: a cloud's calls cost money and count against its limits.</summary>
    TimeSpan OverviewEvery => TimeSpan.Zero;

    /// <summary>What one of its clients threw (a cloud API's refusal, the edge's), as the one-line error and hint a user gets; null: not its own.</summary>
    SlipwayException? ToUserError(Exception e);
}

public enum CheckStatus { Ok, Warning, Failed }

/// <summary>One preflight check: its status, what was found, and how to fix a problem.</summary>
public sealed record DoctorCheck(string Name, CheckStatus Status, string Detail, string? Hint = null);

/// <summary>What a platform shows on the dashboard: its apps, and one line on the platform itself (e.g. "edge running").</summary>
public sealed record PlatformOverview(string Platform, string Status, IReadOnlyList<DeploymentOverview> Apps)
{
    public static PlatformOverview None(string platform, string status) => new(platform, status, []);
}

/// <summary>An app in one environment: where it serves, what, how healthy, who is changing it, what happened to it.</summary>
/// <param name="Canary">A release taking a share of the requests beside <paramref name="Version"/>; null: none.</param>
public sealed record DeploymentOverview(string App, string Environment, string Platform, string? Url, string? Version, DateTimeOffset? DeployedAt,
    IReadOnlyList<ReplicaOverview> Replicas, bool Maintenance, LockHolder? InProgress, IReadOnlyList<ReleaseOverview> Releases,
    CanaryOverview? Canary = null);

/// <summary>One replica and its health.</summary>
public sealed record ReplicaOverview(string Id, string Health, int InFlight);

/// <summary>One release in an app's history.</summary>
public sealed record ReleaseOverview(string Action, string? Version, string Result, DateTimeOffset StartedAt, double? Seconds, string User, string Host,
    string? Error)
{
    public static ReleaseOverview Of(ReleaseRecord record) => new(record.Action, record.Version, record.Result, record.StartedAt,
        record.Duration?.TotalSeconds, record.User, record.Host, record.Error);
}

/// <summary>A canary in progress: its version and its share of the requests.</summary>
public sealed record CanaryOverview(string Version, int Percent);
