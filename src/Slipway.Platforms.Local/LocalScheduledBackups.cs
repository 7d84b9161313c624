using Slipway.Backups;
using Slipway.Configuration;
using Slipway.Edge.Contract;
using Slipway.Engine;
using Slipway.Foundation;
using Slipway.Foundation.Files;
using Slipway.Platforms.Backups;
using Slipway.Platforms.EdgeControl;

namespace Slipway.Platforms.Local;

/// <summary>
/// <c>backups.schedule</c> with no CLI: a job of the app named <c>backup</c> whose template is the edge's image run as
/// <c>slipway-edge backup</c> (with the engine's socket, on the host's network to reach the store as the CLI does), holding its
/// plan (<see cref="ScheduledBackupPlan"/>: every accessory and volume, the store, the count kept) as a root-only file. The
/// scheduler runs it like any job: on time, caught up within a day after the machine was off, never twice at once, its
/// failures notified. Backups go where <c>slipway backup</c> puts them, so <c>slipway backups</c> and <c>restore</c> see them.
/// </summary>
internal sealed class LocalScheduledBackups(DockerEngine engine, LocalJobs jobs, StateDirectory state, Func<string, string?> environment)
{
    private const string FolderInside = "/backups";
    public static readonly TimeSpan Timeout = TimeSpan.FromHours(6);
    private static readonly TimeSpan CatchUpWithin = TimeSpan.FromDays(1);

    /// <summary>Where the backups go on the engine's machine; null: a bucket.</summary>
    private string? FolderOf(AppManifest app) => app.Backups.To switch
    {
        null => state.Backups,
        { } to when to.StartsWith("s3://", StringComparison.Ordinal) => null,
        { } folder => folder,
    };

    /// <summary>Refuses a schedule whose backups the scheduler could not write where the CLI reads them, before anything changes.</summary>
    public void CheckInputs(AppManifest app)
    {
        if (app.Backups.Schedule is null || engine.Endpoint.IsOnThisMachine || FolderOf(app) is not { } folder) return;
        throw new SlipwayException(ErrorCode.InvalidSetting,
            $"backups.schedule: backups go to {folder} on this machine, which the scheduler on {engine.Endpoint.Display} cannot write",
            "set backups.to: s3://bucket/prefix, which both reach");
    }

    /// <summary>Makes the backup job's template of the manifest (or removes it when the schedule is gone), and the scheduler follows.</summary>
    public async Task SyncAsync(AppManifest app, DateTimeOffset now, Action<string> onOutput, CancellationToken ct)
    {
        // Only an app with data can have had a schedule: a plain app's up asks the engine nothing more (a server's round trips count).
        if (app.Backups.Schedule is null && app.Volumes.Count == 0 && app.Accessories.Count == 0) return;
        var existing = (await engine.ListContainersAsync(JobLabels.TemplatesOf(app.App), ct)).FirstOrDefault(LocalJobs.IsScheduledBackup);
        if (app.Backups.Schedule is not { } schedule)
        {
            if (existing is null) return;
            await engine.RemoveContainerAsync(existing.Id, ct);
            await jobs.StopSchedulerIfIdleAsync(ct);
            return;
        }
        var folder = FolderOf(app);
        var plan = Plan(app, folder);
        if (plan.S3 is { SessionToken: not null })
            onOutput("backups: the AWS credentials in use are temporary (they hold a session token): scheduled backups fail once they expire; "
                     + "run up with long-lived keys of a user that may only use the bucket");
        var since = JobLabels.ParseTime(existing?.Labels.GetValueOrDefault(JobLabels.Since)) ?? now;
        var definition = new JobDefinition(app.App, BackupsSpec.JobName, schedule, Timeout, JobConcurrencies.Forbid, CatchUpWithin, since);
        var notification = jobs.Notification(app, now, onOutput);
        var labels = new Dictionary<string, string>(definition.ToLabels())
        {
            [ReleaseLabels.Owner] = app.Owner, [JobLabels.Site] = jobs.SchedulerName, [ScheduledBackupPlan.Label] = "1",
            [JobLabels.CarriedFile] = ScheduledBackupPlan.FilePath,
        };
        if (notification is not null) labels[JobNotification.Label] = "1";
        if (existing is not null) await engine.RemoveContainerAsync(existing.Id, ct);
        if (folder is not null) Directory.CreateDirectory(folder);
        var image = await new EdgeImage(engine).EnsureAsync(environment, onOutput, ct);
        var id = await engine.CreateContainerAsync(new ContainerSpec
        {
            Name = JobLabels.TemplateName(app.App, BackupsSpec.JobName), Image = image, ContainerPort = 0, PublishPort = false, RestartPolicy = "no",
            Command = ["backup"], User = "0", Network = "host",
            // Root may write a folder of another user's, and give it the files, only with these.
            OnlyCapabilities = folder is null || ProcessUser.IsRoot ? [] : ["CHOWN", "DAC_OVERRIDE", "FOWNER"],
            Binds = folder is null ? [$"{jobs.SocketOnEngineMachine}:{LocalJobs.SocketInside}"]
                : [$"{jobs.SocketOnEngineMachine}:{LocalJobs.SocketInside}", $"{folder}:{FolderInside}"],
            Environment = new Dictionary<string, string> { ["DOCKER_HOST"] = $"unix://{LocalJobs.SocketInside}" },
            Labels = labels,
        }, ct);
        await engine.PutPrivateFileAsync(id, ScheduledBackupPlan.FileFolder, ScheduledBackupPlan.FileName, plan.ToJson(), ct);
        if (notification is not null)
            await engine.PutPrivateFileAsync(id, JobNotification.Folder, JobNotification.FileName, notification.ToJson(), ct);
        await jobs.EnsureSchedulerAsync(onOutput, ct);
        onOutput($"backups: every accessory and volume at {schedule.Expression} ({schedule.TimeZone.Id}), next at {schedule.Next(now):u}, "
                 + $"{app.Backups.Keep} kept in {folder ?? app.Backups.To}");
    }

    private ScheduledBackupPlan Plan(AppManifest app, string? folder)
    {
        S3Access? s3 = null;
        if (folder is null && S3Location.TryParse(app.Backups.To!, out var location)) s3 = S3BackupAccess.Resolve(location, environment);
        return new ScheduledBackupPlan(app.App, app.Environment.Name, app.Backups.Keep, Sources(app), folder is null ? null : FolderInside, s3,
            folder is null ? null : [(int)ProcessUser.UserId, (int)ProcessUser.GroupId], ReleaseLabels.ForApp(app.App), ReleaseLabels.Version);
    }

    /// <summary>
    /// Every accessory's data (by its backup command, else each of its volumes) and every volume of the app's, named as
    /// <c>slipway backup</c> names them, so <c>slipway restore</c> puts each back.
    /// </summary>
    public static IReadOnlyList<ScheduledBackupSource> Sources(AppManifest app)
    {
        var sources = new List<ScheduledBackupSource>();
        foreach (var accessory in app.Accessories)
        {
            var holder = new Dictionary<string, string> { [LocalAccessories.AppLabel] = app.App, [LocalAccessories.NameLabel] = accessory.Name };
            if (accessory.Backup is { } backup)
                sources.Add(new ScheduledBackupSource(BackupTarget.Accessory, accessory.Name, holder, backup.Command, null));
            else
                sources.AddRange(accessory.Volumes.Select(v => new ScheduledBackupSource(BackupTarget.Volume, $"{accessory.Name}/{v.Name}", holder, null, v.Path)));
        }
        sources.AddRange(app.Volumes.Select(v => new ScheduledBackupSource(BackupTarget.Volume, v.Name, ReleaseLabels.ForApp(app.App), null, v.Path,
            [ReleaseContainers.VolumesLabel, v.Name])));
        return sources;
    }
}
