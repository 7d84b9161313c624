using System.Net;
using System.Net.Sockets;

namespace Slipway.Configuration;

/// <summary>
/// Where an app's port listens (<c>edge.listen</c>, or <c>SLIPWAY_EDGE_LISTEN</c>): IP addresses, IPv4 or IPv6, each given once;
/// "0.0.0.0" is every IPv4 address, "::" every address of both families. Host names are refused: what a name resolves to
/// can change under a running proxy.
/// </summary>
public static class ListenAddresses
{
    public sealed record Refusal(string Problem, string Hint);

    /// <summary>The addresses in their canonical form; <paramref name="refuse"/> makes the error for the first bad one.</summary>
    public static IReadOnlyList<string> Parse(IEnumerable<string> given, Func<Refusal, Exception> refuse)
    {
        var addresses = new List<string>();
        foreach (var text in given.Select(g => g.Trim()))
        {
            // IPAddress.TryParse also takes "1" or "10.1" (shorthands of old): IPv4 in four decimal parts, IPv6 with its colons.
            var bare = text.Trim('[', ']');
            var valid = IPAddress.TryParse(bare, out var address)
                && (bare.Contains(':', StringComparison.Ordinal) ? address.AddressFamily == AddressFamily.InterNetworkV6
                    : bare.Split('.') is { Length: 4 } parts && parts.All(part => part.Length is > 0 and <= 3 && part.All(char.IsAsciiDigit)));
            if (!valid || address is null)
                throw refuse(new Refusal($"\"{text}\" is not an IP address", "give addresses such as 0.0.0.0 (every IPv4 address), :: (every address) or 192.0.2.10"));
            var canonical = address!.ToString();
            if (addresses.Contains(canonical))
                throw refuse(new Refusal($"{canonical} is given twice", "give each address once"));
            addresses.Add(canonical);
        }
        if (addresses.Count == 0) throw refuse(new Refusal("is empty", "give at least one address, or remove it to listen on loopback only"));
        if (addresses.Contains("0.0.0.0") && addresses.Contains("::"))
            throw refuse(new Refusal(":: already listens on every IPv4 address too: 0.0.0.0 beside it would take the same port twice", "give :: alone"));
        return addresses;
    }
}
