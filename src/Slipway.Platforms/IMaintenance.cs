using Slipway.Configuration;
using Slipway.Foundation.Output;

namespace Slipway.Platforms;

/// <summary>What users see while an app is in maintenance: an HTML page, or a plain message.</summary>
public sealed record MaintenancePage(string Body, bool IsHtml);

/// <summary>A platform whose front door can answer an app's requests itself while it is in maintenance.</summary>
public interface IMaintenance
{
    /// <summary>Puts the app in maintenance with <paramref name="page"/>, or (null) back in service; survives deploys and restarts.</summary>
    Task SetMaintenanceAsync(AppManifest app, MaintenancePage? page, IStageLog log, CancellationToken ct);
}
