using Slipway.Configuration;
using Slipway.Engine;
using Slipway.Foundation;
using Slipway.Foundation.Output;
using Slipway.Platforms.Backups;
using Slipway.Backups;

namespace Slipway.Platforms.Local;

/// <summary>
/// Consistent copies of an app's data on this engine: an accessory's own dump command run inside it (pg_dump), or a volume's
/// files read with every container using it paused, so no file changes while it is archived.
/// </summary>
internal sealed class LocalBackups(DockerEngine engine, LocalAccessories accessories)
{
    public async Task<string> BackupAsync(AppManifest app, BackupTarget target, Stream output, CancellationToken ct)
    {
        if (target.Kind == BackupTarget.Accessory && app.Accessories.First(a => a.Name == target.Name) is { Backup: { } backup })
        {
            var container = await accessories.FindAsync(app, target.Name, ct);
            var outcome = await engine.ExecPipeAsync(container.Id, backup.Command, null, output, ct);
            if (outcome.ExitCode != 0)
                throw new SlipwayException(ErrorCode.BackupFailed,
                    $"backup of accessory {target.Name}: accessories.{target.Name}.backup.command exited with {outcome.ExitCode}{LastLine(outcome)}",
                    "run it by hand to see why: slipway accessory exec " + target.Name + " -- " + string.Join(' ', backup.Command));
            return BackupFormats.Command;
        }
        var (volume, users) = await VolumeAsync(app, target, ct);
        if (users.Count == 0)
            throw new SlipwayException(ErrorCode.VersionNotAvailable, $"backup of {target}: no container uses volume {LocalVolumes.Name(app, volume.Spec, volume.Of)} here",
                "deploy the app (slipway up) so that one mounts it");
        await engine.ArchiveWhilePausedAsync(users, volume.Spec.Path, output, ct);
        return BackupFormats.Tar;
    }

    public async Task RestoreAsync(AppManifest app, BackupTarget target, string format, Stream input, IStageLog log, CancellationToken ct)
    {
        if (format == BackupFormats.Command)
        {
            var accessory = app.Accessories.FirstOrDefault(a => a.Name == target.Name && target.Kind == BackupTarget.Accessory)
                ?? throw new SlipwayException(ErrorCode.InvalidSetting, $"restore: the backup is {target}'s command output, and {app.App} has no such accessory",
                    "restore it into the app it was taken of");
            var restore = accessory.Backup?.Restore ?? throw new SlipwayException(ErrorCode.InvalidSetting,
                $"restore: accessories.{accessory.Name}.backup.restore is not set, and this backup is its backup command's output",
                "give the accessory a backup: { command, restore } pair (e.g. restore: psql -U app -d postgres)");
            var container = await accessories.FindAsync(app, target.Name, ct);
            var outcome = await engine.ExecPipeAsync(container.Id, restore, input, Stream.Null, ct);
            if (outcome.ExitCode != 0)
                throw new SlipwayException(ErrorCode.BackupFailed,
                    $"restore of accessory {target.Name}: accessories.{target.Name}.backup.restore exited with {outcome.ExitCode}{LastLine(outcome)}",
                    "the backup file is unchanged; fix the restore command and run restore again");
            return;
        }
        var (volume, users) = await VolumeAsync(app, target, ct);
        if (users.Count == 0)
            throw new SlipwayException(ErrorCode.VersionNotAvailable, $"restore of {target}: no container uses volume {LocalVolumes.Name(app, volume.Spec, volume.Of)} here",
                "deploy the app (slipway up) first");
        var running = users.Where(u => u.State == "running").ToList();
        log.Info($"stopping {string.Join(", ", running.Select(u => u.Name))} while volume {LocalVolumes.Name(app, volume.Spec, volume.Of)} is restored");
        foreach (var user in running) await engine.StopContainerAsync(user.Id, TimeSpan.FromSeconds(30), ct);
        var helper = await engine.CreateContainerAsync(new ContainerSpec
        {
            Name = $"{app.App}.restore-{Guid.NewGuid().ToString("N")[..8]}", Image = users[0].Image, ContainerPort = 0, PublishPort = false,
            RestartPolicy = "no", User = "0", Entrypoint = ["find", volume.Spec.Path, "-mindepth", "1", "-delete"], Command = [],
            Binds = [$"{LocalVolumes.Name(app, volume.Spec, volume.Of)}:{volume.Spec.Path}"], NetworkAliases = null,
            Labels = new Dictionary<string, string> { [ReleaseContainers.RunLabel] = app.App, [ReleaseLabels.Owner] = app.Owner },
        }, ct);
        try
        {
            // Emptied first, so no file the backup lacks survives it; the archive then fills it with owners and modes as they were.
            await engine.StartContainerAsync(helper, ct);
            var emptied = await engine.WaitForExitAsync(helper, ct);
            if (emptied != 0)
                throw new SlipwayException(ErrorCode.BackupFailed, $"restore of {target}: emptying the volume failed (find exited with {emptied} in {users[0].Image})",
                    "the image needs find (Debian and Alpine have it); nothing was restored");
            await engine.PutArchiveAsync(helper, Path.GetDirectoryName(volume.Spec.Path) ?? "/", input, ct);
        }
        finally
        {
            await engine.RemoveContainerAsync(helper, CancellationToken.None);
            foreach (var user in running) await engine.StartContainerAsync(user.Id, CancellationToken.None);
        }
        if (volume.Of is { } owner && running.Count > 0)
        {
            try
            {
                await accessories.WaitHealthyAsync(running[0].Id, owner, ct);
            }
            catch (SlipwayException e)
            {
                var tail = await engine.LogTailAsync(running[0].Id, 15, CancellationToken.None);
                throw new SlipwayException(e.Code, $"restore of {target}: {e.Message}" + System.Environment.NewLine
                    + string.Join(System.Environment.NewLine, tail.Select(l => "    " + l)), "the backup file is unchanged; its log is above");
            }
            log.Info($"accessory {owner.Name} is healthy again on the restored files");
        }
    }

    /// <summary>The volume a target names (an app's, or an accessory's only one) and the containers of this app that mount it.</summary>
    private async Task<((VolumeSpec Spec, AccessorySpec? Of) Volume, IReadOnlyList<ContainerSummary> Users)> VolumeAsync(AppManifest app, BackupTarget target,
        CancellationToken ct)
    {
        if (target.Kind == BackupTarget.Accessory)
        {
            var accessory = app.Accessories.First(a => a.Name == target.Name);
            if (accessory.Volumes.Count != 1)
                throw new SlipwayException(ErrorCode.InvalidSetting,
                    $"backup of accessory {accessory.Name}: it has {accessory.Volumes.Count} volumes and no backup: command",
                    accessory.Volumes.Count == 0 ? "it keeps no data to back up" : $"give it backup: {{ command, restore }}, or back up one volume: --volume {accessory.Name}/{accessory.Volumes[0].Name}");
            var container = await accessories.FindAsync(app, accessory.Name, ct);
            return ((accessory.Volumes[0], accessory), [container]);
        }
        var parts = target.Name.Split('/');
        if (parts.Length == 2)
        {
            var accessory = app.Accessories.First(a => a.Name == parts[0]);
            return ((accessory.Volumes.First(v => v.Name == parts[1]), accessory), [await accessories.FindAsync(app, accessory.Name, ct)]);
        }
        var volume = app.Volumes.First(v => v.Name == target.Name);
        var users = (await engine.ListContainersAsync(ReleaseLabels.ForApp(app.App), ct))
            .Where(c => c.Labels.GetValueOrDefault(ReleaseContainers.VolumesLabel, "").Split(',').Contains(volume.Name)).ToList();
        return ((volume, null), users);
    }

    private static string LastLine(ExecOutcome outcome) => outcome.LastStderrLine is { } line ? $": {Reporter.Printable(line)}" : "";
}
