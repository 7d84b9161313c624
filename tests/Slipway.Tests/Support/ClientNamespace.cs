namespace Slipway.Tests.Support;

/// <summary>
/// Another host, as far as the edge can tell: a network namespace the test creates, joined to this machine by a veth pair
/// with an IPv4 /30 and an IPv6 /64 of its own. Requests made from inside it reach this machine only by the veth's addresses,
/// never by loopback. Removed with everything in it at the end.
/// </summary>
public sealed class ClientNamespace : IAsyncDisposable
{
    private static int _next;
    private readonly string _name;
    private readonly string _hostSide;

    private ClientNamespace(int index)
    {
        var tag = $"{Environment.ProcessId % 1000:D3}{index % 100:D2}";
        _name = $"slw-client-{tag}";
        _hostSide = $"slwc{tag}";
        var third = (Environment.ProcessId + index * 7) % 250 + 1;
        HostAddress = $"10.251.{third}.1";
        ClientAddress = $"10.251.{third}.2";
        HostAddress6 = $"fd00:251:{third:x}::1";
    }

    /// <summary>This machine's address as the namespace sees it (IPv4).</summary>
    public string HostAddress { get; }

    /// <summary>This machine's IPv6 address as the namespace sees it.</summary>
    public string HostAddress6 { get; }

    public string ClientAddress { get; }

    public static async Task<ClientNamespace> CreateAsync(CancellationToken ct)
    {
        var created = new ClientNamespace(Interlocked.Increment(ref _next));
        try
        {
            var (ns, host) = (created._name, created._hostSide);
            var third = created.HostAddress.Split('.')[2];
            await Shell.RunAsync(string.Join(" && ", VethNamespace.Commands(ns, host, created.HostAddress, created.ClientAddress).Concat(
            [
                $"ip -6 addr add {created.HostAddress6}/64 dev {host} nodad",
                $"nsenter --net=/var/run/netns/{ns} ip -6 addr add fd00:251:{int.Parse(third, System.Globalization.CultureInfo.InvariantCulture):x}::2/64 dev {host}p nodad",
            ])), ct);
            return created;
        }
        catch
        {
            await created.DisposeAsync();
            throw;
        }
    }

    /// <summary>The HTTP status a GET from inside the namespace gets; null when it cannot connect (refused or unreachable, within 5 s).</summary>
    public async Task<int?> StatusAsync(string url, CancellationToken ct)
    {
        var (exit, output) = await Shell.OutputAsync(
            $"nsenter --net=/var/run/netns/{_name} curl -sS -g -o /dev/null -w '%{{http_code}}' --connect-timeout 3 --max-time 5 '{url}'", ct);
        return exit == 0 ? int.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    public async ValueTask DisposeAsync() => await Shell.RunAsync(VethNamespace.Removal(_name, _hostSide), CancellationToken.None);
}
