using System.Text;
using Slipway.Engine;

namespace Slipway.Tests.Engine;

[Trait("Tier", "unit")]
public sealed class StdoutConnectionTests
{
    private sealed class Bytes(byte[] data) : StreamConnection(new MemoryStream(data))
    {
        public override ValueTask CloseWriteAsync() => ValueTask.CompletedTask;
    }

    private static byte[] Frame(byte stream, string text)
    {
        var payload = Encoding.UTF8.GetBytes(text);
        return [stream, 0, 0, 0, (byte)(payload.Length >> 24), (byte)(payload.Length >> 16), (byte)(payload.Length >> 8), (byte)payload.Length, .. payload];
    }

    [Fact]
    public async Task Only_stdouts_bytes_are_read_in_order_whatever_the_readers_buffer()
    {
        var connection = new StdoutConnection(new Bytes([.. Frame(1, "HTTP/1.1 200 OK\r\n"), .. Frame(2, "a warning"), .. Frame(1, "\r\nbody")]));
        var read = new MemoryStream();
        var buffer = new byte[3]; // smaller than every frame: a frame is read in several parts
        int count;
        while ((count = await connection.ReadAsync(buffer, TestContext.Current.CancellationToken)) > 0) read.Write(buffer, 0, count);

        Assert.Equal("HTTP/1.1 200 OK\r\n\r\nbody", Encoding.UTF8.GetString(read.ToArray()));
    }

    [Fact]
    public async Task A_zero_byte_read_waits_for_data_and_is_not_taken_for_the_end()
    {
        // HttpClient watches a pooled connection with a zero-byte read; taken for the end, the next request on it failed.
        var connection = new StdoutConnection(new Bytes([.. Frame(1, "HTTP/1.1 200 OK\r\n"), .. Frame(1, "\r\nbody")]));

        Assert.Equal(0, await connection.ReadAsync(Memory<byte>.Empty, TestContext.Current.CancellationToken));
        var read = new MemoryStream();
        var buffer = new byte[64];
        int count;
        while ((count = await connection.ReadAsync(buffer, TestContext.Current.CancellationToken)) > 0) read.Write(buffer, 0, count);

        Assert.Equal("HTTP/1.1 200 OK\r\n\r\nbody", Encoding.UTF8.GetString(read.ToArray())); // the second frame too
    }

    [Fact]
    public async Task A_stream_cut_inside_a_frame_header_is_an_error_not_a_short_answer()
    {
        var connection = new StdoutConnection(new Bytes([.. Frame(1, "ok"), 1, 0, 0]));
        var buffer = new byte[16];
        Assert.Equal(2, await connection.ReadAsync(buffer, TestContext.Current.CancellationToken));

        await Assert.ThrowsAsync<IOException>(async () => await connection.ReadExactlyAsync(buffer.AsMemory(0, 1), TestContext.Current.CancellationToken));
    }
}
