using System.Runtime.InteropServices;

namespace Slipway.Foundation.Files;

/// <summary>Who this process runs as (effective IDs): what a container writing into this user's folders must run as, or give its files to.</summary>
public static class ProcessUser
{
    public static bool IsRoot => UserId == 0;

    public static uint UserId => geteuid();

    public static uint GroupId => getegid();

    [DllImport("libc")]
    private static extern uint geteuid();

    [DllImport("libc")]
    private static extern uint getegid();
}
