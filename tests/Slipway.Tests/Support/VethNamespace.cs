namespace Slipway.Tests.Support;

/// <summary>A network namespace joined to this machine by a veth pair (HOST on this side, HOSTp inside), an IPv4 /30 on each end.</summary>
public static class VethNamespace
{
    public static IEnumerable<string> Commands(string ns, string host, string hostAddress, string innerAddress) =>
    [
        $"ip netns add {ns}",
        $"ip link add {host} type veth peer name {host}p",
        $"ip link set {host}p netns {ns}",
        $"ip addr add {hostAddress}/30 dev {host}",
        $"ip link set {host} up",
        $"nsenter --net=/var/run/netns/{ns} ip link set lo up",
        $"nsenter --net=/var/run/netns/{ns} ip addr add {innerAddress}/30 dev {host}p",
        $"nsenter --net=/var/run/netns/{ns} ip link set {host}p up",
    ];

    /// <summary>Removes the namespace and the veth pair, whatever of them exists.</summary>
    public static string Removal(string ns, string host) => $"ip netns del {ns} 2>/dev/null; ip link del {host} 2>/dev/null; true";
}
