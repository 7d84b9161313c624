using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using static Slipway.Engine.EngineRequests;

namespace Slipway.Engine;

/// <summary>Named volumes: created with labels, listed by them, measured, and removed only when asked.</summary>
public sealed partial class DockerEngine
{
    /// <summary>Creates the volume unless it exists (an existing one, and its data, is kept as it is).</summary>
    public async Task EnsureVolumeAsync(string name, IReadOnlyDictionary<string, string> labels, CancellationToken ct)
    {
        using (var existing = await _http.GetAsync($"{ApiPrefix}/volumes/{Uri.EscapeDataString(name)}", ct))
            if (existing.IsSuccessStatusCode) return;
        using var response = await _http.PostAsync($"{ApiPrefix}/volumes/create",
            new StringContent(CreateVolumeBody(name, labels).ToJsonString(), Encoding.UTF8, "application/json"), ct);
        await EnsureSuccessAsync(response, ct);
    }

    public async Task<IReadOnlyList<VolumeSummary>> ListVolumesAsync(IReadOnlyDictionary<string, string> labels, CancellationToken ct)
    {
        var json = await GetJsonAsync($"{ApiPrefix}/volumes?filters={LabelFilter(labels)}", ct);
        return (json["Volumes"]?.AsArray() ?? []).Select(v => new VolumeSummary(Str(v!, "Name"), Labels(v!["Labels"]),
            DateTimeOffset.TryParse(v["CreatedAt"]?.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.None, out var created) ? created : null)).ToList();
    }

    /// <summary>
    /// The bytes each volume holds, by name, as the engine measures them (<c>docker system df -v</c>); a volume it has not
    /// measured is absent.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, long>> VolumeSizesAsync(CancellationToken ct)
    {
        var json = await GetJsonAsync($"{ApiPrefix}/system/df", ct);
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var volume in json["Volumes"]?.AsArray() ?? [])
        {
            if (volume?["UsageData"]?["Size"]?.GetValue<long>() is { } size && size >= 0) sizes[Str(volume, "Name")] = size;
        }
        return sizes;
    }

    /// <summary>Removes a volume and its data; a missing one is fine. Returns whether there was one.</summary>
    public async Task<bool> RemoveVolumeAsync(string name, CancellationToken ct)
    {
        using var response = await _http.DeleteAsync($"{ApiPrefix}/volumes/{Uri.EscapeDataString(name)}", ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return false;
        await EnsureSuccessAsync(response, ct);
        return true;
    }
}
