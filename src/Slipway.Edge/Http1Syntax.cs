using System.Buffers;
using System.Text;

using Slipway.Edge.Contract;

namespace Slipway.Edge;

/// <summary>The pieces of HTTP/1.1's grammar (RFC 9110, 9112) that the direct forwarder checks, on raw bytes.</summary>
internal static class Http1Syntax
{
    public static ReadOnlySpan<byte> CrLf => "\r\n"u8;
    public static ReadOnlySpan<byte> HeadEnd => "\r\n\r\n"u8;

    private static readonly SearchValues<byte> TokenBytes =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    /// <summary>Visible ASCII, space and tab: what a request's field value may hold on the direct path (no obs-text).</summary>
    private static readonly SearchValues<byte> StrictValueBytes = SearchValues.Create(Enumerable.Range(0x20, 0x5F).Select(b => (byte)b).Append((byte)'\t').ToArray());

    /// <summary>A response's field value may also carry obs-text (bytes 0x80-0xFF), which is passed on as it came.</summary>
    private static readonly SearchValues<byte> LenientValueBytes = SearchValues.Create(
        Enumerable.Range(0x20, 0x5F).Concat(Enumerable.Range(0x80, 0x80)).Select(b => (byte)b).Append((byte)'\t').ToArray());

    public static bool IsToken(ReadOnlySpan<byte> text) => text.Length > 0 && !text.ContainsAnyExcept(TokenBytes);

    /// <summary>The length of the head (up to and including its empty line), or -1 when it has not all arrived.</summary>
    public static int HeadLength(ReadOnlySpan<byte> buffer)
    {
        var end = buffer.IndexOf(HeadEnd);
        return end < 0 ? -1 : end + HeadEnd.Length;
    }

    /// <summary>
    /// The length of a response head, whose lines may end with a LF alone (HttpClient reads them so on YARP's path, and the
    /// direct path must read an answer as that path does), or -1 when it has not all arrived.
    /// </summary>
    public static int ResponseHeadLength(ReadOnlySpan<byte> buffer)
    {
        for (var at = buffer.IndexOf((byte)'\n'); at >= 0 && at + 1 < buffer.Length; )
        {
            if (buffer[at + 1] == '\n') return at + 2;
            if (buffer[at + 1] == '\r' && at + 2 < buffer.Length && buffer[at + 2] == '\n') return at + 3;
            var next = buffer[(at + 1)..].IndexOf((byte)'\n');
            at = next < 0 ? -1 : at + 1 + next;
        }
        return -1;
    }

    /// <summary>A response's first line, without its line end (CRLF or LF), and where the field lines start.</summary>
    public static int ResponseLine(ReadOnlySpan<byte> head, out ReadOnlySpan<byte> line)
    {
        var end = head.IndexOf((byte)'\n');
        line = end < 0 ? head : head[..end].TrimEnd((byte)'\r');
        return end < 0 ? head.Length : end + 1;
    }

    /// <summary>Whether a line ends with a LF alone: such a head never ends in the CRLF CRLF this path looks for.</summary>
    public static bool HasBareLineFeed(ReadOnlySpan<byte> bytes)
    {
        for (var at = bytes.IndexOf((byte)'\n'); at >= 0; at = bytes[(at + 1)..].IndexOf((byte)'\n') is var next and >= 0 ? at + 1 + next : -1)
            if (at == 0 || bytes[at - 1] != '\r') return true;
        return false;
    }

    /// <summary>
    /// Splits one field line (without its CRLF) into name and value, the value without the whitespace around it; false when
    /// the line breaks the grammar (no colon, whitespace before it, a byte a value may not hold). <paramref name="lenient"/>
    /// (a response's field, read as HttpClient reads it on YARP's path): whitespace between the name and the colon is allowed
    /// and left out of the name, and the value may carry obs-text.
    /// </summary>
    public static bool TrySplitField(ReadOnlySpan<byte> line, bool lenient, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        value = default;
        var colon = line.IndexOf((byte)':');
        name = colon > 0 ? line[..colon] : default;
        if (lenient) name = name.TrimEnd(" \t"u8);
        if (colon <= 0 || !IsToken(name)) return false;
        var raw = line[(colon + 1)..];
        if (raw.ContainsAnyExcept(lenient ? LenientValueBytes : StrictValueBytes)) return false;
        value = raw.Trim(" \t"u8);
        return true;
    }

    public static bool NameIs(ReadOnlySpan<byte> name, ReadOnlySpan<byte> lowerCase) => Ascii.EqualsIgnoreCase(name, lowerCase);

    /// <summary>A decimal length of at most 18 digits (no sign, no spaces), or -1.</summary>
    public static long ParseLength(ReadOnlySpan<byte> digits)
    {
        if (digits.Length is 0 or > 18) return -1;
        long value = 0;
        foreach (var b in digits)
        {
            if (b is < (byte)'0' or > (byte)'9') return -1;
            value = value * 10 + (b - '0');
        }
        return value;
    }

    /// <summary>Whether a comma-separated field value (Connection's) lists <paramref name="token"/>, in any case.</summary>
    public static bool ListContains(ReadOnlySpan<byte> value, ReadOnlySpan<byte> token)
    {
        foreach (var range in value.Split((byte)','))
            if (Ascii.EqualsIgnoreCase(value[range].Trim(" \t"u8), token)) return true;
        return false;
    }
}

/// <summary>
/// The field lines of a head after its first line, each without its line end, up to the empty line that ends the head. A
/// request's lines end with CRLF; a response's (<paramref name="lineFeedEnds"/>) with a LF, a CR before it dropped, as
/// HttpClient reads them.
/// </summary>
internal ref struct FieldLines(ReadOnlySpan<byte> fields, bool lineFeedEnds = false)
{
    private ReadOnlySpan<byte> _rest = fields;

    public ReadOnlySpan<byte> Current { get; private set; }

    /// <summary>Set when the lines ran out before the empty line.</summary>
    public bool Unterminated { get; private set; }

    public bool MoveNext()
    {
        if (lineFeedEnds)
        {
            var lf = _rest.IndexOf((byte)'\n');
            Unterminated = lf < 0;
            if (lf < 0) return false;
            Current = _rest[..lf].TrimEnd((byte)'\r');
            _rest = _rest[(lf + 1)..];
            return Current.Length > 0;
        }
        var end = _rest.IndexOf(Http1Syntax.CrLf);
        Unterminated = end < 0;
        if (end <= 0) return false;
        Current = _rest[..end];
        _rest = _rest[(end + Http1Syntax.CrLf.Length)..];
        return true;
    }

    /// <summary>A line's field name: what comes before its colon, without whitespace before the colon.</summary>
    public static ReadOnlySpan<byte> NameOf(ReadOnlySpan<byte> line) => line[..Math.Max(0, line.IndexOf((byte)':'))].TrimEnd(" \t"u8);
}
