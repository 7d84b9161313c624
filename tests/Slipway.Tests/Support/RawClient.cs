using System.Net.Sockets;
using System.Text;

namespace Slipway.Tests.Support;

/// <summary>One HTTP/1.1 response as a <see cref="RawClient"/> read it off the wire.</summary>
public sealed record RawResponse(string Head, string Body)
{
    public int Status => int.Parse(Head.Split(' ')[1]);

    public string? Field(string name) => Head.Split("\r\n").Skip(1)
        .Where(l => l.Length > name.Length && l[name.Length] == ':' && l.StartsWith(name, StringComparison.OrdinalIgnoreCase))
        .Select(l => l[(name.Length + 1)..].Trim()).FirstOrDefault();
}

/// <summary>A client on a bare socket: sends exact bytes (pipelined, malformed) and reads responses one at a time.</summary>
public sealed class RawClient : IDisposable
{
    private readonly TcpClient _client = new();
    private readonly List<byte> _buffer = [];
    private Stream _stream = null!;

    /// <param name="tlsHost">Speak TLS, naming this host (SNI), trusting any certificate; null: plain.</param>
    public static async Task<RawClient> ConnectAsync(int port, CancellationToken ct, string? tlsHost = null)
    {
        var client = new RawClient();
        await client._client.ConnectAsync("127.0.0.1", port, ct);
        client._stream = client._client.GetStream();
        if (tlsHost is not null)
        {
            var tls = new System.Net.Security.SslStream(client._stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
            await tls.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions
            {
                TargetHost = tlsHost,
                ApplicationProtocols = [System.Net.Security.SslApplicationProtocol.Http11],
            }, ct);
            client._stream = tls;
        }
        return client;
    }

    public Task SendAsync(string text, CancellationToken ct) => _stream.WriteAsync(Encoding.Latin1.GetBytes(text), ct).AsTask();

    /// <summary>The next response: a Content-Length or chunked body (returned as sent), or one read until the server closes.</summary>
    public async Task<RawResponse> ReadResponseAsync(CancellationToken ct, bool toHeadRequest = false)
    {
        int headEnd;
        while ((headEnd = Find("\r\n\r\n")) < 0)
            if (!await FillAsync(ct)) throw new IOException($"the connection closed before a response head: {Text(0, _buffer.Count)}");
        var head = Text(0, headEnd);
        _buffer.RemoveRange(0, headEnd + 4);
        var response = new RawResponse(head, "");
        if (toHeadRequest || response.Status is 204 or 304) return response;
        if (response.Field("Content-Length") is { } length)
        {
            while (_buffer.Count < int.Parse(length)) if (!await FillAsync(ct)) throw new IOException("the connection closed mid-body");
            return response with { Body = Take(int.Parse(length)) };
        }
        if (response.Field("Transfer-Encoding") is not null)
        {
            int end;
            while ((end = ChunkedEnd()) < 0) if (!await FillAsync(ct)) throw new IOException("the connection closed mid-body");
            return response with { Body = Take(end) };
        }
        while (await FillAsync(ct)) { }
        return response with { Body = Take(_buffer.Count) };
    }

    /// <summary>Whether the server closed the connection (reading nothing more than what is already here).</summary>
    public async Task<bool> IsClosedAsync(CancellationToken ct) => _buffer.Count == 0 && !await FillAsync(ct);

    private async Task<bool> FillAsync(CancellationToken ct)
    {
        var chunk = new byte[64 * 1024];
        int read;
        try
        {
            read = await _stream.ReadAsync(chunk, ct);
        }
        catch (IOException)
        {
            return false; // reset by the peer
        }
        _buffer.AddRange(chunk.AsSpan(0, read));
        return read > 0;
    }

    /// <summary>Where a chunked body ends: after the last chunk's line and the trailers' empty line (a test's bodies hold no "\r\n0\r\n").</summary>
    private int ChunkedEnd()
    {
        var text = Text(0, _buffer.Count);
        var last = text.StartsWith("0\r\n", StringComparison.Ordinal) ? 0 : text.IndexOf("\r\n0\r\n", StringComparison.Ordinal) + 2;
        if (last < 2 && !text.StartsWith("0\r\n", StringComparison.Ordinal)) return -1;
        var end = text.IndexOf("\r\n\r\n", last, StringComparison.Ordinal);
        return end < 0 ? -1 : end + 4;
    }

    private int Find(string text) => Text(0, _buffer.Count).IndexOf(text, StringComparison.Ordinal);

    private string Text(int start, int count) => Encoding.Latin1.GetString(_buffer.GetRange(start, count).ToArray());

    private string Take(int count)
    {
        var text = Text(0, count);
        _buffer.RemoveRange(0, count);
        return text;
    }

    public void Dispose() => _client.Dispose();
}
