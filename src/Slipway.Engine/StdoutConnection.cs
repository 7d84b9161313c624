using System.Buffers.Binary;

namespace Slipway.Engine;

/// <summary>
/// A multiplexed exec or attach stream (8-byte frame headers: stream, three zeros, big-endian length) read as its stdout alone:
/// stderr frames are skipped, so the reader sees exactly the bytes the command wrote to stdout. Writes go through unchanged.
/// </summary>
internal sealed class StdoutConnection(EngineConnection inner) : StreamConnection(inner)
{
    private const byte Stdout = 1;
    private readonly byte[] _header = new byte[8];
    private int _remaining;
    private bool _ended;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        while (_remaining == 0)
        {
            if (_ended || !await FillAsync(_header, ct)) return 0;
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(_header.AsSpan(4));
            if (_header[0] == Stdout)
            {
                _remaining = length;
                continue;
            }
            await SkipAsync(length, ct);
        }
        if (buffer.IsEmpty)
        {
            // A zero-byte read waits until data can be read (HttpClient's way of watching a pooled connection): it returns 0
            // without the stream having ended, so it must not be taken for the end.
            _ = await Inner.ReadAsync(Memory<byte>.Empty, ct);
            return 0;
        }
        var read = await Inner.ReadAsync(buffer[..Math.Min(buffer.Length, _remaining)], ct);
        if (read == 0)
        {
            _ended = true;
            return 0;
        }
        _remaining -= read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override ValueTask CloseWriteAsync() => ((EngineConnection)Inner).CloseWriteAsync();

    /// <summary>Reads exactly the buffer; false when the stream ended before its first byte.</summary>
    private async Task<bool> FillAsync(byte[] buffer, CancellationToken ct)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await Inner.ReadAsync(buffer.AsMemory(filled), ct);
            if (read == 0)
            {
                _ended = true;
                if (filled == 0) return false;
                throw new IOException("the engine's stream ended inside a frame header");
            }
            filled += read;
        }
        return true;
    }

    private async Task SkipAsync(int length, CancellationToken ct)
    {
        var scratch = new byte[Math.Min(length, 8192)];
        while (length > 0)
        {
            var read = await Inner.ReadAsync(scratch.AsMemory(0, Math.Min(scratch.Length, length)), ct);
            if (read == 0)
            {
                _ended = true;
                return;
            }
            length -= read;
        }
    }
}
