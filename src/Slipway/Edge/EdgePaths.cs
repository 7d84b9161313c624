namespace Slipway.Edge;

/// <summary>The files of one edge instance, all under one directory that only its owner may open.</summary>
public sealed record EdgePaths(string Directory)
{
    public string ControlSocket => Path.Combine(Directory, "control.sock");
    public string StateFile => Path.Combine(Directory, "routes.json");
    public string LockFile => Path.Combine(Directory, "edge.lock");
    public string LogFile => Path.Combine(Directory, "edge.log");

    /// <summary>True while an edge process holds this instance's lock, whether or not it answers on its socket.</summary>
    public bool IsHeld()
    {
        try
        {
            using (new FileStream(LockFile, FileMode.Open, FileAccess.ReadWrite, FileShare.None)) return false;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public void EnsureExists()
    {
        System.IO.Directory.CreateDirectory(Directory);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
