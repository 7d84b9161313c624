namespace Slipway.Edge.Contract;

/// <summary>The files of one edge instance, all under one directory that only its owner may open.</summary>
public sealed record EdgePaths(string Directory)
{
    public string ControlSocket => Path.Combine(Directory, "control.sock");
    public string StateFile => Path.Combine(Directory, "routes.json");
    public string LockFile => Path.Combine(Directory, "edge.lock");
    public string LogFile => Path.Combine(Directory, "edge.log");

    /// <summary>Where Slipway's local CA keeps its root (<c>edge.tls: local</c>).</summary>
    public static string CaDirectoryOf(EdgePaths paths) => Path.Combine(paths.Directory, "ca");
    public string CaRootCertificate => Path.Combine(CaDirectoryOf(this), "root.crt");

    /// <summary>True while an edge process holds this instance's lock, whether or not it answers on its socket.</summary>
    public bool IsHeld() => IsLocked(LockFile);

    /// <summary>Held for the life of the edge's supervisor: an edge whose supervisor is gone gets a new one.</summary>
    public string SupervisorLockFile => Path.Combine(Directory, "supervisor.lock");

    /// <summary>Written when the edge stops cleanly (shutdown, SIGTERM): its supervisor then leaves it down.</summary>
    public string StoppedMarker => Path.Combine(Directory, "stopped");

    public bool IsSupervised() => IsLocked(SupervisorLockFile);

    /// <summary>Whether a process holds the file's lock (flock: what .NET's FileShare.None and flock(1) both take).</summary>
    private static bool IsLocked(string file)
    {
        try
        {
            using (new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.None)) return false;
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
