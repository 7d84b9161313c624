using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Slipway.Edge;
using Slipway.Edge.Contract;
using Slipway.Tests.Support;

namespace Slipway.Tests.Edge;

/// <summary>Two edges, one with the direct path and one without, each in front of the same kind of raw backend.</summary>
public sealed partial class TwoPathEdges : IAsyncLifetime
{
    private static readonly EdgeHealthSettings Health = new("/health", TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(1), 1, 2);

    public sealed record Path(EdgeWithBackends Edge, RawBackend Backend, int Port);

    public Path Direct { get; private set; } = null!;
    public Path Yarp { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Direct = await StartAsync(directForwarding: true);
        Yarp = await StartAsync(directForwarding: false);
    }

    private static async Task<Path> StartAsync(bool directForwarding)
    {
        var edge = await EdgeWithBackends.StartAsync("slipway-corpus", directForwarding: directForwarding);
        var backend = new RawBackend(HostileCorpusTests.Answer);
        var port = FreePort.Next();
        await edge.Edge.Client.DeployAsync("shop", new DeployArgs("v1", port, "shop.test", [new EdgeTarget("shop-v1", backend.Address)], Health,
            TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5)), CancellationToken.None);
        return new Path(edge, backend, port);
    }

    private const string Sentinel = "GET /last HTTP/1.1\r\nHost: shop.test\r\nConnection: close\r\n\r\n";

    /// <summary>What one input came to: the status of each answer the client got, then what the backend was asked.</summary>
    public static async Task<string> OutcomeAsync(Path path, string input, CancellationToken ct)
    {
        var before = path.Backend.Requests.Count;
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", path.Port, ct);
        var stream = client.GetStream();
        // A last request that closes the connection marks the end: whatever the edge made of the input, it answers what it has
        // and then closes (a real client does not half-close, which Kestrel takes for an abort).
        await stream.WriteAsync(Encoding.Latin1.GetBytes(input + Sentinel), ct);
        var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(TimeSpan.FromSeconds(30)); // a bound, never the expectation: both paths close at once
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, bound.Token)) > 0) received.Write(buffer, 0, read);
        }
        catch (IOException)
        {
            received.Write("[reset]"u8);
        }
        var text = Encoding.Latin1.GetString(received.ToArray());
        var statuses = Received(text);
        var asked = path.Backend.Requests.Skip(before).Select(r => r.Path);
        return $"answers [{string.Join(",", statuses)}]{(text.EndsWith("[reset]", StringComparison.Ordinal) ? " reset" : "")}; backend got [{string.Join(",", asked)}]";
    }

    /// <summary>Each answer in the bytes, one after the other as their framing says: its status and body, or what was left.</summary>
    private static IEnumerable<string> Received(string text)
    {
        var at = 0;
        while (at < text.Length && !text.AsSpan(at).StartsWith("[reset]"))
        {
            var headEnd = text.IndexOf("\r\n\r\n", at, StringComparison.Ordinal);
            if (headEnd < 0 || StatusLine().Match(text, at) is not { Success: true } status || status.Index != at)
            {
                yield return $"unframed({text[at..].Length} bytes)";
                yield break;
            }
            var head = text[at..headEnd];
            at = headEnd + 4;
            var length = Regex.Match(head, @"\r\nContent-Length: (\d+)", RegexOptions.IgnoreCase);
            string body;
            if (Regex.IsMatch(head, @"\r\nTransfer-Encoding: chunked", RegexOptions.IgnoreCase))
            {
                var end = text.IndexOf("\r\n0\r\n\r\n", at, StringComparison.Ordinal);
                end = text.AsSpan(at).StartsWith("0\r\n\r\n") ? at + 5 : end < 0 ? text.Length : end + 7;
                body = text[at..end];
                at = end;
            }
            else if (length.Success)
            {
                var count = Math.Min(int.Parse(length.Groups[1].Value), text.Length - at);
                body = text.Substring(at, count);
                at += count;
            }
            else
            {
                body = text[at..];
                at = text.Length;
            }
            yield return $"{status.Groups[1].Value} {body.Length}B";
        }
    }

    [GeneratedRegex(@"HTTP/1\.1 (\d{3}) ")]
    private static partial Regex StatusLine();


    public async ValueTask DisposeAsync()
    {
        foreach (var path in new[] { Direct, Yarp })
        {
            await path.Edge.DisposeAsync();
            await path.Backend.DisposeAsync();
        }
    }
}

/// <summary>
/// The shared hostile corpus: every input gets the same answer on the direct path as on YARP's path, and reaches the backend
/// (or not) the same way: smuggling forms, malformed heads, malformed answers from the backend, and pipelining. The client
/// sends its bytes and a last request that closes the connection, and reads until the edge closes; what it saw (each answer's status, or none) and what the
/// backend got are compared.
/// </summary>
[Trait("Tier", "edge")]
public sealed class HostileCorpusTests(TwoPathEdges edges) : IClassFixture<TwoPathEdges>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The backend's answers: /answer/NAME gets the malformed answer of that name, anything else its own path back.</summary>
    public static byte[]? Answer(RawRequest request) => request.Path.StartsWith("/answer/", StringComparison.Ordinal)
        ? Encoding.Latin1.GetBytes(Answers[request.Path["/answer/".Length..]])
        : RawBackend.Ok(request.Path);

    private static readonly Dictionary<string, string> Answers = new()
    {
        ["two-lengths"] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
        ["length-and-chunked"] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        ["negative-length"] = "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        ["bad-status-line"] = "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",
        ["not-http"] = "SSH-2.0-OpenSSH\r\n\r\n",
        ["space-before-colon"] = "HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nab",
        ["bad-chunk-size"] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
        ["long-chunk-extension"] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;" + new string('x', 200_000) + "\r\nabc\r\n0\r\n\r\n",
        ["nul-in-field"] = "HTTP/1.1 200 OK\r\nX-A: a\0b\r\nContent-Length: 0\r\n\r\n",
        ["bare-lf-hiding-a-length"] = "HTTP/1.1 200 OK\r\nX-A: b\nContent-Length: 2\r\n\r\nok",
        ["bare-cr-in-a-value"] = "HTTP/1.1 200 OK\r\nX-A: b\rContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
        ["fine"] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        ["fine-chunked"] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
    };

    public static TheoryData<string, string> Corpus()
    {
        const string h = "Host: shop.test\r\n";
        var data = new TheoryData<string, string>
        {
            // smuggling
            { "CL.TE", $"POST /a HTTP/1.1\r\n{h}Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG" },
            { "TE.CL", $"POST /a HTTP/1.1\r\n{h}Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n1\r\nZ\r\n0\r\n\r\n" },
            { "two equal lengths", $"POST /a HTTP/1.1\r\n{h}Content-Length: 1\r\nContent-Length: 1\r\n\r\nx" },
            { "two different lengths", $"POST /a HTTP/1.1\r\n{h}Content-Length: 1\r\nContent-Length: 2\r\n\r\nxy" },
            { "a length with a sign", $"POST /a HTTP/1.1\r\n{h}Content-Length: +1\r\n\r\nx" },
            { "a length with spaces inside", $"POST /a HTTP/1.1\r\n{h}Content-Length: 1 1\r\n\r\nx" },
            { "a hex length", $"POST /a HTTP/1.1\r\n{h}Content-Length: 0x1\r\n\r\nx" },
            { "obfuscated chunked", $"POST /a HTTP/1.1\r\n{h}Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n" },
            { "chunked twice", $"POST /a HTTP/1.1\r\n{h}Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n" },
            { "a space before the colon", $"POST /a HTTP/1.1\r\n{h}Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n" },
            { "a tab in the encoding", $"POST /a HTTP/1.1\r\n{h}Transfer-Encoding:\tchunked\r\n\r\n0\r\n\r\n" },
            { "obs-fold", $"GET /a HTTP/1.1\r\n{h}X-A: one\r\n two\r\n\r\n" },
            { "absolute form", "GET http://shop.test/a HTTP/1.1\r\nHost: shop.test\r\n\r\n" },
            { "absolute form to another host", "GET http://other.test/a HTTP/1.1\r\nHost: shop.test\r\n\r\n" },
            { "two hosts", $"GET /a HTTP/1.1\r\n{h}Host: other.test\r\n\r\n" },
            { "no host", "GET /a HTTP/1.1\r\n\r\n" },
            { "a host with user info", "GET /a HTTP/1.1\r\nHost: user@shop.test\r\n\r\n" },
            { "a GET whose body is a request", $"GET /a HTTP/1.1\r\n{h}Content-Length: 40\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: shop.test\r\n\r\n" },
            // malformed heads
            { "bare LF lines", "GET /a HTTP/1.1\nHost: shop.test\n\n" },
            { "a NUL in a value", $"GET /a HTTP/1.1\r\n{h}X-A: a\0b\r\n\r\n" },
            { "a control byte in a value", $"GET /a HTTP/1.1\r\n{h}X-A: a\u0001b\r\n\r\n" },
            { "obs-text in a value", $"GET /a HTTP/1.1\r\n{h}X-A: caf\u00e9\r\n\r\n" },
            { "a lower-case method", $"get /a HTTP/1.1\r\n{h}\r\n" },
            { "an unknown method", $"BREW /a HTTP/1.1\r\n{h}\r\n" },
            { "HTTP/1.0", $"GET /a HTTP/1.0\r\n{h}\r\n" },
            { "HTTP/2.0 in a line", $"GET /a HTTP/2.0\r\n{h}\r\n" },
            { "a fragment", $"GET /a#frag HTTP/1.1\r\n{h}\r\n" },
            { "a backslash in the path", $"GET /a\\b HTTP/1.1\r\n{h}\r\n" },
            { "a percent-encoded letter", $"GET /%41b?q=%41 HTTP/1.1\r\n{h}\r\n" },
            { "an encoded slash", $"GET /a%2Fb HTTP/1.1\r\n{h}\r\n" },
            { "a dot segment", $"GET /a/../b HTTP/1.1\r\n{h}\r\n" },
            { "a character the path encodes", $"GET /a<b>{{c}}|d HTTP/1.1\r\n{h}\r\n" },
            { "a chunked body", $"POST /a HTTP/1.1\r\n{h}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" },
            { "a space in the target", $"GET /a b HTTP/1.1\r\n{h}\r\n" },
            { "a target without a slash", $"GET a HTTP/1.1\r\n{h}\r\n" },
            { "a field name with a space", $"GET /a HTTP/1.1\r\n{h}X A: b\r\n\r\n" },
            { "a field without a colon", $"GET /a HTTP/1.1\r\n{h}XA\r\n\r\n" },
            { "a field line of 10 KiB", $"GET /a HTTP/1.1\r\n{h}X-A: {new string('a', 10 * 1024)}\r\n\r\n" },
            { "a request line of 9 KiB", $"GET /{new string('a', 9 * 1024)} HTTP/1.1\r\n{h}\r\n" },
            { "101 fields", $"GET /a HTTP/1.1\r\n{h}{string.Concat(Enumerable.Range(0, 101).Select(i => $"X-{i}: v\r\n"))}\r\n" },
            { "CONNECT", "CONNECT shop.test:443 HTTP/1.1\r\nHost: shop.test:443\r\n\r\n" },
            { "an upgrade", $"GET /a HTTP/1.1\r\n{h}Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n" },
            { "Expect with no body", $"GET /a HTTP/1.1\r\n{h}Expect: 100-continue\r\n\r\n" },
            { "a leading empty line", $"\r\nGET /a HTTP/1.1\r\n{h}\r\n" },
            { "garbage", "\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\u00a1\u0003\u0003" },
            // pipelining
            { "three pipelined", $"GET /1 HTTP/1.1\r\n{h}\r\nGET /2 HTTP/1.1\r\n{h}\r\nGET /3 HTTP/1.1\r\n{h}\r\n" },
            { "pipelined, the second malformed", $"GET /1 HTTP/1.1\r\n{h}\r\nGET /2 HTTP/1.1\r\n{h}X A: b\r\n\r\nGET /3 HTTP/1.1\r\n{h}\r\n" },
            { "pipelined after close", $"GET /1 HTTP/1.1\r\n{h}Connection: close\r\n\r\nGET /2 HTTP/1.1\r\n{h}\r\n" },
            { "a body then a request", $"POST /1 HTTP/1.1\r\n{h}Content-Length: 3\r\n\r\nabcGET /2 HTTP/1.1\r\n{h}\r\n" },
        };
        foreach (var name in Answers.Keys) data.Add($"the backend answers {name}", $"GET /answer/{name} HTTP/1.1\r\n{h}\r\nGET /after HTTP/1.1\r\n{h}\r\n");
        return data;
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task Every_hostile_input_gets_the_same_answer_on_both_paths(string name, string input)
    {
        var direct = await TwoPathEdges.OutcomeAsync(edges.Direct, input, Ct);
        var yarp = await TwoPathEdges.OutcomeAsync(edges.Yarp, input, Ct);

        Assert.True(direct == yarp, $"{name}: direct path {direct}; YARP's path {yarp}");
        Assert.DoesNotContain("smuggled", direct);
    }
}
