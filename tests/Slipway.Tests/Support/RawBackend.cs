using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Slipway.Tests.Support;

/// <summary>One request as a <see cref="RawBackend"/> received it: its head as sent on the wire, its body, and the connection it came on.</summary>
public sealed record RawRequest(string Head, byte[] Body, int Connection)
{
    /// <summary>The request target; a head without one (bytes that are no request) shows as <c>?</c> and its first line.</summary>
    public string Path => Head.Split(' ') is [_, var target, ..] ? target : "?" + Head.Split("\r\n")[0];

    /// <summary>The value of a field (the first by that name, in any case); null when absent.</summary>
    public string? Field(string name) => Fields(name).FirstOrDefault();

    public IEnumerable<string> Fields(string name) => Head.Split("\r\n").Skip(1)
        .Where(l => l.Length > name.Length && l[name.Length] == ':' && l.StartsWith(name, StringComparison.OrdinalIgnoreCase))
        .Select(l => l[(name.Length + 1)..].Trim());
}

/// <summary>
/// An HTTP/1.1 server on loopback written on a bare socket, so a test sees the exact bytes a proxy sends and can answer with exact
/// bytes of its own (chunked, close-delimited, malformed). Requests must carry Content-Length bodies; health checks get 200.
/// </summary>
public sealed class RawBackend : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<RawRequest, byte[]?> _answer;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<RawRequest> _requests = new();
    private readonly ConcurrentBag<TcpClient> _clients = [];
    private readonly Task _accepting;
    private int _connections;
    private readonly ConcurrentDictionary<int, bool> _openAppConnections = new();

    /// <param name="answer">The bytes to answer a request with (null: close the connection without answering).</param>
    public RawBackend(Func<RawRequest, byte[]?> answer, string healthPath = "/health")
    {
        HealthPath = healthPath;
        _answer = answer;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string HealthPath { get; }
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public string Address => $"http://127.0.0.1:{Port}";

    /// <summary>The requests other than health checks, in the order they arrived.</summary>
    public IReadOnlyList<RawRequest> Requests => _requests.Where(r => r.Path != HealthPath).ToList();

    /// <summary>How many connections that carried a request other than a health check are still open.</summary>
    public int OpenAppConnections => _openAppConnections.Count;

    /// <summary>When set, the backend closes a connection right after each answer, without saying so (as a keep-alive timeout does).</summary>
    public bool CloseAfterEachAnswer { get; set; }

    /// <summary>
    /// When set, the backend reads no request body, as Python's http.server does for a GET: what follows a head is read as the
    /// next request, so a body can smuggle one.
    /// </summary>
    public bool IgnoreBodies { get; init; }

    /// <summary>Bytes the backend writes unasked, a moment after an answer (null: none); <see cref="UnaskedWritten"/> counts them.</summary>
    public Func<RawRequest, byte[]?>? Unasked { get; init; }

    /// <summary>How many times the backend wrote unasked bytes, or answered a request it was smuggled.</summary>
    public int UnaskedWritten => Volatile.Read(ref _unaskedWritten);

    /// <summary>An answer that is never sent: the backend keeps the connection open and says nothing.</summary>
    public static readonly byte[] Silence = [];

    private int _unaskedWritten;
    private long _bytesReceived;

    /// <summary>Every byte the backend has read, on any connection (health checks included): a body's progress as it comes.</summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    public static byte[] Ok(string body, string? extraFields = null) =>
        Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n{extraFields}\r\n{body}");

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _clients.Add(client);
                _ = ServeAsync(client, Interlocked.Increment(ref _connections));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task ServeAsync(TcpClient client, int connection)
    {
        using var owned = client;
        var stream = client.GetStream();
        var buffer = new List<byte>();
        var chunk = new byte[64 * 1024];
        try
        {
            while (true)
            {
                int headEnd;
                while ((headEnd = IndexOfHeadEnd(buffer)) < 0)
                {
                    var read = await stream.ReadAsync(chunk, _stop.Token);
                    Interlocked.Add(ref _bytesReceived, read);
                    if (read == 0) return;
                    buffer.AddRange(chunk.AsSpan(0, read));
                }
                var head = Encoding.Latin1.GetString(buffer.GetRange(0, headEnd).ToArray());
                var probe = new RawRequest(head, [], connection);
                buffer.RemoveRange(0, headEnd + 4);
                byte[] body;
                if (!IgnoreBodies && probe.Field("Transfer-Encoding") is { } coding && coding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
                {
                    // A chunked body, read whole (sizes, data, the last chunk and its trailers), so what follows is the next request.
                    var decoded = new List<byte>();
                    while (true)
                    {
                        int lineEnd;
                        while ((lineEnd = IndexOf(buffer, "\r\n"u8)) < 0) if (!await FillAsync(stream, buffer, chunk)) return;
                        var size = Convert.ToInt32(Encoding.ASCII.GetString(buffer.GetRange(0, lineEnd).ToArray()).Split(';')[0].Trim(), 16);
                        buffer.RemoveRange(0, lineEnd + 2);
                        if (size == 0)
                        {
                            int trailersEnd;
                            while ((trailersEnd = buffer.Count >= 2 && buffer[0] == '\r' && buffer[1] == '\n' ? 0 : IndexOf(buffer, "\r\n\r\n"u8)) < 0)
                                if (!await FillAsync(stream, buffer, chunk)) return;
                            buffer.RemoveRange(0, trailersEnd == 0 ? 2 : trailersEnd + 4);
                            break;
                        }
                        while (buffer.Count < size + 2) if (!await FillAsync(stream, buffer, chunk)) return;
                        decoded.AddRange(buffer.GetRange(0, size));
                        buffer.RemoveRange(0, size + 2);
                    }
                    body = decoded.ToArray();
                }
                else
                {
                    var length = IgnoreBodies ? 0 : int.Parse(probe.Field("Content-Length") ?? "0");
                    while (buffer.Count < length) if (!await FillAsync(stream, buffer, chunk)) return;
                    body = buffer.GetRange(0, length).ToArray();
                    buffer.RemoveRange(0, length);
                }
                var request = probe with { Body = body };
                _requests.Enqueue(request);
                if (request.Path != HealthPath) _openAppConnections.TryAdd(connection, true);
                var answer = request.Path == HealthPath ? Ok("ok") : _answer(request);
                if (answer is null) return;
                if (ReferenceEquals(answer, Silence))
                {
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                    return;
                }
                await stream.WriteAsync(answer, _stop.Token);
                if (request.Path != HealthPath && Unasked?.Invoke(request) is { } unasked)
                {
                    await Task.Delay(5, _stop.Token);
                    await stream.WriteAsync(unasked, _stop.Token);
                    Interlocked.Increment(ref _unaskedWritten);
                }
                if (IgnoreBodies && request.Path.StartsWith("/smuggled", StringComparison.Ordinal)) Interlocked.Increment(ref _unaskedWritten);
                if (CloseAfterEachAnswer && request.Path != HealthPath) return;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
        finally
        {
            _openAppConnections.TryRemove(connection, out _);
        }
    }

    private async Task<bool> FillAsync(System.Net.Sockets.NetworkStream stream, List<byte> buffer, byte[] chunk)
    {
        var read = await stream.ReadAsync(chunk, _stop.Token);
        Interlocked.Add(ref _bytesReceived, read);
        buffer.AddRange(chunk.AsSpan(0, read));
        return read > 0;
    }

    private static int IndexOf(List<byte> buffer, ReadOnlySpan<byte> text)
    {
        for (var i = 0; i + text.Length <= buffer.Count; i++)
        {
            var match = true;
            for (var j = 0; j < text.Length && match; j++) match = buffer[i + j] == text[j];
            if (match) return i;
        }
        return -1;
    }

    private static int IndexOfHeadEnd(List<byte> buffer)
    {
        for (var i = 0; i + 3 < buffer.Count; i++)
            if (buffer[i] == '\r' && buffer[i + 1] == '\n' && buffer[i + 2] == '\r' && buffer[i + 3] == '\n') return i;
        return -1;
    }

    /// <summary>Stops listening, so new connections are refused; connections already open stay.</summary>
    public void StopListening() => _listener.Stop();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        foreach (var client in _clients) client.Dispose();
        await _accepting;
        _stop.Dispose();
    }
}
