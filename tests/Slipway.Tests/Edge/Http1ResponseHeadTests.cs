using System.Text;
using Slipway.Edge;
using Slipway.Edge.Contract;

namespace Slipway.Tests.Edge;

/// <summary>How the direct path frames a backend's answer, and which answers it refuses as ambiguous.</summary>
[Trait("Tier", "unit")]
public sealed class Http1ResponseHeadTests
{
    private static Http1ResponseHead? Parse(string head, bool requestWasHead = false) =>
        Http1ResponseHead.TryParse(Encoding.Latin1.GetBytes(head), requestWasHead, out var parsed) ? parsed : null;

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", 200, "ContentLength", 5L, true)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n", 200, "Chunked", 0L, true)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n", 200, "UntilClose", 0L, false)]
    [InlineData("HTTP/1.1 204 No Content\r\n\r\n", 204, "None", 0L, true)]
    [InlineData("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", 304, "None", 0L, true)]
    [InlineData("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n", 103, "None", 0L, true)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\n", 200, "ContentLength", 5L, false)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\n", 200, "ContentLength", 5L, false)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\n", 200, "ContentLength", 5L, true)]
    [InlineData("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", 200, "ContentLength", 0L, true)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", 200, "ContentLength", 5L, true)]
    [InlineData("HTTP/1.1 200 OK\r\nX-Name: caf\u00e9\r\nContent-Length: 1\r\n\r\n", 200, "ContentLength", 1L, true)]
    // As HttpClient reads them on YARP's path: a LF alone ends a line, whitespace before a colon is no part of the name,
    // and a field with a control character in its value is left out.
    [InlineData("HTTP/1.1 200 OK\nX-A: b\nContent-Length: 2\n\n", 200, "ContentLength", 2L, true)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\n", 200, "ContentLength", 2L, true)]
    [InlineData("HTTP/1.1 200 OK\r\nX-A: a\0b\rContent-Length: 9\r\nContent-Length: 2\r\n\r\n", 200, "ContentLength", 2L, true)]
    public void Its_status_framing_and_keep_alive_are_read(string head, int status, string framing, long length, bool keepAlive) =>
        Assert.Equal(new Http1ResponseHead(status, Enum.Parse<BodyFraming>(framing), length, keepAlive), Parse(head));

    [Fact]
    public void The_answer_to_a_head_request_has_no_body_whatever_it_announces() =>
        Assert.Equal(BodyFraming.None, Parse("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n", requestWasHead: true)?.Framing);

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", "both framings")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", "two different lengths")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "a coding beside chunked")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "a negative length")]
    [InlineData("HTTP/2 200\r\n\r\n", "another version")]
    [InlineData("HTTP/1.1 2000 OK\r\n\r\n", "a four-digit status")]
    [InlineData("HTTP/1.1 099 Low\r\n\r\n", "a status under 100")]
    [InlineData("HTTP/1.1 200 OK\r\nX-A: b\nContent-Length: 5\nContent-Length: 6\r\n\r\n", "two lengths, one after a bare LF")]
    [InlineData("HTTP/1.1 200 OK\r\nX-A: b\r\n c\r\n\r\n", "a folded line")]
    public void An_ambiguous_or_broken_head_is_refused(string head, string why) => Assert.True(Parse(head) is null, why);

    [Theory]
    [InlineData("Connection", false)]
    [InlineData("keep-alive", false)]
    [InlineData("X-Slipway-Version", false)]
    [InlineData("Transfer-Encoding", true)]
    [InlineData("Set-Cookie", true)]
    public void Connection_fields_and_the_version_header_are_not_passed_on(string name, bool copied) =>
        Assert.Equal(copied, Http1ResponseHead.IsCopied(Encoding.ASCII.GetBytes(name)));
}
