using System.Net;
using System.Net.Sockets;

namespace Slipway.Tests.Support;

/// <summary>
/// Ports for tests to bind later. They come from below the kernel's ephemeral range, so no outgoing connection
/// and no port the OS hands out for port 0 (Slipway's replicas, Kestrel on port 0) can take one in between, and
/// each is handed out once per test run.
/// </summary>
public static class FreePort
{
    private const int First = 20000;
    private static readonly int Last = EphemeralStart() - 1;
    private static int _next = First + Environment.ProcessId % 2000 * 3;

    public static int Next()
    {
        for (var attempts = 0; attempts < Last - First; attempts++)
        {
            var port = First + (Interlocked.Increment(ref _next) - First) % (Last - First);
            if (IsFree(port)) return port;
        }
        throw new InvalidOperationException($"no free port between {First} and {Last}");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int EphemeralStart()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return Math.Max(First + 1000, int.Parse(range[0]));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return 32768;
        }
    }
}
