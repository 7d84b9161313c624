using System.Text.Json;
using Slipway.Foundation;
using Slipway.Foundation.Files;

namespace Slipway.Platforms;

/// <summary>
/// An exclusive lock on one app and environment, so two runs never interleave. It is an OS file lock: the OS
/// releases it when the holder exits, even on kill -9, so a crashed run never leaves it stuck; the holder's
/// details are written beside it for <c>slipway lock status</c> and for the message a waiting run shows.
/// </summary>
public sealed class FileDeployLockHold : IDeployLockHold
{
    /// <summary>The environment whose lock file keeps the plain app name (the one every manifest has).</summary>
    private const string DefaultEnvironment = "local";

    private readonly FileStream _file;
    private readonly string _path;

    private FileDeployLockHold(FileStream file, string path)
    {
        _file = file;
        _path = path;
    }

    public static string PathOf(StateDirectory state, string app, string environment) =>
        System.IO.Path.Combine(state.Locks, environment == DefaultEnvironment ? $"{app}.lock" : $"{app}.{environment}.lock");

    private static string HolderPath(string lockPath) => lockPath + ".holder";

    /// <summary>Takes the lock; when another run holds it, waits (telling <paramref name="onWait"/> who) or, with <paramref name="wait"/> false, fails at once.</summary>
    /// <param name="onInterrupted">Told about a previous run that died holding the lock (its holder file outlived it), so that is never silent.</param>
    public static async Task<FileDeployLockHold> AcquireAsync(StateDirectory state, string app, string environment, bool wait,
        Action<LockHolder?> onWait, CancellationToken ct, Action<LockHolder>? onInterrupted = null)
    {
        try
        {
            Directory.CreateDirectory(state.Locks);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SlipwayException(ErrorCode.StateDirUnwritable, $"cannot write the state directory {state.Root}: {e.Message}",
                "set SLIPWAY_STATE_DIR to a writable folder");
        }
        var path = PathOf(state, app, environment);
        var waited = false;
        while (true)
        {
            if (TryTake(path) is { } taken)
            {
                if (ReadHolder(path) is { } stale) onInterrupted?.Invoke(stale);
                var holder = LockHolder.Current(DateTimeOffset.UtcNow, Environment.GetEnvironmentVariable);
                await File.WriteAllTextAsync(HolderPath(path), JsonSerializer.Serialize(holder, LockHolderJson.Default.LockHolder), ct);
                return new FileDeployLockHold(taken, path);
            }
            var current = ReadHolder(path);
            if (!wait)
                throw new SlipwayException(ErrorCode.LockHeld,
                    $"another slipway run is working on {app} ({environment}): {current?.ToString() ?? "holder unknown"}",
                    "wait for it to finish, or run without --no-wait to wait; a killed run's lock is released with its process");
            if (!waited) onWait(current);
            waited = true;
            await Task.Delay(250, ct);
        }
    }

    /// <summary>
    /// Whether a run holds the lock, and which (null when unknown). Reads the holder file and checks its process
    /// rather than taking the lock even for an instant, which could refuse a <c>--no-wait</c> run starting then
    /// (the dashboard asks every second). A holder file whose process is gone is a killed run's: the OS freed its lock.
    /// </summary>
    public static (bool Held, LockHolder? Holder) Inspect(StateDirectory state, string app, string environment)
    {
        var path = PathOf(state, app, environment);
        if (!File.Exists(path)) return (false, null);
        switch (ReadHolder(path))
        {
            case null:
                return (false, null); // a run writes its holder file the moment it has the lock
            case { } holder when holder.Host == Environment.MachineName:
                return IsRunning(holder) ? (true, holder) : (false, null);
            default: // written by another machine sharing the state directory: only the lock itself can tell
                using (var taken = TryTake(path))
                    return taken is null ? (true, ReadHolder(path)) : (false, null);
        }
    }

    /// <summary>The holder's process runs, and is the one that took the lock rather than a later one given the same pid.</summary>
    private static bool IsRunning(LockHolder holder)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(holder.ProcessId);
            return !process.HasExited && process.StartTime.ToUniversalTime() <= holder.Since.UtcDateTime.AddSeconds(1);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private static FileStream? TryTake(string path)
    {
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static LockHolder? ReadHolder(string path)
    {
        try { return JsonSerializer.Deserialize(File.ReadAllText(HolderPath(path)), LockHolderJson.Default.LockHolder); }
        catch (Exception e) when (e is IOException or JsonException) { return null; }
    }

    /// <summary>Rewrites the holder file with the stage (best effort: it is information, never a reason to stop the run).</summary>
    public void ReportStage(string stage)
    {
        try
        {
            if (ReadHolder(_path) is { } holder) File.WriteAllText(HolderPath(_path), JsonSerializer.Serialize(holder with { Stage = stage }, LockHolderJson.Default.LockHolder));
        }
        catch (IOException)
        {
        }
    }

    public Task ForgetAsync(CancellationToken ct)
    {
        File.Delete(HolderPath(_path));
        File.Delete(_path);
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (File.Exists(_path)) File.Delete(HolderPath(_path));
        await _file.DisposeAsync();
    }
}

/// <summary>The deploy lock of an app in a local environment: an OS file lock in the state directory.</summary>
public sealed class FileDeployLock(StateDirectory state, string app, string environment) : IDeployLock
{
    public async Task<IDeployLockHold> AcquireAsync(bool wait, Action<LockHolder?> onWait, Action<LockHolder> onInterrupted, CancellationToken ct) =>
        await FileDeployLockHold.AcquireAsync(state, app, environment, wait, onWait, ct, onInterrupted);

    public Task<LockState> InspectAsync(CancellationToken ct)
    {
        var (held, holder) = FileDeployLockHold.Inspect(state, app, environment);
        return Task.FromResult(new LockState(held, holder));
    }

    public async Task<string> ReleaseAbandonedAsync(CancellationToken ct)
    {
        var (held, holder) = await InspectAsync(ct);
        if (held)
            throw new SlipwayException(ErrorCode.LockHeld, $"the lock of {app} ({environment}) is held by a live run: {holder?.ToString() ?? "unknown process"}",
                holder is null ? "wait for it to finish" : $"wait for it, or stop it (kill {holder.ProcessId}); its lock goes with it and the next up converges");
        return "free: no run holds the lock (a killed run's lock was released with its process)";
    }
}
