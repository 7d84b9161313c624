using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using Yarp.ReverseProxy.Model;

namespace Slipway.Edge;

/// <summary>
/// What the direct forwarder keeps per destination: its address as bytes ready to write, a pool of idle keep-alive connections,
/// and the count of its requests in flight, which the drainer adds to YARP's own count.
/// </summary>
internal sealed class DirectTargets
{
    private readonly ConditionalWeakTable<DestinationState, DirectTarget> _targets = new();

    /// <summary>The destination as the direct path reaches it; null when it cannot (not plain HTTP to an IP address).</summary>
    public DirectTarget? For(DestinationState destination)
    {
        var target = _targets.GetValue(destination, _ => new DirectTarget());
        return target.Refresh(destination.Model) ? target : null;
    }

    /// <summary>Closes the idle connections to destinations no route sends requests to any more, and those still busy once they finish.</summary>
    public void Retire(IEnumerable<DestinationState> destinations)
    {
        foreach (var destination in destinations)
            if (_targets.TryGetValue(destination, out var target)) target.Retire();
    }

    /// <summary>The requests in flight to a destination, by either path.</summary>
    public int InFlight(DestinationState destination) =>
        destination.ConcurrentRequestCount + (_targets.TryGetValue(destination, out var target) ? target.InFlight : 0);
}

/// <summary>One destination for the direct forwarder. The counter and the pool outlive a change of the destination's configuration.</summary>
internal sealed class DirectTarget
{
    private const int MaxIdle = 512;
    private readonly ConcurrentStack<BackendConnection> _idle = new();
    private volatile Endpoint? _endpoint;
    private int _inFlight;
    private volatile bool _retired;

    /// <summary>The address, the Host line and the version line, for one configuration of the destination.</summary>
    internal sealed record Endpoint(DestinationModel Model, IPEndPoint Address, byte[] HostLine, byte[]? VersionLine, string Version);

    public int InFlight => Volatile.Read(ref _inFlight);
    public Endpoint Current => _endpoint!;

    public void Started() => Interlocked.Increment(ref _inFlight);
    public void Finished() => Interlocked.Decrement(ref _inFlight);

    internal bool Refresh(DestinationModel model)
    {
        var endpoint = _endpoint;
        if (endpoint is not null && ReferenceEquals(endpoint.Model, model)) return true;
        if (!Uri.TryCreate(model.Config.Address, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp
            || !IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) || uri.AbsolutePath != "/")
        {
            _endpoint = null;
            return false;
        }
        var version = model.Config.Metadata?.GetValueOrDefault(ProxyConfigBuilder.VersionMetadata);
        var versionLine = version is { Length: > 0 } && Http1Syntax.IsToken(Encoding.ASCII.GetBytes(version))
            ? Encoding.ASCII.GetBytes($"{ProxyConfigBuilder.VersionHeader}: {version}\r\n") : null;
        _endpoint = new Endpoint(model, new IPEndPoint(ip, uri.Port), Encoding.ASCII.GetBytes($"Host: {uri.Authority}\r\n"), versionLine, version ?? "none");
        return true;
    }

    /// <summary>An idle connection to the destination if one is left open, else null: the caller connects.</summary>
    public BackendConnection? TakeIdle(IPEndPoint address)
    {
        while (_idle.TryPop(out var connection))
        {
            if (connection.Address.Equals(address) && connection.IsUsable()) return connection;
            connection.Dispose();
        }
        return null;
    }

    public void Return(BackendConnection connection)
    {
        if (_idle.Count < MaxIdle && !_retired) _idle.Push(connection);
        else connection.Dispose();
        if (_retired) CloseIdle(); // retired meanwhile: the push may have come after its sweep
    }

    internal void Retire()
    {
        _retired = true;
        CloseIdle();
    }

    private void CloseIdle()
    {
        while (_idle.TryPop(out var connection)) connection.Dispose();
    }
}

/// <summary>A keep-alive connection to a backend, with the buffer its responses are read into.</summary>
internal sealed class BackendConnection : IDisposable
{
    public const int BufferSize = 16 * 1024;

    /// <summary>The longest response head read, as HttpClient's default (MaxResponseHeadersLength) allows on YARP's path.</summary>
    public const int MaxHead = 64 * 1024;

    private readonly TimeProvider _time;
    private long _idleSince;

    private BackendConnection(Socket socket, IPEndPoint address, TimeProvider time)
    {
        Socket = socket;
        Address = address;
        _time = time;
    }

    public Socket Socket { get; }
    public IPEndPoint Address { get; }

    public byte[] Buffer { get; private set; } = new byte[BufferSize];

    /// <summary>Makes room for a response head longer than the buffer, keeping what it holds; up to <see cref="MaxHead"/>.</summary>
    public byte[] GrowBuffer()
    {
        var grown = new byte[Math.Min(Buffer.Length * 2, MaxHead)];
        Buffer.CopyTo(grown, 0);
        return Buffer = grown;
    }

    /// <summary>Whether it was used before: a request failing on it before any answer may be sent again on a new one.</summary>
    public bool Reused { get; private set; }

    public static async ValueTask<BackendConnection> ConnectAsync(IPEndPoint address, TimeProvider time, CancellationToken ct)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(address, ct);
            return new BackendConnection(socket, address, time);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void MarkIdle()
    {
        Reused = true;
        _idleSince = _time.GetTimestamp();
    }

    /// <summary>
    /// Whether an idle connection can carry a request: after a second idle the backend may have closed it (gunicorn keeps an idle
    /// connection 2 s), which a readable socket with nothing to read shows.
    /// </summary>
    public bool IsUsable()
    {
        if (_time.GetElapsedTime(_idleSince) < TimeSpan.FromSeconds(1)) return true;
        try
        {
            return !Socket.Poll(0, SelectMode.SelectRead);
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public void Dispose() => Socket.Dispose();
}
