using System.Runtime.InteropServices;
using Slipway.Backups;
using Slipway.Engine;
using Slipway.Foundation.Output;

namespace Slipway.Edge;

/// <summary>
/// One run of an app's scheduled backup (<c>slipway-edge backup</c>, a run of the backup job's template, with the engine's
/// socket): each source of its plan taken as <c>slipway backup</c> takes it (an accessory's backup command run inside it, or a
/// volume's files read with its users paused), written and stored by the same <see cref="BackupWriter"/>, then older backups
/// past the plan's count pruned. A source that fails leaves its store as it was and the run goes on to the next; the run
/// exits 1 if any failed, so the scheduler reports it as a failed job (and notifies, if the app asks).
/// </summary>
public sealed class ScheduledBackupRun(DockerEngine engine, TimeProvider time, Action<string> log)
{
    public async Task<int> RunAsync(ScheduledBackupPlan plan, string scratchFolder, CancellationToken ct)
    {
        using var disposable = Open(plan, out var store);
        var release = await ReleaseAsync(plan, ct);
        var failed = 0;
        foreach (var source in plan.Sources)
        {
            try
            {
                var subject = new BackupWriter.Subject(plan.App, plan.Environment, source.Target, time.GetUtcNow(), release);
                var record = await BackupWriter.WriteAsync(subject, (output, token) => TakeAsync(source, output, token), store, null, scratchFolder, ct);
                log($"{source.Target}: {ByteSize.Format(record.Bytes)} ({record.Format}) as {record.Id} in {store.Location}");
                var pruned = await BackupWriter.PruneAsync(plan.App, source.Target, store, plan.Keep, ct);
                if (pruned > 0) log($"{source.Target}: deleted {pruned} older backup(s): {plan.Keep} are kept (backups.keep)");
            }
            catch (Exception e) when (e is not OperationCanceledException && !ct.IsCancellationRequested)
            {
                failed++;
                log($"{source.Target}: backup failed, nothing was deleted: {Reporter.Printable(e.Message.Split('\n')[0])}");
            }
        }
        if (plan is { Folder: { } folder, Owner: [var uid, var gid] }) GiveToOwner(Path.Combine(folder, plan.App), uid, gid);
        return failed == 0 ? 0 : 1;
    }

    private static IDisposable? Open(ScheduledBackupPlan plan, out IBackupStore store)
    {
        if (plan.S3 is { } access)
        {
            var s3 = S3BackupStore.Open(access);
            store = s3;
            return s3;
        }
        store = new FolderBackupStore(plan.Folder!);
        return null;
    }

    /// <summary>The release the app's replicas run (the most of them, if a deploy is under way); null: none runs.</summary>
    private async Task<string?> ReleaseAsync(ScheduledBackupPlan plan, CancellationToken ct) =>
        (await engine.ListContainersAsync(plan.ReleaseOf, ct)).Where(c => c.State == "running")
        .Select(c => c.Labels.GetValueOrDefault(plan.ReleaseLabel)).OfType<string>()
        .GroupBy(v => v).OrderByDescending(g => g.Count()).Select(g => g.Key).FirstOrDefault();

    private async Task<string> TakeAsync(ScheduledBackupSource source, Stream output, CancellationToken ct)
    {
        var holders = (await engine.ListContainersAsync(source.Containers, ct))
            .Where(c => source.Mounting is not [var label, var volume] || c.Labels.GetValueOrDefault(label, "").Split(',').Contains(volume))
            .OrderBy(c => c.State == "running" ? 0 : 1).ToList();
        if (source.Command is { } command)
        {
            var running = holders.FirstOrDefault(c => c.State == "running")
                ?? throw new InvalidOperationException($"no running container holds {source.Target} (slipway up starts it)");
            var outcome = await engine.ExecPipeAsync(running.Id, command, null, output, ct);
            if (outcome.ExitCode != 0)
                throw new InvalidOperationException($"its backup command exited with {outcome.ExitCode}: {outcome.LastStderrLine ?? "(no output)"}");
            return BackupFormats.Command;
        }
        if (holders.Count == 0) throw new InvalidOperationException($"no container mounts {source.Target} (slipway up deploys one)");
        await engine.ArchiveWhilePausedAsync(holders, source.Path!, output, ct);
        return BackupFormats.Tar;
    }

    /// <summary>The run writes as root: the files it made in the folder store go to the folder's owner, whose CLI reads them.</summary>
    private static void GiveToOwner(string folder, int uid, int gid)
    {
        if (!Directory.Exists(folder)) return;
        foreach (var path in Directory.EnumerateFileSystemEntries(folder).Append(folder)) _ = Chown(path, uid, gid);
    }

    [DllImport("libc", EntryPoint = "chown", SetLastError = true)]
    private static extern int Chown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int uid, int gid);
}
