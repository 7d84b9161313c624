using Slipway.Edge.Contract;

namespace Slipway.Edge;

/// <summary>
/// Follows a chunked body (RFC 9112, section 7.1) as its bytes pass through, to find where it ends: the forwarder copies the
/// bytes as they are and needs only to know when the message is over, so the backend connection can be used again.
/// </summary>
internal sealed class ChunkedBodyScanner
{
    private enum State { Size, Extension, SizeLf, Data, DataCr, DataLf, TrailerStart, Trailer, TrailerLf, FinalLf, Done }

    private const long MaxChunk = 1L << 40;

    /// <summary>
    /// The longest chunk-size line (extensions included) and trailer line: HttpClient refuses longer ones on YARP's path, so a
    /// backend cannot make the edge follow an endless line.
    /// </summary>
    public const int MaxLine = 16 * 1024;

    private State _state = State.Size;
    private int _lineLength;
    private long _size;
    private int _sizeDigits;
    private long _remaining;

    public bool IsDone => _state == State.Done;

    /// <summary>Whether the first chunk's size line has been read whole: the body is known to be chunked, not just announced so.</summary>
    public bool FirstLineRead { get; private set; }

    /// <summary>
    /// Reads as much of <paramref name="bytes"/> as belongs to the body; returns how many bytes that is (fewer than given only once
    /// the body is done), or -1 when the bytes are not a chunked body.
    /// </summary>
    public int Scan(ReadOnlySpan<byte> bytes)
    {
        var i = 0;
        while (i < bytes.Length && _state != State.Done)
        {
            if (_state == State.Data)
            {
                var take = (int)Math.Min(_remaining, bytes.Length - i);
                i += take;
                _remaining -= take;
                if (_remaining == 0) _state = State.DataCr;
                continue;
            }
            var b = bytes[i++];
            if (++_lineLength > MaxLine) return -1;
            switch (_state)
            {
                case State.Size:
                    if (HexValue(b) is var digit and >= 0)
                    {
                        _size = _size * 16 + digit;
                        if (++_sizeDigits > 10 || _size > MaxChunk) return -1;
                    }
                    else if (_sizeDigits == 0) return -1;
                    else if (b == '\r') _state = State.SizeLf;
                    else if (b is (byte)';' or (byte)' ' or (byte)'\t') _state = State.Extension;
                    else return -1;
                    break;
                case State.Extension:
                    if (b == '\r') _state = State.SizeLf;
                    else if (b is (byte)'\n' or 0) return -1;
                    break;
                case State.SizeLf:
                    if (b != '\n') return -1;
                    FirstLineRead = true;
                    _lineLength = 0;
                    if (_size == 0) _state = State.TrailerStart;
                    else { _remaining = _size; _state = State.Data; }
                    _size = 0;
                    _sizeDigits = 0;
                    break;
                case State.DataCr:
                    if (b != '\r') return -1;
                    _state = State.DataLf;
                    break;
                case State.DataLf:
                    if (b != '\n') return -1;
                    _lineLength = 0;
                    _state = State.Size;
                    break;
                case State.TrailerStart:
                    if (b == '\r') _state = State.FinalLf;
                    else if (b is (byte)'\n' or 0) return -1;
                    else _state = State.Trailer;
                    break;
                case State.Trailer:
                    if (b == '\r') _state = State.TrailerLf;
                    else if (b is (byte)'\n' or 0) return -1;
                    break;
                case State.TrailerLf:
                    if (b != '\n') return -1;
                    _lineLength = 0;
                    _state = State.TrailerStart;
                    break;
                case State.FinalLf:
                    if (b != '\n') return -1;
                    _state = State.Done;
                    break;
            }
        }
        return i;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
