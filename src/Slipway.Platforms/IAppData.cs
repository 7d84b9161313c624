using Slipway.Configuration;
using Slipway.Foundation.Output;

namespace Slipway.Platforms;

/// <summary>
/// A platform that keeps an app's data: its <c>volumes:</c>, and its <c>accessories:</c> (a database beside it) run, converged
/// by <see cref="IPlatform.EnsureInfrastructureAsync"/> before the app's release, and kept by <see cref="IPlatform.DestroyAsync"/>'s
/// volumes unless they are removed here.
/// </summary>
public interface IAppData
{
    /// <summary>Every volume of the app and its accessories on the platform, with what each holds.</summary>
    Task<IReadOnlyList<VolumeStatus>> VolumesAsync(AppManifest app, CancellationToken ct);

    /// <summary>Removes the app's volumes and their data, once nothing uses them; returns what was removed.</summary>
    Task<IReadOnlyList<string>> RemoveVolumesAsync(AppManifest app, IStageLog log, CancellationToken ct);

    Task<IReadOnlyList<AccessoryStatus>> AccessoriesAsync(AppManifest app, CancellationToken ct);

    /// <summary>Stops and starts an accessory (its data kept), gated on its health check.</summary>
    Task RestartAccessoryAsync(AppManifest app, string name, IStageLog log, CancellationToken ct);

    Task StreamAccessoryLogsAsync(AppManifest app, string name, LogQuery query, Action<LogLine> onLine, CancellationToken ct);

    Task<int> ExecAccessoryAsync(AppManifest app, string name, IReadOnlyList<string> command, Action<string> onLine, CancellationToken ct);

    /// <summary>
    /// Writes a consistent copy of the target's data to <paramref name="output"/>: an accessory's backup command's output, or a
    /// volume's files as a tar archive taken with its users paused. Returns the format (<c>command</c> or <c>tar</c>).
    /// </summary>
    Task<string> BackupAsync(AppManifest app, Slipway.Backups.BackupTarget target, Stream output, CancellationToken ct);

    /// <summary>
    /// Puts a copy back: through the accessory's restore command, or as the volume's files (its users stopped, the volume emptied
    /// and filled from the archive, its users started again).
    /// </summary>
    Task RestoreAsync(AppManifest app, Slipway.Backups.BackupTarget target, string format, Stream input, IStageLog log, CancellationToken ct);
}

/// <param name="Name">Which volume: <c>data</c>, or <c>db/data</c> for an accessory's.</param>
/// <param name="Volume">Its name on the platform.</param>
/// <param name="Path">Where it is mounted, when the manifest still names it; null: no longer in the manifest (kept, unused).</param>
/// <param name="Bytes">What it holds, where the platform measures it.</param>
public sealed record VolumeStatus(string Name, string Volume, string? Path, long? Bytes);

/// <param name="Health">healthy, unhealthy, starting, or none (no health check).</param>
/// <param name="Address">Where the app reaches it (<c>db:5432</c>).</param>
public sealed record AccessoryStatus(string Name, string Container, string Image, string State, string Health, string Address);
