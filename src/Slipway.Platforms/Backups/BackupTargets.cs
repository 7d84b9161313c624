using Slipway.Backups;
using Slipway.Configuration;
using Slipway.Foundation;

namespace Slipway.Platforms.Backups;

/// <summary>Which data a backup command means: the <c>--accessory</c> or <c>--volume</c> given, or the app's only one.</summary>
public static class BackupTargets
{
    public static BackupTarget Resolve(AppManifest app, string? accessory, string? volume)
    {
        if (accessory is not null && volume is not null)
            throw new SlipwayException(ErrorCode.InvalidSetting, "backup: --accessory and --volume name one thing each", "give one of them");
        if (accessory is not null)
            return app.Accessories.Any(a => a.Name == accessory) ? new BackupTarget(BackupTarget.Accessory, accessory)
                : throw new SlipwayException(ErrorCode.InvalidSetting, $"--accessory: {app.App} has no accessory \"{accessory}\"", Choices(app));
        if (volume is not null)
            return All(app).Contains(new BackupTarget(BackupTarget.Volume, volume)) ? new BackupTarget(BackupTarget.Volume, volume)
                : throw new SlipwayException(ErrorCode.InvalidSetting, $"--volume: {app.App} has no volume \"{volume}\"", Choices(app));
        // Without a choice: the app's only accessory, else its only volume.
        var candidates = app.Accessories.Count > 0 ? app.Accessories.Select(a => new BackupTarget(BackupTarget.Accessory, a.Name)).ToList()
            : app.Volumes.Select(v => new BackupTarget(BackupTarget.Volume, v.Name)).ToList();
        return candidates.Count switch
        {
            1 => candidates[0],
            0 => throw new SlipwayException(ErrorCode.InvalidSetting, $"backup: {app.App} keeps no data (no volumes: and no accessories: in the manifest)",
                "declare a volume or an accessory first"),
            _ => throw new SlipwayException(ErrorCode.InvalidSetting, $"backup: {app.App} has several, say which", Choices(app)),
        };
    }

    /// <summary>Every accessory and volume (an accessory's as <c>db/data</c>) a backup can name.</summary>
    public static IReadOnlyList<BackupTarget> All(AppManifest app) =>
        app.Accessories.Select(a => new BackupTarget(BackupTarget.Accessory, a.Name))
            .Concat(app.Volumes.Select(v => new BackupTarget(BackupTarget.Volume, v.Name)))
            .Concat(app.Accessories.SelectMany(a => a.Volumes.Select(v => new BackupTarget(BackupTarget.Volume, $"{a.Name}/{v.Name}")))).ToList();

    private static string Choices(AppManifest app) => All(app) is { Count: > 0 } all
        ? "its data: " + string.Join(", ", all.Select(t => t.Kind == BackupTarget.Accessory ? $"--accessory {t.Name}" : $"--volume {t.Name}"))
        : "its manifest declares no volumes: or accessories:";
}
