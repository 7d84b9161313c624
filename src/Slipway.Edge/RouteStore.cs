using System.Text.Json;
using Microsoft.Extensions.Logging;

using Slipway.Edge.Contract;

namespace Slipway.Edge;

/// <summary>
/// The edge's routes on disk, so a restarted edge serves what it served before. Written atomically, with a
/// second copy kept beside it: a damaged file (truncated, emptied, edited by hand) is set aside and
/// reported, and the edge starts from the last good copy instead of crash-looping.
/// </summary>
internal sealed class RouteStore(EdgePaths paths, ILogger<RouteStore> log)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private string LastGood => paths.StateFile + ".last-good";

    public async Task<IReadOnlyList<EdgeRoute>> LoadAsync(CancellationToken ct)
    {
        if (await TryReadAsync(paths.StateFile, ct) is { } routes) return routes;
        if (!File.Exists(paths.StateFile)) return [];
        var damaged = $"{paths.StateFile}.damaged-{DateTime.UtcNow:yyyyMMddTHHmmss}";
        File.Move(paths.StateFile, damaged, overwrite: true);
        var fallback = await TryReadAsync(LastGood, ct) ?? [];
        log.LogError("the routes file was damaged and was set aside as {Damaged}; serving the last good copy ({Count} route(s))",
            damaged, fallback.Count);
        return fallback;
    }

    public async Task SaveAsync(IEnumerable<EdgeRoute> routes, CancellationToken ct)
    {
        var temp = paths.StateFile + ".tmp";
        await using (var stream = File.Create(temp))
            await JsonSerializer.SerializeAsync(stream, routes.OrderBy(r => r.App, StringComparer.Ordinal).ToList(), Json, ct);
        File.Move(temp, paths.StateFile, overwrite: true);
        File.Copy(paths.StateFile, LastGood, overwrite: true); // a second copy, for when the first is damaged
    }

    /// <summary>The routes in a file, or null when it is missing or cannot be read as routes.</summary>
    private static async Task<List<EdgeRoute>?> TryReadAsync(string file, CancellationToken ct)
    {
        if (!File.Exists(file)) return null;
        try
        {
            await using var stream = File.OpenRead(file);
            var routes = await JsonSerializer.DeserializeAsync<List<EdgeRoute>>(stream, Json, ct);
            return routes?.All(r => r is { App: not null, Version: not null, Targets: not null, Health: not null }) == true ? routes : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
