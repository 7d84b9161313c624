using System.CommandLine;
using Slipway.Configuration;
using Slipway.Foundation;
using Slipway.Pipeline;
using Slipway.Platforms;
using Slipway.Platforms.Aws;
using Slipway.Platforms.Backups;
using Slipway.Backups;

namespace Slipway.Cli.Commands;

/// <summary><c>slipway backup</c>, <c>slipway backups</c> and <c>slipway restore</c>: an app's data copied out, listed and put back.</summary>
public static class BackupCommand
{
    private static Option<string?> To() => new("--to")
    {
        Description = "Where backups are kept: s3://bucket/prefix or a folder (default: backups.to in the manifest, else the state directory's)",
        HelpName = "location",
    };

    /// <summary>The store a location names: an S3 bucket, a folder, or (none given) the manifest's, else the state directory's.</summary>
    internal static IBackupStore StoreFor(CommandContext context, string? to)
    {
        var location = to ?? context.App.Backups.To;
        if (location is null) return new FolderBackupStore(context.State.Backups);
        if (!location.StartsWith("s3://", StringComparison.Ordinal)) return new FolderBackupStore(Path.GetFullPath(location));
        return S3Location.TryParse(location, out var s3) ? S3BackupAccess.Open(s3, System.Environment.GetEnvironmentVariable)
            : throw new SlipwayException(ErrorCode.InvalidSetting, $"--to: \"{location}\" is not an S3 location", "write s3://bucket or s3://bucket/prefix");
    }

    internal static IAppData Require(CommandContext context) => context.Platform as IAppData ?? throw new SlipwayException(ErrorCode.PlatformNotAvailable,
        $"the {context.Platform.Name} platform keeps no data of Slipway's to back up", "back up its managed services (RDS, EFS) with their own tools");

    internal static BackupPipeline Pipeline(CommandContext context, IAppData data) =>
        new(context.Platform, data, context.Reporter, context.Time, Path.Combine(context.State.Root, "tmp"));

    public static Command Backup(PlatformCatalog platforms)
    {
        var file = CommonOptions.File();
        var environment = CommonOptions.Environment(platforms);
        var accessory = new Option<string?>("--accessory") { Description = "The accessory to back up (by its backup: command, else its volume's files)", HelpName = "name" };
        var volume = new Option<string?>("--volume") { Description = "The volume to back up (an accessory's as db/data), its users paused meanwhile", HelpName = "name" };
        var output = new Option<string?>("--output", "-o") { Description = "Write the backup to this file (gzip; its metadata beside it as FILE.json) instead of the store", HelpName = "file" };
        var to = To();
        var keep = new Option<int?>("--keep") { Description = "How many backups of it to keep in the store (default: backups.keep, else 7)", HelpName = "n" };
        var json = CommonOptions.Json();
        var command = new Command("backup", "Copy an accessory's or a volume's data out consistently, to the store or a file; older backups past --keep are deleted")
        {
            file, environment, accessory, volume, output, to, keep, json,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(platforms, parse.GetValue(file)!, parse.GetValue(environment)!, async context =>
        {
            var data = Require(context);
            var target = BackupTargets.Resolve(context.App, parse.GetValue(accessory), parse.GetValue(volume));
            if (parse.GetValue(output) is not null && parse.GetValue(to) is not null)
                throw new SlipwayException(ErrorCode.InvalidSetting, "backup: -o and --to both say where it goes", "give one of them");
            if (parse.GetValue(keep) is < 1)
                throw new SlipwayException(ErrorCode.InvalidSetting, $"--keep: {parse.GetValue(keep)} would keep no backup", "give 1 or more");
            var store = StoreFor(context, parse.GetValue(to));
            using var _ = store as IDisposable;
            context.Reporter.Header($"slipway backup {target} of {context.App.App} ({context.Environment})");
            await using var held = await context.LockTaker(true).AcquireAsync(context.App.App, ct);
            var outputFile = parse.GetValue(output) is { } path ? Path.GetFullPath(path) : null;
            var record = await Pipeline(context, data).BackupAsync(context.App, target, store, outputFile, parse.GetValue(keep) ?? context.App.Backups.Keep, ct);
            if (parse.GetValue(json)) CommandContext.WriteJson(record, CliJson.Default.BackupRecord);
            return 0;
        }));
        return command;
    }

    public static Command List(PlatformCatalog platforms)
    {
        var file = CommonOptions.File();
        var environment = CommonOptions.Environment(platforms);
        var to = To();
        var json = CommonOptions.Json();
        var command = new Command("backups", "List the app's backups in the store, newest first: ID, what, when, release and size") { file, environment, to, json };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(platforms, parse.GetValue(file)!, parse.GetValue(environment)!, async context =>
        {
            var store = StoreFor(context, parse.GetValue(to));
            using var _ = store as IDisposable;
            var records = await store.ListAsync(context.App.App, ct);
            if (parse.GetValue(json))
            {
                CommandContext.WriteJson(records, CliJson.Default.IReadOnlyListBackupRecord);
                return 0;
            }
            if (context.App.Backups.Schedule is { } schedule)
                Console.Out.WriteLine($"scheduled: {schedule.Expression} ({schedule.TimeZone.Id}), next at {schedule.Next(context.Time.GetUtcNow()):u}, "
                                      + $"{context.App.Backups.Keep} of each kept (slipway up sets it up; its runs are the job {BackupsSpec.JobName})");
            if (records.Count == 0) Console.Out.WriteLine($"no backups of {context.App.App} in {store.Location} (slipway backup takes one)");
            foreach (var record in records)
                Console.Out.WriteLine($"{record.Id,-48} {record.Target,-20} {record.CreatedAt.ToLocalTime():yyyy-MM-dd HH:mm:ss}  {record.Release ?? "-",-10} "
                                      + Slipway.Foundation.Output.ByteSize.Format(record.Bytes));
            return 0;
        }));
        return command;
    }

    public static Command Restore(PlatformCatalog platforms)
    {
        var file = CommonOptions.File();
        var environment = CommonOptions.Environment(platforms);
        var from = new Argument<string>("from") { Description = "A backup's ID (slipway backups lists them) or a backup file (with its FILE.json beside it)" };
        var to = To();
        var yes = CommonOptions.Yes();
        var command = new Command("restore", "Put a backup's data back into the accessory or volume it was taken of (what is there now is replaced)")
        {
            from, file, environment, to, yes,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(platforms, parse.GetValue(file)!, parse.GetValue(environment)!, async context =>
        {
            var data = Require(context);
            var given = parse.GetValue(from)!;
            IBackupStore? store = null;
            string? localFile = null;
            BackupRecord record;
            try
            {
                if (File.Exists(given))
                {
                    localFile = Path.GetFullPath(given);
                    record = (File.Exists(localFile + ".json") ? BackupRecord.FromJson(await File.ReadAllTextAsync(localFile + ".json", ct)) : null)
                        ?? throw new SlipwayException(ErrorCode.InvalidSetting, $"restore: {given} has no metadata beside it ({given}.json)",
                            "restore a file written by slipway backup -o, with its .json file");
                }
                else
                {
                    store = StoreFor(context, parse.GetValue(to));
                    record = (await store.ListAsync(context.App.App, ct)).FirstOrDefault(r => r.Id == given)
                        ?? throw new SlipwayException(ErrorCode.InvalidSetting, $"restore: no backup \"{given}\" of {context.App.App} in {store.Location}",
                            "slipway backups lists them; a file's path works too");
                }
                if (!new Confirmation(parse.GetValue(yes)).ConfirmByTyping(
                        $"restore of {record.Target} of {context.App.App} ({context.Environment}) replaces its data with the backup taken {record.CreatedAt:u}.",
                        context.App.App, "pass --yes to confirm from a script"))
                    throw new SlipwayException(ErrorCode.ConfirmationRequired, "restore cancelled: the name did not match", $"type {context.App.App} exactly, or pass --yes");
                context.Reporter.Header($"slipway restore {record.Id} into {record.Target} of {context.App.App} ({context.Environment})");
                await using var held = await context.LockTaker(true).AcquireAsync(context.App.App, ct);
                await Pipeline(context, data).RestoreAsync(context.App, record, store, localFile, ct);
            }
            finally
            {
                (store as IDisposable)?.Dispose();
            }
            return 0;
        }));
        return command;
    }
}
