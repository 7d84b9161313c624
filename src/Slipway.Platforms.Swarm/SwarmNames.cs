using Slipway.Configuration;
using Slipway.Platforms.Images;

namespace Slipway.Platforms.Swarm;

/// <summary>What Slipway names on a swarm: the edge's objects (one per cluster), and each app's network, releases and images.</summary>
public static class SwarmNames
{
    /// <summary>The overlay network the edges and every release share: how an edge reaches a task by its own address.</summary>
    public const string EdgeNetwork = "slipway-edge";
    public const string EdgeService = "slipway-edge";
    /// <summary>The relay beside the manager Slipway talks to, through which it reaches each edge's control gate.</summary>
    public const string RelayService = "slipway-edge-relay";
    /// <summary>The token an edge's control gate wants, a Swarm secret only the edges and the relay read.</summary>
    public const string TokenSecret = "slipway-edge-token";
    public const string TokenFile = "/run/secrets/" + TokenSecret;
    /// <summary>Each edge node's own volume for the edge's routes and certificates.</summary>
    public const string EdgeVolume = "slipway-edge";
    public const int ControlGatePort = 7901;
    /// <summary>A node carrying this label (value true) runs an edge; with none labelled, the managers do.</summary>
    public const string EdgeNodeLabel = "slipway.edge";
    /// <summary>Marks a release's service (as opposed to the edge's own), with the release's version beside it.</summary>
    public const string ReleaseLabel = "slipway.swarm.release";

    /// <summary>Each app's own overlay network: its releases (and workers) reach each other there, other apps do not.</summary>
    public static string AppNetwork(AppManifest app) => $"slipway-{app.App}";

    /// <summary>
    /// A release's service: one per version and fingerprint (the same code with a new setting or secret is a release of its
    /// own, started beside the serving one), kept scaled to 0 after it stops serving so a rollback starts it again.
    /// </summary>
    public static string ReleaseService(AppManifest app, string version, string fingerprint) => $"{app.App}-{version}-{fingerprint[..Math.Min(6, fingerprint.Length)]}";

    /// <summary>The service an edge's route sends to: its targets are named <c>service.slot</c>.</summary>
    public static string? RoutedService(Slipway.Edge.Contract.RouteStatus? route) => ServiceOf(route?.Route.Targets.FirstOrDefault()?.Id);

    /// <summary>The service of a canary the edge's route shares requests with; null: none in progress.</summary>
    public static string? CanaryService(Slipway.Edge.Contract.RouteStatus? route) => ServiceOf(route?.Route.Canary?.Targets.FirstOrDefault()?.Id);

    private static string? ServiceOf(string? target) => target is { } id && id.LastIndexOf('.') is > 0 and var dot ? id[..dot] : null;

    /// <summary>The release's image in the cluster's registry.</summary>
    public static string RegistryRepository(AppManifest app, string registry) => $"{registry}/{ImageBuilder.ImageName(app.App)}";

    public static string EdgeRepository(string registry) => $"{registry}/slipway-edge";
}
