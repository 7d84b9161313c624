namespace Slipway.Foundation.Files;

/// <summary>
/// Where Slipway keeps its local state: <c>$SLIPWAY_STATE_DIR</c>, else <c>$XDG_STATE_HOME/slipway</c>,
/// else <c>~/.local/state/slipway</c>.
/// </summary>
public sealed record StateDirectory(string Root)
{
    public static StateDirectory FromEnvironment()
    {
        var explicitDir = Environment.GetEnvironmentVariable("SLIPWAY_STATE_DIR");
        if (!string.IsNullOrWhiteSpace(explicitDir)) return new StateDirectory(Path.GetFullPath(explicitDir));
        var xdg = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return new StateDirectory(Path.Combine(string.IsNullOrWhiteSpace(xdg) ? Path.Combine(home, ".local", "state") : xdg, "slipway"));
    }

    /// <summary>
    /// Closes an existing state directory to other users (one made by an older version may be 0755); new ones
    /// are made 0700 by the process's umask. A directory that cannot be changed is left to fail where it is used.
    /// </summary>
    public void MakePrivate()
    {
        if (OperatingSystem.IsWindows() || !Directory.Exists(Root)) return;
        try
        {
            File.SetUnixFileMode(Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
        }
    }

    public string Edge => Path.Combine(Root, "edge");
    public string Sources => Path.Combine(Root, "sources");
    public string Locks => Path.Combine(Root, "locks");
    /// <summary>Where <c>slipway backup</c> keeps backups when the manifest names no other place.</summary>
    public string Backups => Path.Combine(Root, "backups");
}
