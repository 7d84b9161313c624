using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Slipway.Edge;

/// <summary>
/// Lets a relay on another node of a cluster reach the control socket over the cluster's network, where the engine's exec
/// cannot: a TCP port whose every connection must open with the cluster's token, one line (<c>SLIPWAY-CONTROL token\n</c>)
/// within <see cref="GreetingTimeout"/>; then its bytes are joined to the control socket, which still answers only there.
/// A connection that says anything else, too much or too slowly is closed without a byte in answer, and only
/// <see cref="MaxUnproven"/> may be waiting to prove themselves at once.
/// </summary>
public sealed class ControlGate(IPEndPoint listen, byte[] token, string controlSocket, TimeProvider time, ILogger log)
{
    public const string Greeting = "SLIPWAY-CONTROL ";
    public const int MaxGreeting = 512;
    public const int MaxUnproven = 16;
    public static readonly TimeSpan GreetingTimeout = TimeSpan.FromSeconds(5);

    private int _unproven;

    /// <summary>The port it listens on (the one asked for, or the one the system chose for 0); set once <see cref="Start"/> returned.</summary>
    public int Port { get; private set; }

    private TcpListener? _listener;

    /// <summary>Binds the port; connections are served by <see cref="RunAsync"/>.</summary>
    public void Start()
    {
        _listener = new TcpListener(listen);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
    }

    public async Task RunAsync(CancellationToken ct)
    {
        if (_listener is null) Start();
        using var stopping = ct.Register(() => _listener!.Stop());
        while (!ct.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener!.AcceptSocketAsync(ct);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException && ct.IsCancellationRequested)
            {
                return;
            }
            _ = ServeAsync(client, ct);
        }
    }

    /// <summary>Pure: whether a greeting line (without its newline) carries the token; compared in fixed time.</summary>
    public static bool Accepts(ReadOnlySpan<byte> line, ReadOnlySpan<byte> token)
    {
        var greeting = Encoding.ASCII.GetBytes(Greeting);
        return line.Length == greeting.Length + token.Length && line.StartsWith(greeting)
               && CryptographicOperations.FixedTimeEquals(line[greeting.Length..], token);
    }

    private async Task ServeAsync(Socket client, CancellationToken ct)
    {
        using var owned = client;
        if (Interlocked.Increment(ref _unproven) > MaxUnproven)
        {
            Interlocked.Decrement(ref _unproven);
            return;
        }
        byte[]? rest;
        try
        {
            rest = await ReadGreetingAsync(client, ct);
        }
        finally
        {
            Interlocked.Decrement(ref _unproven);
        }
        if (rest is null)
        {
            log.LogWarning("control gate: a connection from {Peer} did not prove the cluster's token; closed", client.RemoteEndPoint);
            return;
        }
        using var control = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await control.ConnectAsync(new UnixDomainSocketEndPoint(controlSocket), ct);
            await using var inbound = new NetworkStream(client, ownsSocket: false);
            await using var outbound = new NetworkStream(control, ownsSocket: false);
            await outbound.WriteAsync(rest, ct); // what the client sent right after its greeting
            var up = PumpAsync(inbound, outbound, control, ct);
            var down = PumpAsync(outbound, inbound, client, ct);
            await Task.WhenAll(up, down);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // either side went away
        }
    }

    private static async Task PumpAsync(Stream from, Stream to, Socket toSocket, CancellationToken ct)
    {
        try
        {
            await from.CopyToAsync(to, ct);
            toSocket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            toSocket.Close();
        }
    }

    /// <summary>Reads the greeting line; returns the bytes after it, or null when it is not the token's, too long or too slow.</summary>
    private async Task<byte[]?> ReadGreetingAsync(Socket client, CancellationToken ct)
    {
        using var deadline = new CancellationTokenSource(GreetingTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        var buffer = new byte[MaxGreeting + 1];
        var filled = 0;
        try
        {
            while (filled < buffer.Length)
            {
                var read = await client.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, linked.Token);
                if (read == 0) return null;
                var newline = Array.IndexOf(buffer, (byte)'\n', filled, read);
                filled += read;
                if (newline < 0) continue;
                return Accepts(buffer.AsSpan(0, newline), token) ? buffer[(newline + 1)..filled] : null;
            }
            return null;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
            return null;
        }
    }
}
