using System.Buffers;
using System.Text;

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

    /// <summary>Whether a line ends with a LF alone: such a head never ends in the CRLF CRLF this path looks for.</summary>
    public static bool HasBareLineFeed(ReadOnlySpan<byte> bytes)
    {
        for (var at = bytes.IndexOf((byte)'\n'); at >= 0; at = bytes[(at + 1)..].IndexOf((byte)'\n') is var next and >= 0 ? at + 1 + next : -1)
            if (at == 0 || bytes[at - 1] != '\r') return true;
        return false;
    }

    /// <summary>
    /// Splits one field line (without its CRLF) into name and value, the value without the whitespace around it; false when
    /// the line breaks the grammar (no colon, whitespace before it, a byte a value may not hold).
    /// </summary>
    public static bool TrySplitField(ReadOnlySpan<byte> line, bool lenient, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        value = default;
        var colon = line.IndexOf((byte)':');
        name = colon > 0 ? line[..colon] : default;
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

/// <summary>The field lines of a head after its first line, each without its CRLF, up to the empty line that ends the head.</summary>
internal ref struct FieldLines(ReadOnlySpan<byte> fields)
{
    private ReadOnlySpan<byte> _rest = fields;

    public ReadOnlySpan<byte> Current { get; private set; }

    /// <summary>Set when the lines ran out before the empty line.</summary>
    public bool Unterminated { get; private set; }

    public bool MoveNext()
    {
        var end = _rest.IndexOf(Http1Syntax.CrLf);
        Unterminated = end < 0;
        if (end <= 0) return false;
        Current = _rest[..end];
        _rest = _rest[(end + Http1Syntax.CrLf.Length)..];
        return true;
    }

    /// <summary>A line's field name: what comes before its colon.</summary>
    public static ReadOnlySpan<byte> NameOf(ReadOnlySpan<byte> line) => line[..Math.Max(0, line.IndexOf((byte)':'))];
}
