using Slipway.Configuration;
using Slipway.Foundation;
using Slipway.Foundation.Output;
using Slipway.Platforms.Backups;

namespace Slipway.Platforms.Aws;

/// <summary>
/// An app's data on aws: its <c>volumes:</c> on an EFS file system kept in a stack of its own (<see cref="AwsDataStack"/>).
/// Accessories holding data are refused (RDS, ElastiCache and EFS are what AWS offers for them); backups of the file system are
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
        if (app.Accessories.Count > 0)
            throw new SlipwayException(ErrorCode.PlatformNotAvailable, $"accessories.{app.Accessories[0].Name}: the aws platform cannot run accessories yet",
                "run it as a service of your own (or RDS, ElastiCache) and pass its address in env:");
        if (app.Env.FirstOrDefault(e => EnvTemplate.References(e.Value).Count > 0) is { Key: { } composed })
            throw new SlipwayException(ErrorCode.PlatformNotAvailable, $"env.{composed}: ECS gives a task a secret only as a whole variable, so aws cannot compose secrets into env (${{...}})",
                "make the whole value a secret of its own, or let the app compose it from the secrets it gets");
        if (app.Aws().Autoscaling is { Max: > 1 } && app.Volumes.FirstOrDefault(v => !v.Shared) is { } volume)
            throw new SlipwayException(ErrorCode.InvalidSetting,
                $"volumes.{volume.Name}: aws.autoscaling may run up to {app.Aws().Autoscaling!.Max} tasks at once, and most apps cannot share their files",
                $"write volumes: {{ {volume.Name}: {{ path: {volume.Path}, shared: true }} }} if the app can, or remove autoscaling:");
    }

    /// <summary>Each volume: a directory of the app's file system, mounted through its access point. EFS meters the file system as a whole, not each directory.</summary>
    public async Task<IReadOnlyList<VolumeStatus>> VolumesAsync(AppManifest app, CancellationToken ct)
    {
        if (await DataStack.FileSystemAsync(app, ct) is not { } fileSystem) return [];
        return app.Volumes.Select(v => new VolumeStatus(v.Name, $"{fileSystem}:/{v.Name}", v.Path, null)).ToList();
    }

    public Task<IReadOnlyList<string>> RemoveVolumesAsync(AppManifest app, IStageLog log, CancellationToken ct) => DataStack.RemoveAsync(app, log, ct);

    public Task<IReadOnlyList<AccessoryStatus>> AccessoriesAsync(AppManifest app, CancellationToken ct) => Task.FromResult<IReadOnlyList<AccessoryStatus>>([]);

    public Task RestartAccessoryAsync(AppManifest app, string name, IStageLog log, CancellationToken ct) => throw NoAccessories(app);

    public Task StreamAccessoryLogsAsync(AppManifest app, string name, LogQuery query, Action<LogLine> onLine, CancellationToken ct) => throw NoAccessories(app);

    public Task<int> ExecAccessoryAsync(AppManifest app, string name, IReadOnlyList<string> command, Action<string> onLine, CancellationToken ct) =>
        throw NoAccessories(app);

    public Task<string> BackupAsync(AppManifest app, BackupTarget target, Stream output, CancellationToken ct) => throw BackupsAreAwsBackups(app);

    public Task RestoreAsync(AppManifest app, BackupTarget target, string format, Stream input, IStageLog log, CancellationToken ct) =>
        throw BackupsAreAwsBackups(app);

    private static SlipwayException NoAccessories(AppManifest app) =>
        new(ErrorCode.InvalidSetting, $"accessory: {app.App} runs no accessory on aws", "accessories run on the local and swarm platforms");

    private static SlipwayException BackupsAreAwsBackups(AppManifest app) =>
        new(ErrorCode.PlatformNotAvailable, $"backup: on aws, {app.App}'s volumes are an EFS file system, backed up daily by AWS Backup (its backup policy is on)",
            $"restore from AWS Backup (the console's Backup vaults, or aws backup start-restore-job) into stack {StackTemplate.DataStackName(app)}'s file system");
}
