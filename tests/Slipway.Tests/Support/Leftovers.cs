using Slipway.Engine;

namespace Slipway.Tests.Support;

/// <summary>Removes containers and images carrying the given labels; returns what it had to remove.</summary>
public static class Leftovers
{
    public static async Task<IReadOnlyList<string>> RemoveAsync(IReadOnlyDictionary<string, string> labels, string? dockerHost = null)
    {
        using var engine = TestEngine.Create(dockerHost);
        var removed = new List<string>();
        foreach (var container in await engine.ListContainersAsync(labels, CancellationToken.None))
        {
            await engine.RemoveContainerAsync(container.Id, CancellationToken.None);
            removed.Add($"container {container.Name}");
        }
        foreach (var image in await engine.ListImagesAsync(labels, CancellationToken.None))
        {
            await engine.RemoveImageAsync(image.Id, CancellationToken.None);
            removed.Add($"image {string.Join(",", image.Tags.DefaultIfEmpty(image.Id))}");
        }
        if (labels.TryGetValue(Slipway.Platforms.ReleaseLabels.App, out var app) && await engine.RemoveNetworkAsync($"slipway-{app}", CancellationToken.None))
            removed.Add($"network slipway-{app}");
        return removed;
    }

    /// <summary>Removes the app's volumes (destroy keeps them on purpose); returns their names.</summary>
    public static async Task<IReadOnlyList<string>> RemoveVolumesAsync(string app, string? dockerHost = null)
    {
        using var engine = TestEngine.Create(dockerHost);
        var removed = new List<string>();
        foreach (var volume in await engine.ListVolumesAsync(Slipway.Platforms.ReleaseLabels.ForApp(app), CancellationToken.None))
        {
            await engine.RemoveVolumeAsync(volume.Name, CancellationToken.None);
            removed.Add($"volume {volume.Name}");
        }
        return removed;
    }
}
