using System.Text;
using static Slipway.Edge.Http1Syntax;

using Slipway.Edge.Contract;

namespace Slipway.Edge;

/// <summary>How a response's body is delimited (RFC 9112, section 6.3).</summary>
internal enum BodyFraming { None, ContentLength, Chunked, UntilClose }

/// <summary>
/// A backend's response head, read by the direct forwarder: its status, how its body is framed and whether the backend keeps the
/// connection open. A head that breaks the grammar or frames its body two ways is refused (the client gets a 502), as a
/// response that could be read two ways is how responses get smuggled.
/// </summary>
internal readonly record struct Http1ResponseHead(int Status, BodyFraming Framing, long ContentLength, bool KeepAlive)
{
    /// <summary>Parses a complete head; <paramref name="requestWasHead"/>: the body a HEAD request's response announces never comes.</summary>
    public static bool TryParse(ReadOnlySpan<byte> head, bool requestWasHead, out Http1ResponseHead parsed)
    {
        parsed = default;
        var next = ResponseLine(head, out var statusLine);
        if (next >= head.Length || !TryParseStatusLine(statusLine, out var minorVersion, out var status)) return false;
        long contentLength = -1;
        var chunked = false;
        var close = minorVersion == 0;
        var lines = new FieldLines(head[next..], lineFeedEnds: true);
        while (lines.MoveNext())
        {
            if (!TrySplitField(lines.Current, lenient: true, out var name, out var value))
            {
                if (IsDropped(lines.Current)) continue;
                return false;
            }
            if (NameIs(name, "content-length"u8))
            {
                var length = ParseLength(value);
                if (length < 0 || (contentLength >= 0 && contentLength != length)) return false;
                contentLength = length;
            }
            else if (NameIs(name, "transfer-encoding"u8))
            {
                if (chunked || !Ascii.EqualsIgnoreCase(value, "chunked"u8)) return false;
                chunked = true;
            }
            else if (NameIs(name, "connection"u8))
            {
                if (ListContains(value, "close"u8)) close = true;
                else if (ListContains(value, "keep-alive"u8)) close = false;
            }
        }
        if (lines.Unterminated || (chunked && contentLength >= 0)) return false;
        var framing = requestWasHead || status is 204 or 304 || status < 200 ? BodyFraming.None
            : chunked ? BodyFraming.Chunked
            : contentLength >= 0 ? BodyFraming.ContentLength
            : BodyFraming.UntilClose;
        parsed = new Http1ResponseHead(status, framing, framing == BodyFraming.ContentLength ? contentLength : 0,
            KeepAlive: !close && framing != BodyFraming.UntilClose);
        return true;
    }

    /// <summary>
    /// A field whose value holds a control character (NUL, ESC, a CR that ends no line) is left out of the answer, as HttpClient leaves it out on
    /// YARP's path; unless it is one that frames the message or the connection, which makes the answer unreadable (a 502).
    /// </summary>
    public static bool IsDropped(ReadOnlySpan<byte> line)
    {
        var colon = line.IndexOf((byte)':');
        if (colon <= 0) return false;
        var name = line[..colon].TrimEnd(" \t"u8);
        if (!IsToken(name) || NameIs(name, "content-length"u8) || NameIs(name, "transfer-encoding"u8) || NameIs(name, "connection"u8)) return false;
        var dropped = false;
        foreach (var b in line[(colon + 1)..])
        {
            if (b == (byte)'\n') return false; // a line break inside may hide a framing field: unreadable
            if (b is < 0x20 and not (byte)'\t' or 0x7F) dropped = true; // a CR inside ends no line where HttpClient reads it
        }
        return dropped;
    }

    /// <summary>Whether the forwarder passes a field line of the response on; connection-level fields and the version header it writes itself.</summary>
    public static bool IsCopied(ReadOnlySpan<byte> name) =>
        !(NameIs(name, "connection"u8) || NameIs(name, "keep-alive"u8) || NameIs(name, "proxy-connection"u8)
          || NameIs(name, "x-slipway-version"u8));

    private static bool TryParseStatusLine(ReadOnlySpan<byte> line, out int minorVersion, out int status)
    {
        minorVersion = 0;
        status = 0;
        // "HTTP/1.x 200 OK"; some servers leave out the space before an empty reason.
        if (line.Length < 12 || !line[..7].SequenceEqual("HTTP/1."u8) || line[7] is not ((byte)'0' or (byte)'1') || line[8] != (byte)' ')
            return false;
        minorVersion = line[7] - '0';
        var code = line.Slice(9, 3);
        if (code.ContainsAnyExceptInRange((byte)'0', (byte)'9') || (line.Length > 12 && line[12] != (byte)' ')) return false;
        status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
        return status >= 100 && !line[12..].ContainsAny((byte)'\r', (byte)'\n', (byte)0);
    }
}
