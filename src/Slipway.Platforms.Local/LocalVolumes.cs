using Slipway.Configuration;
using Slipway.Engine;

namespace Slipway.Platforms.Local;

/// <summary>
/// The app's and its accessories' volumes: named per app and environment, labelled so status and destroy find them,
/// created before any container mounts them (the engine would make an unlabelled one), and never removed unless asked.
/// </summary>
internal sealed class LocalVolumes(DockerEngine engine)
{
    /// <summary>Which volume of the app it is: <c>data</c>, or <c>db/data</c> for an accessory's.</summary>
    public const string VolumeLabel = "slipway.volume";

    /// <summary><c>shop.data</c>, <c>shop.db.data</c>: app and accessory names hold no dot, so no two can meet.</summary>
    public static string Name(AppManifest app, VolumeSpec volume, AccessorySpec? of = null) =>
        of is null ? $"{app.App}.{volume.Name}" : $"{app.App}.{of.Name}.{volume.Name}";

    public static string Label(VolumeSpec volume, AccessorySpec? of = null) => of is null ? volume.Name : $"{of.Name}/{volume.Name}";

    /// <summary>The <c>source:target</c> mounts of a container of the app or of one accessory.</summary>
    public static IReadOnlyList<string>? Binds(AppManifest app, IReadOnlyList<VolumeSpec> volumes, AccessorySpec? of = null) =>
        volumes.Count == 0 ? null : volumes.Select(v => $"{Name(app, v, of)}:{v.Path}").ToList();

    public async Task EnsureAsync(AppManifest app, IReadOnlyList<VolumeSpec> volumes, AccessorySpec? of, CancellationToken ct)
    {
        foreach (var volume in volumes)
            await engine.EnsureVolumeAsync(Name(app, volume, of), new Dictionary<string, string>
            {
                [ReleaseLabels.App] = app.App, [ReleaseLabels.Owner] = app.Owner, [VolumeLabel] = Label(volume, of),
            }, ct);
    }

    public Task EnsureAllAsync(AppManifest app, CancellationToken ct) =>
        Task.WhenAll(app.Accessories.Select(a => EnsureAsync(app, a.Volumes, a, ct)).Prepend(EnsureAsync(app, app.Volumes, null, ct)));

    /// <summary>Every volume the app has on this engine, those the manifest no longer names too, with the bytes each holds where the engine knows.</summary>
    public async Task<IReadOnlyList<VolumeStatus>> ListAsync(AppManifest app, CancellationToken ct)
    {
        var volumes = await engine.ListVolumesAsync(ReleaseLabels.ForApp(app.App), ct);
        if (volumes.Count == 0) return [];
        var sizes = await engine.VolumeSizesAsync(ct);
        var paths = app.Volumes.ToDictionary(v => Label(v), v => v.Path)
            .Concat(app.Accessories.SelectMany(a => a.Volumes.Select(v => KeyValuePair.Create(Label(v, a), v.Path))))
            .ToDictionary(p => p.Key, p => p.Value);
        return volumes.Select(v =>
        {
            var label = v.Labels.GetValueOrDefault(VolumeLabel, v.Name);
            return new VolumeStatus(label, v.Name, paths.GetValueOrDefault(label), sizes.TryGetValue(v.Name, out var size) ? size : null);
        }).OrderBy(v => v.Name, StringComparer.Ordinal).ToList();
    }
}
