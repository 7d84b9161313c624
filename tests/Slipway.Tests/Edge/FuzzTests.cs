using System.Text;
using Slipway.Edge;
using Slipway.Edge.Contract;

namespace Slipway.Tests.Edge;

/// <summary>
/// Random and mutated heads, from a seeded generator so that a failure reproduces: the direct path's parsers never throw on
/// any of them, and a mutated request gets the same answer on both paths.
/// </summary>
[Trait("Tier", "edge")]
public sealed class FuzzTests(TwoPathEdges edges) : IClassFixture<TwoPathEdges>
{
    private const int Seed = 20261206;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] Requests =
    [
        "GET /a?b=c HTTP/1.1\r\nHost: shop.test\r\nUser-Agent: fuzz\r\nAccept: */*\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: shop.test:8080\r\nConnection: keep-alive\r\nCookie: a=b; c=d\r\n\r\n",
        "OPTIONS /x HTTP/1.1\r\nHost: shop.test\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n", // (HEAD: the raw backend would answer it with a body)
        "DELETE /item/1 HTTP/1.1\r\nHost: shop.test\r\nConnection: close\r\n\r\n",
    ];

    private static readonly string[] Responses =
    [
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nSet-Cookie: a=b\r\n\r\n",
        "HTTP/1.0 404 Not Found\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n",
    ];

    /// <summary>Bytes that mean something to HTTP/1.1's grammar, which a mutation inserts or swaps in.</summary>
    private static readonly byte[] Interesting = "\r\n\0 \t:;,=\"/\\\u007f0123456789-+xX"u8.ToArray().Append((byte)0x80).Append((byte)0xff).ToArray();

    private static byte[] Mutate(Random random, byte[] input)
    {
        var bytes = input.ToList();
        for (var i = random.Next(1, 4); i > 0 && bytes.Count > 0; i--)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0: bytes[at] = Interesting[random.Next(Interesting.Length)]; break;
                case 1: bytes.Insert(at, Interesting[random.Next(Interesting.Length)]); break;
                case 2: bytes.RemoveAt(at); break;
                case 3: bytes[at] = (byte)random.Next(256); break;
                case 4: bytes.InsertRange(at, bytes.Skip(at).Take(random.Next(1, 20)).ToList()); break; // a run repeated
                default: bytes.RemoveRange(at, Math.Min(bytes.Count - at, random.Next(1, 8))); break;
            }
        }
        return bytes.ToArray();
    }

    [Fact]
    public void The_parsers_take_or_refuse_any_head_and_never_throw()
    {
        var random = new Random(Seed);
        for (var i = 0; i < 50_000; i++)
        {
            var request = Mutate(random, Encoding.Latin1.GetBytes(Requests[random.Next(Requests.Length)]));
            var response = Mutate(random, Encoding.Latin1.GetBytes(Responses[random.Next(Responses.Length)]));
            var body = Mutate(random, "5\r\nhello\r\n3;x=y\r\nabc\r\n0\r\nT: v\r\n\r\n"u8.ToArray());
            try
            {
                if (Http1RequestHead.TryParse(request, out var parsed))
                    Assert.True(parsed.Host.Length > 0 && parsed.ContentLength >= 0, $"accepted without a host or with a negative length: {Show(request)}");
                _ = Http1Syntax.HeadLength(request) + Http1Syntax.ResponseHeadLength(response);
                _ = Http1Syntax.HasBareLineFeed(request);
                if (Http1ResponseHead.TryParse(response, random.Next(2) == 0, out var answer))
                    Assert.True(answer.ContentLength >= 0 && (answer.Framing != BodyFraming.ContentLength || answer.Status >= 200), Show(response));
                var scanner = new ChunkedBodyScanner();
                var half = body.Length / 2;
                if (scanner.Scan(body.AsSpan(0, half)) == half && !scanner.IsDone) scanner.Scan(body.AsSpan(half));
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                Assert.Fail($"try {i} (seed {Seed}) threw {e.GetType().Name}: request {Show(request)}, response {Show(response)}, body {Show(body)}");
            }
        }
    }

    [Fact]
    public async Task A_mutated_request_gets_the_same_answer_on_both_paths()
    {
        var random = new Random(Seed);
        var differences = new List<string>();
        for (var i = 0; i < 1000 && differences.Count < 3; i++)
        {
            var input = Encoding.Latin1.GetString(Mutate(random, Encoding.Latin1.GetBytes(Requests[random.Next(Requests.Length)])));
            var direct = await TwoPathEdges.OutcomeAsync(edges.Direct, input, Ct);
            var yarp = await TwoPathEdges.OutcomeAsync(edges.Yarp, input, Ct);
            if (direct != yarp) differences.Add($"try {i} (seed {Seed}) {Show(Encoding.Latin1.GetBytes(input))}: direct path {direct}; YARP's path {yarp}");
        }

        Assert.True(differences.Count == 0, string.Join(Environment.NewLine, differences));
    }

    private static string Show(byte[] bytes) =>
        string.Concat(bytes.Select(b => b is >= 0x20 and < 0x7f and not (byte)'\\' ? ((char)b).ToString() : $"\\x{b:x2}"));
}
