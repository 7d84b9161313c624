using Slipway.Configuration;
using Slipway.Foundation;
using Slipway.Foundation.Output;
using Slipway.Platforms.Backups;
using Slipway.Backups;

namespace Slipway.Platforms.Aws;

/// <summary>
/// An app's data on aws: its <c>volumes:</c> on an EFS file system kept in a stack of its own (<see cref="AwsDataStack"/>).
/// Stateless accessories run as ECS services of their own (<see cref="StackTemplate.Accessories"/>); accessories holding data are refused (RDS, ElastiCache and EFS are what AWS offers for them); backups of the file system are
/// AWS Backup's (the file system is made with its daily backups on).
/// </summary>
public sealed partial class AwsPlatform
{
    private AwsDataStack DataStack => new(cloudFormation, _stacks, profile);

    public void CheckInputs(AppManifest app)
    {
        CheckJobs(app);
        if (app.Accessories.FirstOrDefault(a => a.Volumes.Count > 0) is { } stateful)
            throw new SlipwayException(ErrorCode.PlatformNotAvailable,
                $"accessories.{stateful.Name}: on aws an accessory cannot keep data (volumes: {string.Join(", ", stateful.Volumes.Select(v => v.Name))})",
                "use what AWS runs for data (RDS for PostgreSQL or MySQL, ElastiCache for Redis, or the app's own volumes on EFS) and pass its address in env:");
        if (app.Accessories.FirstOrDefault(a => a.Image is null) is { } built)
            throw new SlipwayException(ErrorCode.PlatformNotAvailable, $"accessories.{built.Name}: on aws an accessory runs an image from a registry, and build: is not pushed yet",
                "build and push its image yourself and name it in image:");
        if (app.Accessories.FirstOrDefault(a => a.Backup is not null) is { } backedUp)
            throw new SlipwayException(ErrorCode.PlatformNotAvailable, $"accessories.{backedUp.Name}.backup: on aws an accessory keeps no data to back up",
                "remove backup: for this environment; data lives in RDS, ElastiCache or the app's volumes on EFS");
        if (app.Env.FirstOrDefault(e => EnvTemplate.References(e.Value).Count > 0) is { Key: { } composed })
            throw new SlipwayException(ErrorCode.PlatformNotAvailable, $"env.{composed}: ECS gives a task a secret only as a whole variable, so aws cannot compose secrets into env (${{...}})",
                "make the whole value a secret of its own, or let the app compose it from the secrets it gets");
        if (app.Aws().Autoscaling is { Max: > 1 } && app.Volumes.FirstOrDefault(v => !v.Shared) is { } volume)
            throw new SlipwayException(ErrorCode.InvalidSetting,
                $"volumes.{volume.Name}: aws.autoscaling may run up to {app.Aws().Autoscaling!.Max} tasks at once, and most apps cannot share their files",
                $"write volumes: {{ {volume.Name}: {{ path: {volume.Path}, shared: true }} }} if the app can, or remove autoscaling:");
        if (app.Backups.Schedule is not null)
            throw new SlipwayException(ErrorCode.PlatformNotAvailable,
                "backups.schedule: on aws the app's volumes are backed up by AWS Backup (daily, on their EFS file system), not by Slipway's scheduler",
                "remove backups.schedule for this environment; an AWS Backup plan sets when and for how long");
    }

    /// <summary>Each volume: a directory of the app's file system, mounted through its access point. EFS meters the file system as a whole, not each directory.</summary>
    public async Task<IReadOnlyList<VolumeStatus>> VolumesAsync(AppManifest app, CancellationToken ct)
    {
        if (await DataStack.FileSystemAsync(app, ct) is not { } fileSystem) return [];
        return app.Volumes.Select(v => new VolumeStatus(v.Name, $"{fileSystem}:/{v.Name}", v.Path, null)).ToList();
    }

    public Task<IReadOnlyList<string>> RemoveVolumesAsync(AppManifest app, IStageLog log, CancellationToken ct) => DataStack.RemoveAsync(app, log, ct);

    /// <summary>Each accessory's ECS service: its running tasks against the one it wants, and the name the app reaches it by.</summary>
    public async Task<IReadOnlyList<AccessoryStatus>> AccessoriesAsync(AppManifest app, CancellationToken ct)
    {
        var statuses = new List<AccessoryStatus>();
        foreach (var accessory in app.Accessories)
        {
            var name = StackTemplate.AccessoryServiceName(app, accessory.Name);
            var service = await ecs.DescribeServiceAsync(StackTemplate.ClusterName(app), name, ct);
            var (state, health) = service is null ? ("not created", "none")
                : (service.RunningCount >= service.DesiredCount && service.DesiredCount > 0 ? "running" : $"{service.RunningCount}/{service.DesiredCount} running",
                    service.RunningCount >= service.DesiredCount && service.DesiredCount > 0 ? (accessory.HealthCheck is null ? "none" : "healthy") : "starting");
            statuses.Add(new AccessoryStatus(accessory.Name, name, accessory.Image ?? "", state, health,
                accessory.Port is { } port ? $"{accessory.Name}:{port}" : "(no port)"));
        }
        return statuses;
    }

    /// <summary>A new deployment of the accessory's service: ECS starts a task, waits for it to be healthy, then stops the old one.</summary>
    public async Task RestartAccessoryAsync(AppManifest app, string name, IStageLog log, CancellationToken ct)
    {
        _ = Accessory(app, name);
        await ecs.ForceNewDeploymentAsync(StackTemplate.ClusterName(app), StackTemplate.AccessoryServiceName(app, name), ct);
        log.Info($"ECS is replacing accessory {name}'s task, gated on its health check (status shows it)");
    }

    public Task StreamAccessoryLogsAsync(AppManifest app, string name, LogQuery query, Action<LogLine> onLine, CancellationToken ct)
    {
        _ = Accessory(app, name);
        return StreamLogsAsync(app, query with { Process = name }, onLine, ct);
    }

    public Task<int> ExecAccessoryAsync(AppManifest app, string name, IReadOnlyList<string> command, Action<string> onLine, CancellationToken ct) =>
        throw new SlipwayException(ErrorCode.PlatformNotAvailable, $"accessory exec: on aws an accessory's service does not allow ECS Exec",
            "reach it from the app (slipway exec -e aws, with aws.exec: true) by its name");

    /// <summary>Puts the accessories' own secrets (those Slipway reads, not the user's fromSsm parameters) where their tasks read them.</summary>
    private async Task PutAccessorySecretsAsync(AppManifest app, CancellationToken ct)
    {
        foreach (var accessory in app.Accessories)
            foreach (var (name, value) in secrets.ValuesOf(accessory).Where(v => accessory.Secrets[v.Key].IsReadBySlipway))
                await ssm.PutSecretAsync(StackTemplate.AccessorySecretParameter(app, accessory.Name, name), value, ct);
    }

    private static AccessorySpec Accessory(AppManifest app, string name) => app.Accessories.FirstOrDefault(a => a.Name == name)
        ?? throw new SlipwayException(ErrorCode.InvalidSetting, $"accessory: {app.App} has no accessory \"{name}\"",
            app.Accessories.Count == 0 ? "declare one under accessories: in the manifest" : $"its accessories: {string.Join(", ", app.Accessories.Select(a => a.Name))}");

    public Task<string> BackupAsync(AppManifest app, BackupTarget target, Stream output, CancellationToken ct) => throw BackupsAreAwsBackups(app);

    public Task RestoreAsync(AppManifest app, BackupTarget target, string format, Stream input, IStageLog log, CancellationToken ct) =>
        throw BackupsAreAwsBackups(app);

    private static SlipwayException BackupsAreAwsBackups(AppManifest app) =>
        new(ErrorCode.PlatformNotAvailable, $"backup: on aws, {app.App}'s volumes are an EFS file system, backed up daily by AWS Backup (its backup policy is on)",
            $"restore from AWS Backup (the console's Backup vaults, or aws backup start-restore-job) into stack {StackTemplate.DataStackName(app)}'s file system");
}
