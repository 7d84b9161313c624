using System.Text;
using static Slipway.Edge.Http1Syntax;

using Slipway.Edge.Contract;

namespace Slipway.Edge;

/// <summary>
/// A request head the direct forwarder may pass on as it is: an HTTP/1.1 request in origin form, with one plain Host, at
/// most one Content-Length and nothing that changes how the connection or the body is framed (Transfer-Encoding, Upgrade,
/// Expect, a Connection option other than keep-alive or close). Anything else, well-formed or not, is left to Kestrel and
/// YARP, which answer it as they always did; so the direct path never has to be as lenient, or as careful, as a full server.
/// </summary>
internal readonly ref struct Http1RequestHead(int requestLineLength, ReadOnlySpan<byte> host, ReadOnlySpan<byte> hostName, long contentLength,
    bool close, bool isHead, bool idempotent, ReadOnlySpan<byte> path)
{
    /// <summary>The request line's length with its CRLF.</summary>
    public int RequestLineLength { get; } = requestLineLength;

    /// <summary>The Host field's value as sent (name and optional port).</summary>
    public ReadOnlySpan<byte> Host { get; } = host;

    /// <summary>The host name, without the port.</summary>
    public ReadOnlySpan<byte> HostName { get; } = hostName;

    /// <summary>The body's length; 0 when the request has none.</summary>
    public long ContentLength { get; } = contentLength;

    /// <summary>The client asked to close the connection after this request.</summary>
    public bool Close { get; } = close;

    public bool IsHead { get; } = isHead;

    /// <summary>
    /// An idempotent method (RFC 9110, section 9.2.2): the only requests sent again on a new connection when a kept-alive one
    /// closed before any answer, since the backend may have acted on the first.
    /// </summary>
    public bool Idempotent { get; } = idempotent;

    /// <summary>The request target.</summary>
    public ReadOnlySpan<byte> Path { get; } = path;

    /// <summary>Kestrel's default limits: a request over one is left to Kestrel, which answers it 413, 414 or 431 as before.</summary>
    public const int MaxRequestLine = 8 * 1024;
    public const int MaxFields = 100;
    public const long MaxBody = 30_000_000;

    /// <summary>Parses a complete head (up to and including its empty line); false when the direct path should not take it.</summary>
    public static bool TryParse(ReadOnlySpan<byte> head, out Http1RequestHead parsed)
    {
        parsed = default;
        var lineEnd = head.IndexOf(CrLf);
        if (lineEnd is < 0 or > MaxRequestLine || !TryParseRequestLine(head[..lineEnd], out var method, out var path)) return false;
        ReadOnlySpan<byte> host = default;
        var hosts = 0;
        long contentLength = 0;
        var lengths = 0;
        var fields = 0;
        var close = false;
        var lines = new FieldLines(head[(lineEnd + CrLf.Length)..]);
        while (lines.MoveNext())
        {
            if (++fields > MaxFields || !TrySplitField(lines.Current, lenient: false, out var name, out var value)) return false;
            if (NameIs(name, "host"u8)) { host = value; hosts++; }
            else if (NameIs(name, "content-length"u8)) { contentLength = ParseLength(value); lengths++; }
            else if (NameIs(name, "connection"u8))
            {
                if (Ascii.EqualsIgnoreCase(value, "close"u8)) close = true;
                else if (!Ascii.EqualsIgnoreCase(value, "keep-alive"u8)) return false;
            }
            else if (ChangesFraming(name)) return false;
        }
        if (lines.Unterminated || hosts != 1 || lengths > 1 || contentLength is < 0 or > MaxBody || !TrySplitHost(host, out var hostName)) return false;
        parsed = new Http1RequestHead(lineEnd + CrLf.Length, host, hostName, contentLength, close, method.SequenceEqual("HEAD"u8),
            IsIdempotent(method), path);
        return true;
    }

    /// <summary>Whether the forwarder copies a field line of the request to the backend; the others it drops or writes itself.</summary>
    public static bool IsCopied(ReadOnlySpan<byte> name) =>
        !(NameIs(name, "host"u8) || NameIs(name, "connection"u8) || NameIs(name, "forwarded"u8)
          || (name.Length > 12 && NameIs(name[..12], "x-forwarded-"u8)));

    private static bool IsIdempotent(ReadOnlySpan<byte> method) =>
        method.SequenceEqual("GET"u8) || method.SequenceEqual("HEAD"u8) || method.SequenceEqual("OPTIONS"u8)
        || method.SequenceEqual("TRACE"u8) || method.SequenceEqual("PUT"u8) || method.SequenceEqual("DELETE"u8);

    private static bool TryParseRequestLine(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> method, out ReadOnlySpan<byte> path)
    {
        path = default;
        var space = line.IndexOf((byte)' ');
        method = space > 0 ? line[..space] : default;
        if (space is <= 0 or > 16 || method.ContainsAnyExceptInRange((byte)'A', (byte)'Z')) return false;
        if (method.SequenceEqual("CONNECT"u8)) return false; // a tunnel, not a request to forward
        var target = line[(space + 1)..];
        var secondSpace = target.IndexOf((byte)' ');
        if (secondSpace <= 0 || !target[(secondSpace + 1)..].SequenceEqual("HTTP/1.1"u8)) return false;
        path = target[..secondSpace];
        // A fragment has no place in a request target: Kestrel decides what such a request gets.
        if (path[0] != (byte)'/' || path.ContainsAnyExceptInRange((byte)0x21, (byte)0x7E) || path.Contains((byte)'#')) return false;
        // YARP's path forwards the path as Kestrel decoded and normalised it and YARP encoded it again: only a path that comes
        // out of that unchanged (no percent-encoding, no character that gets encoded, no dot segment) is forwarded as it came.
        var query = path.IndexOf((byte)'?');
        var pathPart = query < 0 ? path : path[..query];
        return !pathPart.ContainsAnyExcept(PathBytes) && !HasDotSegment(pathPart);
    }

    /// <summary>RFC 3986's path characters less percent-encoding: unreserved, sub-delims, ':', '@' and '/'.</summary>
    private static readonly System.Buffers.SearchValues<byte> PathBytes =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/"u8);

    private static bool HasDotSegment(ReadOnlySpan<byte> path)
    {
        foreach (var range in path.Split((byte)'/'))
            if (path[range] is [(byte)'.'] or [(byte)'.', (byte)'.']) return true;
        return false;
    }

    /// <summary>Fields that change how the message or the connection is framed, or are meant for a proxy: the full path handles them.</summary>
    private static bool ChangesFraming(ReadOnlySpan<byte> name) =>
        NameIs(name, "transfer-encoding"u8) || NameIs(name, "upgrade"u8) || NameIs(name, "expect"u8) || NameIs(name, "te"u8)
        || NameIs(name, "trailer"u8) || NameIs(name, "keep-alive"u8) || NameIs(name, "http2-settings"u8)
        || (name.Length >= 6 && NameIs(name[..6], "proxy-"u8));

    /// <summary>A registered name with an optional port; IPv6 literals and anything unusual go the full path.</summary>
    private static bool TrySplitHost(ReadOnlySpan<byte> host, out ReadOnlySpan<byte> name)
    {
        var colon = host.IndexOf((byte)':');
        name = colon < 0 ? host : host[..colon];
        if (name.Length == 0 || name.ContainsAnyExcept(HostNameBytes)) return false;
        return colon < 0 || ParseLength(host[(colon + 1)..]) is >= 0 and <= 65535;
    }

    private static readonly System.Buffers.SearchValues<byte> HostNameBytes =
        System.Buffers.SearchValues.Create("-._0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);
}
