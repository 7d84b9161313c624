using System.Text.Json;

namespace Slipway.Common;

/// <summary>Who holds an app's lock: written beside the lock when it is taken.</summary>
public sealed record LockHolder(int ProcessId, string Host, string User, string Command, DateTimeOffset Since)
{
    public bool IsAlive => Host == Environment.MachineName && ProcessIsAlive(ProcessId);

    private static bool ProcessIsAlive(int pid)
    {
        try { using var process = System.Diagnostics.Process.GetProcessById(pid); return !process.HasExited; }
        catch (ArgumentException) { return false; }
    }

    public override string ToString() => $"pid {ProcessId} on {Host} ({User}), `{Command}`, since {Since:u}";
}

/// <summary>
/// An exclusive lock on one app and environment, so two runs never interleave. It is an OS file lock: the OS
/// releases it when the holder exits, even on kill -9, so a crashed run never leaves it stuck; the holder's
/// details are written beside it for <c>slipway lock status</c> and for the message a waiting run shows.
/// </summary>
public sealed class AppLock : IAsyncDisposable
{
    /// <summary>The environment whose lock file keeps the plain app name (the one every manifest has).</summary>
    private const string DefaultEnvironment = "local";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly FileStream _file;
    private readonly string _path;

    private AppLock(FileStream file, string path)
    {
        _file = file;
        _path = path;
    }

    public static string PathOf(StateDirectory state, string app, string environment) =>
        System.IO.Path.Combine(state.Locks, environment == DefaultEnvironment ? $"{app}.lock" : $"{app}.{environment}.lock");

    private static string HolderPath(string lockPath) => lockPath + ".holder";

    /// <summary>Takes the lock; when another run holds it, waits (telling <paramref name="onWait"/> who) or, with <paramref name="wait"/> false, fails at once.</summary>
    /// <param name="onInterrupted">Told about a previous run that died holding the lock (its holder file outlived it), so that is never silent.</param>
    public static async Task<AppLock> AcquireAsync(StateDirectory state, string app, string environment, bool wait,
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
                var holder = new LockHolder(Environment.ProcessId, Environment.MachineName, Environment.UserName,
                    string.Join(' ', Environment.GetCommandLineArgs().Skip(1).Prepend("slipway")), DateTimeOffset.UtcNow);
                await File.WriteAllTextAsync(HolderPath(path), JsonSerializer.Serialize(holder, Json), ct);
                return new AppLock(taken, path);
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

    /// <summary>Null when the lock is free; the holder (or an unknown one) when a run holds it.</summary>
    public static (bool Held, LockHolder? Holder) Inspect(StateDirectory state, string app, string environment)
    {
        var path = PathOf(state, app, environment);
        if (!File.Exists(path)) return (false, null);
        using var taken = TryTake(path);
        return taken is null ? (true, ReadHolder(path)) : (false, null);
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
        try { return JsonSerializer.Deserialize<LockHolder>(File.ReadAllText(HolderPath(path)), Json); }
        catch (Exception e) when (e is IOException or JsonException) { return null; }
    }

    /// <summary>For destroy: the app leaves no lock behind. Called while still holding it.</summary>
    public void DeleteFile()
    {
        File.Delete(HolderPath(_path));
        File.Delete(_path);
    }

    public async ValueTask DisposeAsync()
    {
        if (File.Exists(_path)) File.Delete(HolderPath(_path));
        await _file.DisposeAsync();
    }
}
