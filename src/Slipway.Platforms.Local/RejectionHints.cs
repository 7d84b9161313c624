using Slipway.Foundation.Timing;
using Slipway.Configuration;
using Slipway.Edge.Contract;

namespace Slipway.Platforms.Local;

/// <summary>What to do about a rejected release, chosen by how its replicas failed.</summary>
public static class RejectionHints
{
    public static string Crashed(AppManifest app, bool outOfMemory) => outOfMemory
        ? "the app ran out of memory as it started: give it less work at start, or more memory"
        : $"the app exited as it started: fix the error in its log above (the image is slipway/{app.App} at this version; run it with docker run to see it happen)";

    public static string For(AppManifest app, string? outcome)
    {
        var health = app.HealthCheck;
        return outcome switch
        {
            TargetOutcomes.UnhealthyStatus =>
                $"the app runs but {health.Path} does not answer 2xx or 3xx: fix that route, or point healthCheck.path at one that does",
            TargetOutcomes.TimedOut =>
                $"{health.Path} did not answer within healthCheck.timeout ({Duration.Format(health.Timeout)}), or the app was still starting after healthCheck.startPeriod ({Duration.Format(health.StartPeriod)}): "
                + "make it answer sooner, or raise healthCheck.timeout or healthCheck.startPeriod",
            _ => $"nothing answered HTTP on port {app.Port} inside the container within healthCheck.startPeriod ({Duration.Format(health.StartPeriod)}): "
                 + "check that the app listens on 0.0.0.0 (not 127.0.0.1) and on port: (the manifest's), or raise startPeriod if it starts slowly",
        };
    }
}
