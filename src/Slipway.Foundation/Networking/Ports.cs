using System.Net;
using System.Net.Sockets;

namespace Slipway.Foundation.Networking;

/// <summary>Local TCP ports: is one free, and a free one chosen by the OS.</summary>
public static class Ports
{
    public static bool IsFree(int port, IPAddress? address = null)
    {
        try
        {
            using var listener = new TcpListener(address ?? IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
