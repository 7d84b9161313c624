using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using Yarp.ReverseProxy.Model;

using Slipway.Edge.Contract;

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

/// <summary>
/// One destination for the direct forwarder. The counter and the connections outlive a change of the destination's configuration.
/// A backend connection serves one client connection only (<see cref="BackendConnections"/>): a backend that answers more than
/// it was asked (a body it ignored that held a second request, a late body after a HEAD answer) can then only ever answer the
/// client that sent it, never the next user. The target keeps the ones idle between two requests so that a retired release's
/// connections can be closed at once.
/// </summary>
internal sealed class DirectTarget
{
    private readonly ConcurrentDictionary<BackendConnection, byte> _parked = new();
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

    /// <summary>Keeps an idle connection on the target's books until its client's next request; false (and closed) when retired.</summary>
    public bool Park(BackendConnection connection)
    {
        if (!_retired && _parked.TryAdd(connection, 0) && !_retired) return true;
        _parked.TryRemove(connection, out _);
        connection.Dispose();
        return false;
    }

    /// <summary>Takes a parked connection back for a request; false when the target was retired meanwhile and closed it.</summary>
    public bool Unpark(BackendConnection connection) => _parked.TryRemove(connection, out _);

    internal void Retire()
    {
        _retired = true;
        foreach (var connection in _parked.Keys)
            if (_parked.TryRemove(connection, out _)) connection.Dispose();
    }
}

/// <summary>
/// The backend connections one client connection holds while idle, at most one per target (a client's requests go round-robin
/// over the route's destinations). Closed with the client connection.
/// </summary>
internal sealed class BackendConnections : IDisposable
{
    private readonly List<(DirectTarget Target, BackendConnection Connection)> _idle = [];

    /// <summary>This client's idle connection to the target if it is still fit to carry a request, else null: the caller connects.</summary>
    public BackendConnection? Take(DirectTarget target, IPEndPoint address)
    {
        var index = _idle.FindIndex(held => held.Target == target);
        if (index < 0) return null;
        var connection = _idle[index].Connection;
        _idle.RemoveAt(index);
        if (!target.Unpark(connection)) return null;
        if (connection.Address.Equals(address) && connection.IsUsable()) return connection;
        connection.Dispose();
        return null;
    }

    public void Keep(DirectTarget target, BackendConnection connection)
    {
        connection.MarkIdle();
        if (target.Park(connection)) _idle.Add((target, connection));
    }

    public void Dispose()
    {
        foreach (var (target, connection) in _idle)
            if (target.Unpark(connection)) connection.Dispose();
        _idle.Clear();
    }
}

/// <summary>A keep-alive connection to a backend, with the buffer its responses are read into.</summary>
internal sealed class BackendConnection : IDisposable
{
    public const int BufferSize = 16 * 1024;

    /// <summary>The longest response head read, as HttpClient's default (MaxResponseHeadersLength) allows on YARP's path.</summary>
    public const int MaxHead = 64 * 1024;

    /// <summary>The largest the buffer grows: a head of up to <see cref="MaxHead"/> and the first chunk's size line after it.</summary>
    public const int MaxBuffer = MaxHead + ChunkedBodyScanner.MaxLine + 1024;

    private BackendConnection(Socket socket, IPEndPoint address)
    {
        Socket = socket;
        Address = address;
    }

    public Socket Socket { get; }
    public IPEndPoint Address { get; }

    public byte[] Buffer { get; private set; } = new byte[BufferSize];

    /// <summary>Makes room for a response head longer than the buffer, keeping what it holds; up to <see cref="MaxBuffer"/>.</summary>
    public byte[] GrowBuffer()
    {
        var grown = new byte[Math.Min(Buffer.Length * 2, MaxBuffer)];
        Buffer.CopyTo(grown, 0);
        return Buffer = grown;
    }

    /// <summary>Whether it was used before: a request failing on it before any answer may be sent again on a new one.</summary>
    public bool Reused { get; private set; }

    public static async ValueTask<BackendConnection> ConnectAsync(IPEndPoint address, CancellationToken ct)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(address, ct);
            return new BackendConnection(socket, address);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void MarkIdle() => Reused = true;

    /// <summary>
    /// Whether an idle connection can carry a request: a readable socket means the backend closed it (gunicorn keeps an idle
    /// connection 2 s) or sent bytes nobody asked for, and either way the next answer read from it would not be this request's.
    /// </summary>
    public bool IsUsable()
    {
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
