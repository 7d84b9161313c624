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
}
