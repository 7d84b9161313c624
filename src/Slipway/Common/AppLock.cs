namespace Slipway.Common;

/// <summary>
/// An exclusive lock on one app, so two runs never interleave. The OS releases it when the holder exits,
/// even on kill -9, so a crashed run never leaves it stuck.
/// </summary>
public sealed class AppLock : IAsyncDisposable
{
    private readonly FileStream _file;
    private readonly string _path;

    private AppLock(FileStream file, string path)
    {
        _file = file;
        _path = path;
    }

    /// <summary>For destroy: the app leaves no state behind, its lock file included. Called while still holding it.</summary>
    public void DeleteFile() => File.Delete(_path);

    public static async Task<AppLock> AcquireAsync(StateDirectory state, string app, Action onWait, CancellationToken ct)
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
        var path = Path.Combine(state.Locks, app + ".lock");
        var waited = false;
        while (true)
        {
            try
            {
                return new AppLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None), path);
            }
            catch (IOException) when (!ct.IsCancellationRequested)
            {
                if (!waited) onWait();
                waited = true;
                await Task.Delay(250, ct);
            }
        }
    }

    public ValueTask DisposeAsync() => _file.DisposeAsync();
}
