namespace Slipway.Edge;

/// <summary>The files of one edge instance, all under one directory that only its owner may open.</summary>
public sealed record EdgePaths(string Directory)
{
    public string ControlSocket => Path.Combine(Directory, "control.sock");
    public string StateFile => Path.Combine(Directory, "routes.json");
    public string LockFile => Path.Combine(Directory, "edge.lock");
    public string LogFile => Path.Combine(Directory, "edge.log");

    public void EnsureExists()
    {
        System.IO.Directory.CreateDirectory(Directory);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
