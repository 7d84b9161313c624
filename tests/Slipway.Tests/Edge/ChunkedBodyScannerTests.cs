using System.Text;
using Slipway.Edge;
using Slipway.Edge.Contract;

namespace Slipway.Tests.Edge;

/// <summary>Finding where a chunked body ends, however its bytes are split between reads.</summary>
[Trait("Tier", "unit")]
public sealed class ChunkedBodyScannerTests
{
    private const string Body = "5\r\nhello\r\n1A;name=value\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: 1\r\n\r\n";

    [Fact]
    public void The_end_is_found_at_every_split_of_the_bytes_and_nothing_after_it_is_taken()
    {
        var bytes = Encoding.ASCII.GetBytes(Body + "HTTP/1.1 200 OK"); // the next response must not be counted
        for (var split = 0; split <= Body.Length; split++)
        {
            var scanner = new ChunkedBodyScanner();
            var first = scanner.Scan(bytes.AsSpan(0, split));
            Assert.Equal(split, first);
            Assert.False(scanner.IsDone && split < Body.Length);
            var second = scanner.Scan(bytes.AsSpan(split));
            Assert.True(scanner.IsDone, $"split at {split}");
            Assert.Equal(Body.Length, first + second);
        }
    }

    [Fact]
    public void A_body_without_trailers_ends_at_its_empty_line()
    {
        var scanner = new ChunkedBodyScanner();
        Assert.Equal(5, scanner.Scan("0\r\n\r\nxyz"u8));
        Assert.True(scanner.IsDone);
    }

    [Theory]
    [InlineData("g\r\n", "a size that is not hex")]
    [InlineData("\r\n", "no size")]
    [InlineData("5\nhello\r\n", "a bare LF after the size")]
    [InlineData("5\r\nhelloX\r\n", "data longer than its size")]
    [InlineData("FFFFFFFFFFFF\r\n", "a size beyond a terabyte")]
    [InlineData("0\r\nX: y\n\r\n", "a bare LF in a trailer")]
    public void A_malformed_body_is_refused(string body, string why)
    {
        Assert.True(new ChunkedBodyScanner().Scan(Encoding.ASCII.GetBytes(body)) < 0, why);
    }
}
