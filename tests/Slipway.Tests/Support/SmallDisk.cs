using System.Diagnostics;

namespace Slipway.Tests.Support;

/// <summary>A tmpfs of a few kilobytes mounted on a folder of its own (root only): a disk a test can fill. Unmounted and removed on dispose.</summary>
public sealed class SmallDisk : IDisposable
{
    private readonly TempDirectory _dir;

    private SmallDisk(TempDirectory dir) => _dir = dir;

    public string Path => _dir.Path;

    /// <param name="size">As tmpfs takes it: <c>64k</c>, <c>512k</c>.</param>
    public static SmallDisk Mount(string size)
    {
        Assert.SkipUnless(Environment.UserName == "root", "mounting a small disk needs root");
        var dir = new TempDirectory("slipway-smalldisk");
        Run("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", dir.Path);
        return new SmallDisk(dir);
    }

    /// <summary>Writes a file (named <c>fill</c>) until the disk has no room left.</summary>
    public void Fill()
    {
        using var fill = File.Create(System.IO.Path.Combine(Path, "fill"));
        try { while (true) fill.Write(new byte[4096]); }
        catch (IOException) { }
    }

    private static void Run(string program, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true })!;
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', args)}: {process.StandardError.ReadToEnd()}");
    }

    public void Dispose()
    {
        Run("umount", _dir.Path);
        _dir.Dispose();
    }
}
