using System.Text.Json;

namespace Slipway.Edge;

/// <summary>The edge's routes on disk, so a restarted edge serves what it served before (written atomically).</summary>
public sealed class RouteStore(EdgePaths paths)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public async Task<IReadOnlyList<EdgeRoute>> LoadAsync(CancellationToken ct)
    {
        if (!File.Exists(paths.StateFile)) return [];
        await using var stream = File.OpenRead(paths.StateFile);
        return await JsonSerializer.DeserializeAsync<List<EdgeRoute>>(stream, Json, ct) ?? [];
    }

    public async Task SaveAsync(IEnumerable<EdgeRoute> routes, CancellationToken ct)
    {
        var temp = paths.StateFile + ".tmp";
        await using (var stream = File.Create(temp))
            await JsonSerializer.SerializeAsync(stream, routes.OrderBy(r => r.App, StringComparer.Ordinal).ToList(), Json, ct);
        File.Move(temp, paths.StateFile, overwrite: true);
    }
}
