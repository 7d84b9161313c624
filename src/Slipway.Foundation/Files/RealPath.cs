using System.Runtime.InteropServices;

namespace Slipway.Foundation.Files;

/// <summary>Paths with every symbolic link resolved, to tell whether one really lies inside another.</summary>
public static partial class RealPath
{
    [DllImport("libc", EntryPoint = "realpath", SetLastError = true)]
    private static extern IntPtr NativeRealPath([MarshalAs(UnmanagedType.LPUTF8Str)] string path, IntPtr resolved);

    [DllImport("libc", EntryPoint = "free")]
    private static extern void Free(IntPtr pointer);

    /// <summary>The canonical path (links, "." and ".." resolved), or null when it does not exist.</summary>
    public static string? Of(string path)
    {
        var result = NativeRealPath(Path.GetFullPath(path), IntPtr.Zero);
        if (result == IntPtr.Zero) return null;
        try { return Marshal.PtrToStringUTF8(result); }
        finally { Free(result); }
    }

    /// <summary>True when <paramref name="path"/>, links resolved, is <paramref name="root"/> or lies below it.</summary>
    public static bool IsInside(string path, string root)
    {
        var (real, realRoot) = (Of(path), Of(root));
        if (real is null || realRoot is null) return false;
        return real == realRoot || real.StartsWith(realRoot.TrimEnd('/') + "/", StringComparison.Ordinal);
    }
}
