using System.Text;
using Slipway.Edge;
using Slipway.Edge.Contract;

namespace Slipway.Tests.Edge;

/// <summary>What the direct path takes as it is, and what it leaves to Kestrel and YARP: every doubt goes the full path.</summary>
[Trait("Tier", "unit")]
public sealed class Http1RequestHeadTests
{
    private static bool Takes(string head, out (string Host, string HostName, long Length, bool Close, bool IsHead, string Path) facts)
    {
        var bytes = Encoding.Latin1.GetBytes(head);
        var taken = Http1RequestHead.TryParse(bytes, out var request);
        facts = taken
            ? (Encoding.ASCII.GetString(request.Host), Encoding.ASCII.GetString(request.HostName), request.ContentLength, request.Close, request.IsHead,
                Encoding.ASCII.GetString(request.Path))
            : default;
        return taken;
    }

    [Fact]
    public void A_plain_get_is_taken_with_its_host_path_and_framing()
    {
        Assert.True(Takes("GET /a?b=1 HTTP/1.1\r\nHost: Shop.Example:8080\r\nAccept: */*\r\n\r\n", out var facts));
        Assert.Equal(("Shop.Example:8080", "Shop.Example", 0L, false, false, "/a?b=1"), facts);
    }

    [Theory]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n", 12L, false, false)]
    [InlineData("HEAD / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 0L, true, true)]
    [InlineData("GET / HTTP/1.1\r\nhost:a\r\nconnection: Keep-Alive\r\n\r\n", 0L, false, false)]
    public void Lengths_and_connection_options_are_read(string head, long length, bool close, bool isHead)
    {
        Assert.True(Takes(head, out var facts));
        Assert.Equal((length, close, isHead), (facts.Length, facts.Close, facts.IsHead));
    }

    [Theory]
    [InlineData("GET / HTTP/1.0\r\nHost: a\r\n\r\n", "HTTP/1.0")]
    [InlineData("GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", "absolute form")]
    [InlineData("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", "asterisk form")]
    [InlineData("get / HTTP/1.1\r\nHost: a\r\n\r\n", "lower-case method")]
    [InlineData("CONNECT /a HTTP/1.1\r\nHost: a\r\n\r\n", "a tunnel")]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "HTTP/2's preface")]
    [InlineData("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", "two spaces")]
    [InlineData("GET /\u00e9 HTTP/1.1\r\nHost: a\r\n\r\n", "non-ASCII target")]
    [InlineData("GET / HTTP/1.1\r\n\r\n", "no Host")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "two Hosts")]
    [InlineData("GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", "an IPv6 literal")]
    [InlineData("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", "a space in the host")]
    [InlineData("GET / HTTP/1.1\r\nHost: a:99999\r\n\r\n", "a port out of range")]
    [InlineData("GET / HTTP/1.1\r\nHost: \r\n\r\n", "an empty host")]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", "both lengths")]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", "a chunked body")]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", "two lengths")]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", "a signed length")]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5 5\r\n\r\n", "a length with a space")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", "an upgrade")]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n", "Expect")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, x-hop\r\n\r\n", "a hop-by-hop field list")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nTE: trailers\r\n\r\n", "TE")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nProxy-Authorization: x\r\n\r\n", "a proxy field")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX-A : b\r\n\r\n", "a space before the colon")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n", "a folded line")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\nX-A: b\r\n\r\n", "a bare LF")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\u0000c\r\n\r\n", "a NUL in a value")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX-A: caf\u00e9\r\n\r\n", "obs-text in a value")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX(A): b\r\n\r\n", "a name that is not a token")]
    public void Anything_unusual_goes_the_full_path(string head, string why)
    {
        Assert.False(Takes(head, out _), why);
    }

    [Fact]
    public void A_request_over_one_of_kestrels_limits_is_left_to_kestrel_to_refuse()
    {
        Assert.True(Takes("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 30000000\r\n\r\n", out _));
        Assert.False(Takes("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 30000001\r\n\r\n", out _), "a body over 30 MB");
        Assert.False(Takes($"GET /{new string('a', 8 * 1024)} HTTP/1.1\r\nHost: a\r\n\r\n", out _), "a request line over 8 KiB");
        var fields = string.Concat(Enumerable.Range(0, 99).Select(i => $"X-{i}: v\r\n"));
        Assert.True(Takes($"GET / HTTP/1.1\r\nHost: a\r\n{fields}\r\n", out _));
        Assert.False(Takes($"GET / HTTP/1.1\r\nHost: a\r\n{fields}X-100: v\r\n\r\n", out _), "101 fields");
    }

    [Theory]
    [InlineData("Host", false)]
    [InlineData("connection", false)]
    [InlineData("Forwarded", false)]
    [InlineData("X-Forwarded-For", false)]
    [InlineData("x-forwarded-proto", false)]
    [InlineData("X-Forwarded-Prefix", false)]
    [InlineData("X-Forwarded", true)]
    [InlineData("Cookie", true)]
    [InlineData("Authorization", true)]
    public void The_fields_yarp_sets_itself_are_not_copied(string name, bool copied) =>
        Assert.Equal(copied, Http1RequestHead.IsCopied(Encoding.ASCII.GetBytes(name)));
}
