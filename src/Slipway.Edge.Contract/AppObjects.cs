namespace Slipway.Edge.Contract;

/// <summary>
/// How objects on an engine are tied to an app, for everything that must find them all: destroy on the CLI's side, and the
/// scheduler removing an expired preview environment with no CLI.
/// </summary>
public static class AppObjects
{
    /// <summary>Replicas, workers, release images, the app's volumes.</summary>
    public const string App = "slipway.app";
    /// <summary>One-off containers (run, the release phase, a restore's helper).</summary>
    public const string Run = "slipway.run";
    /// <summary>Accessory containers and their images.</summary>
    public const string Accessory = "slipway.accessory.app";
    /// <summary>A preview environment's objects: when it expires (ISO 8601, UTC).</summary>
    public const string PreviewExpires = "slipway.preview.expires";

    /// <summary>Each app's replicas share a network of their own.</summary>
    public static string NetworkOf(string app) => $"slipway-{app}";

    /// <summary>Every label that ties a container to the app, each with the app's name as its value.</summary>
    public static IReadOnlyList<string> ContainerLabels { get; } = [App, Run, Accessory, JobLabels.App];
}
