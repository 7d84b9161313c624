using System.Runtime.InteropServices;
using System.Text;

namespace Slipway.Foundation.Files;

/// <summary>
/// Files a user names or an app's tree holds (a manifest, a maintenance page, a certificate, the files init looks at): read
/// only when they are regular files outside the kernel's pseudo file systems, and never beyond a bound. A device such as
/// /dev/zero reports a size of 0 and never ends, a FIFO blocks its reader until someone writes, and /proc's files (a
/// process's environment) report 0 and hold what must not be published: each is refused with one line naming the key.
/// </summary>
public static class UserFile
{
    /// <summary>The bound for a text file Slipway reads whole (a manifest, a page, a certificate): far beyond any real one.</summary>
    public const long DefaultLimit = 1024 * 1024;

    /// <summary>Reads the file as UTF-8 text; <paramref name="key"/> names what pointed at it in an error.</summary>
    public static string ReadText(string path, string key, long limit = DefaultLimit) => Encoding.UTF8.GetString(ReadBytes(path, key, limit));

    public static byte[] ReadBytes(string path, string key, long limit = DefaultLimit)
    {
        if (Refusal(path) is { } why)
            throw new SlipwayException(ErrorCode.InvalidSetting, $"{key}: {path} {why}", "name a regular file in your project");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        var buffer = new byte[(int)Math.Min(limit + 1, Math.Max(stream.Length + 1, 4096))];
        var filled = 0;
        int read;
        while (filled <= limit && (read = stream.Read(buffer, filled, buffer.Length - filled)) > 0)
        {
            filled += read;
            if (filled == buffer.Length && filled <= limit) Array.Resize(ref buffer, (int)Math.Min(limit + 1, buffer.Length * 2L));
        }
        if (filled > limit)
            throw new SlipwayException(ErrorCode.InvalidSetting, $"{key}: {path} is larger than {limit / 1024} KiB", "name a smaller file");
        return buffer[..filled];
    }

    /// <summary>Why the file cannot be read as a user's file (missing, not regular, in /proc, /sys or /dev), or null when it can.</summary>
    public static string? Refusal(string path)
    {
        var real = RealPath.Of(path);
        if (real is null) return "does not exist";
        if (real is "/proc" or "/sys" or "/dev" || real.StartsWith("/proc/", StringComparison.Ordinal)
            || real.StartsWith("/sys/", StringComparison.Ordinal) || real.StartsWith("/dev/", StringComparison.Ordinal))
            return "is a kernel or device file";
        return FileType(real) switch
        {
            null or RegularFile => null,
            Directory => "is a directory",
            _ => "is not a regular file (a device, a pipe or a socket)",
        };
    }

    private const int TypeMask = 0xF000;
    private const int RegularFile = 0x8000;
    private const int Directory = 0x4000;

    [DllImport("libc", EntryPoint = "stat", SetLastError = true)]
    private static extern int Stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buffer);

    /// <summary>The file's type bits (S_IFMT of st_mode), or null where this architecture's struct stat is not known here.</summary>
    private static int? FileType(string path)
    {
        var modeOffset = RuntimeInformation.ProcessArchitecture switch { Architecture.X64 => 24, Architecture.Arm64 => 16, _ => -1 };
        if (modeOffset < 0 || !OperatingSystem.IsLinux()) return null;
        var buffer = new byte[256];
        if (Stat(path, buffer) != 0) return null;
        return BitConverter.ToInt32(buffer, modeOffset) & TypeMask;
    }
}
