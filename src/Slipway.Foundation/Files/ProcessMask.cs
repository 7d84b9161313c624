using System.Runtime.InteropServices;

namespace Slipway.Foundation.Files;

/// <summary>
/// Makes every file and folder this process (and what it starts: git, hooks, the edge) creates private to the
/// user: the state directory holds the release history, locks and clone caches, never for other users.
/// </summary>
public static class ProcessMask
{
    [DllImport("libc", EntryPoint = "umask")]
    private static extern uint NativeUmask(uint mask);

    public static void MakePrivate()
    {
        if (!OperatingSystem.IsWindows()) NativeUmask(0b000_111_111); // 077
    }
}
