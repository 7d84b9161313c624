using System.Text;

namespace Slipway.Foundation.Redaction;

/// <summary>
/// A raw output stream (a terminal's) written through the <see cref="Redactor"/> as it comes, not line by line: each
/// write goes out at once, but for an end that could begin a secret value, held back until the next write shows
/// whether it is one. Flush or dispose writes what is held.
/// </summary>
public sealed class RedactingStream(Stream inner, Redactor redactor) : Stream
{
    private readonly Decoder _decoder = Encoding.UTF8.GetDecoder();
    private string _held = "";

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var chars = new char[_decoder.GetCharCount(buffer, flush: false)];
        _decoder.GetChars(buffer, chars, flush: false);
        var text = _held + new string(chars);
        var pending = redactor.PendingSuffix(text);
        _held = text[^pending..];
        Emit(text[..^pending]);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
    {
        Write(buffer.Span);
        await inner.FlushAsync(ct);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override void Flush()
    {
        Emit(_held);
        _held = "";
        inner.Flush();
    }

    private void Emit(string text)
    {
        if (text.Length > 0) inner.Write(Encoding.UTF8.GetBytes(redactor.Redact(text)));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) Flush();
        base.Dispose(disposing);
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
