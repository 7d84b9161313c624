using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;
using static Slipway.Edge.Http1Syntax;

using Slipway.Edge.Contract;

namespace Slipway.Edge;

/// <summary>
/// The edge's direct path for plain HTTP/1.1: a Kestrel connection middleware that forwards the common request (a well-formed
/// request to a route without a canary or maintenance) itself, byte for byte, to a pooled keep-alive connection to one of the
/// route's healthy destinations, without building the HttpContext, HttpRequestMessage and header collections that YARP's
/// path costs per request (measured in bench/README.md). Every other request hands the connection, at a request boundary and
/// with that request unread, to Kestrel's HTTP server and YARP, which answer it as they always did; so routing, health,
/// draining and the answers a client sees are YARP's, and only the cost differs.
/// </summary>
internal sealed class DirectForwarder(DirectRoutes routes, DirectTargets targets, IProxyStateLookup proxyState, TrafficMetrics metrics,
    AcmeChallenges challenges, IDestinationHealthUpdater health, TimeProvider time, ILogger<DirectForwarder> log)
{
    private IDestinationHealthUpdater Health { get; } = health;
    private DirectRoutes Routes { get; } = routes;
    private DirectTargets Targets { get; } = targets;
    private IProxyStateLookup ProxyState { get; } = proxyState;
    private TrafficMetrics Metrics { get; } = metrics;
    private AcmeChallenges Challenges { get; } = challenges;
    private TimeProvider Time { get; } = time;
    private ILogger<DirectForwarder> Log { get; } = log;

    /// <summary>Kestrel's own limits, so a request the direct path leaves gets the answer it would have had.</summary>
    public const int MaxHead = 32 * 1024;
    public static readonly TimeSpan HeadTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(130);

    /// <summary>YARP's default activity timeout: a backend silent this long gets the client a 504.</summary>
    public static readonly TimeSpan BackendTimeout = TimeSpan.FromSeconds(100);

    /// <summary>
    /// A destination that has not accepted the connection by then is taken as gone (a node lost with its tasks): the request,
    /// of which nothing was sent, goes to another healthy destination, as HAProxy's <c>option redispatch</c> does.
    /// </summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(3);

    /// <summary>How many other destinations a request whose connection failed is offered to before the client gets a 502.</summary>
    public const int MaxRedispatches = 2;

    /// <summary>
    /// Kestrel's MinRequestBodyDataRate: after a grace period, a request body must keep coming at this many bytes a second on
    /// average, or the client gets a 408 and the connection is closed; a client trickling a body cannot hold a backend connection.
    /// </summary>
    public const int MinBodyRate = 240;
    public static readonly TimeSpan BodyGrace = TimeSpan.FromSeconds(5);

    public async Task ServeAsync(ConnectionContext connection, Func<Task> fullPath)
    {
        var tls = connection.Features.Get<Microsoft.AspNetCore.Server.Kestrel.Core.Features.ITlsApplicationProtocolFeature>();
        // HTTP/2 (chosen in the TLS handshake) is Kestrel's to serve.
        if (connection.LocalEndPoint is not IPEndPoint local || !Routes.ServesPort(local.Port)
            || tls?.ApplicationProtocol.Span.SequenceEqual("h2"u8) == true)
        {
            await fullPath();
            return;
        }
        var session = new Session(this, connection, local.Port, https: tls is not null);
        bool handOff;
        try
        {
            handOff = await session.RunAsync();
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or ConnectionAbortedException)
        {
            Log.LogDebug(e, "direct connection {Id} ended", connection.ConnectionId);
            return;
        }
        finally
        {
            session.Dispose();
        }
        if (handOff) await fullPath();
    }

    private enum Phase { Waiting, Body, Backend, Streaming }

    /// <summary>One client connection on the direct path.</summary>
    private sealed class Session : IDisposable
    {
        private static readonly byte[] ForwardedFor = "X-Forwarded-For: "u8.ToArray();
        private static readonly byte[] ForwardedHttpAndHost = "X-Forwarded-Proto: http\r\nX-Forwarded-Host: "u8.ToArray();
        private static readonly byte[] ForwardedHttpsAndHost = "X-Forwarded-Proto: https\r\nX-Forwarded-Host: "u8.ToArray();
        private static readonly byte[] ConnectionClose = "Connection: close\r\n"u8.ToArray();
        private static readonly byte[] RequestTimeout = "HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray();

        private readonly DirectForwarder _owner;
        private readonly ConnectionContext _connection;
        private readonly PipeReader _input;
        private readonly PipeWriter _output;
        private readonly CancellationTokenSource _timer;
        private readonly CancellationTokenRegistration _onTimeout;
        private readonly CancellationTokenRegistration _onClosing;
        private readonly byte[] _clientAddress;
        private readonly int _port;
        private readonly byte[] _portLine;
        private readonly BackendConnections _connections = new();
        private readonly byte[] _forwardedProtoAndHost;
        private byte[] _send = new byte[4096];
        private byte[]? _headCopy;
        private volatile Phase _phase;
        private volatile BackendConnection? _backend;
        private volatile bool _closing;
        private volatile bool _timedOut;

        public Session(DirectForwarder owner, ConnectionContext connection, int port, bool https)
        {
            _forwardedProtoAndHost = https ? ForwardedHttpsAndHost : ForwardedHttpAndHost;
            _owner = owner;
            _connection = connection;
            _input = connection.Transport.Input;
            _output = connection.Transport.Output;
            _clientAddress = Encoding.ASCII.GetBytes(((connection.RemoteEndPoint as IPEndPoint)?.Address.ToString() ?? "unknown") + "\r\n");
            _port = port;
            _portLine = Encoding.ASCII.GetBytes($":{port}\r\n");
            _timer = new CancellationTokenSource(Timeout.InfiniteTimeSpan, owner.Time);
            _onTimeout = _timer.Token.Register(OnTimeout);
            _onClosing = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested.Register(OnClosing) ?? default;
        }

        /// <summary>Serves the connection's requests; true when it stopped at one to hand the connection to the full path.</summary>
        public async Task<bool> RunAsync()
        {
            var timeout = HeadTimeout;
            while (true)
            {
                _phase = Phase.Waiting;
                _timer.CancelAfter(timeout);
                timeout = IdleTimeout;
                var result = await _input.ReadAsync();
                ReadOnlySequence<byte> buffer;
                int headLength;
                var headStarted = false;
                while (true)
                {
                    buffer = result.Buffer;
                    // Kestrel's answers: a request whose head did not all come in time gets a 408, an idle connection just closes.
                    if (_timedOut)
                    {
                        if (!buffer.IsEmpty) await AnswerRequestTimeoutAsync();
                        return false;
                    }
                    if (buffer.IsEmpty && (result.IsCompleted || _closing)) return false;
                    if (!buffer.IsEmpty && buffer.FirstSpan[0] is < (byte)'A' or > (byte)'Z') return HandOff(buffer);
                    headLength = buffer.IsEmpty ? -1 : HeadLength(Contiguous(buffer));
                    if (headLength > 0) break;
                    // A line ended by a bare LF never ends the head the way this path looks for it: Kestrel refuses it at once.
                    if (buffer.Length >= MaxHead || result.IsCompleted || HasBareLineFeed(Contiguous(buffer))) return HandOff(buffer);
                    if (!buffer.IsEmpty && !headStarted)
                    {
                        headStarted = true; // as Kestrel does: once a request begins, its head must all come within the head timeout
                        _timer.CancelAfter(HeadTimeout);
                    }
                    _input.AdvanceTo(buffer.Start, buffer.End);
                    result = await _input.ReadAsync();
                }
                if (Prepare(Contiguous(buffer)[..headLength], out var request) is not { } plan) return HandOff(buffer);
                if (!await ForwardAsync(buffer, headLength, request, plan)) return false;
            }
        }

        private bool HandOff(ReadOnlySequence<byte> buffer)
        {
            _input.AdvanceTo(buffer.Start, buffer.Start);
            _timer.CancelAfter(Timeout.InfiniteTimeSpan);
            return true;
        }

        /// <summary>The start of the buffer as one span: Kestrel's blocks are 4 KiB, so a longer head is copied once.</summary>
        private ReadOnlySpan<byte> Contiguous(ReadOnlySequence<byte> buffer)
        {
            if (buffer.IsSingleSegment) return buffer.FirstSpan;
            _headCopy ??= new byte[MaxHead];
            var length = (int)Math.Min(buffer.Length, MaxHead);
            buffer.Slice(0, length).CopyTo(_headCopy);
            return _headCopy.AsSpan(0, length);
        }

        private readonly record struct RequestFacts(long ContentLength, bool Close, bool IsHead, bool Idempotent, int Length, int RequestLineLength);

        private readonly record struct Plan(DirectRoutes.Entry Route, DirectTarget Target, DirectTarget.Endpoint Endpoint, ClusterState Cluster,
            DestinationState Destination);

        /// <summary>The plan of the request in flight: the destination a redispatch moved it to, once it has.</summary>
        private Plan _active;

        /// <summary>Decides whether the direct path takes the request and, when it does, writes what the backend gets into the send buffer.</summary>
        private Plan? Prepare(ReadOnlySpan<byte> head, out RequestFacts facts)
        {
            facts = default;
            if (!Http1RequestHead.TryParse(head, out var request)) return null;
            if (_owner.Routes.Find(_port, request.HostName) is not { Direct: true } route) return null;
            if (_owner.Challenges.MayAnswer && request.Path.StartsWith("/.well-known/acme-challenge/"u8)) return null;
            if (!_owner.ProxyState.TryGetCluster(route.App, out var cluster)
                || cluster.Model.Config.Metadata?.ContainsKey(ProxyConfigBuilder.CanaryVersionMetadata) == true)
                return null;
            var healthy = cluster.DestinationsState.AvailableDestinations;
            if (healthy.Count == 0) return null;
            var destination = healthy[route.NextIndex(healthy.Count)];
            if (_owner.Targets.For(destination) is not { } target) return null;
            var endpoint = target.Current;
            facts = new RequestFacts(request.ContentLength, request.Close, request.IsHead, request.Idempotent, Write(head, request, endpoint),
                request.RequestLineLength);
            return new Plan(route, target, endpoint, cluster, destination);
        }

        /// <summary>The request as the backend gets it: its line and fields, the destination's Host, and X-Forwarded-* as YARP sets them.</summary>
        private int Write(ReadOnlySpan<byte> head, in Http1RequestHead request, DirectTarget.Endpoint endpoint)
        {
            var needed = head.Length + endpoint.HostLine.Length + ForwardedFor.Length + _clientAddress.Length + _forwardedProtoAndHost.Length
                + request.HostName.Length + _portLine.Length + 2;
            if (_send.Length < needed) _send = new byte[Math.Max(needed, _send.Length * 2)];
            var output = _send.AsSpan();
            var at = Append(output, 0, head[..request.RequestLineLength]);
            at = Append(output, at, endpoint.HostLine);
            var lines = new FieldLines(head[request.RequestLineLength..]);
            while (lines.MoveNext())
                if (Http1RequestHead.IsCopied(FieldLines.NameOf(lines.Current))) at = Append(output, Append(output, at, lines.Current), CrLf);
            at = Append(output, at, ForwardedFor);
            at = Append(output, at, _clientAddress);
            at = Append(output, at, _forwardedProtoAndHost);
            at = Append(output, at, request.HostName);
            at = Append(output, at, _portLine);
            return Append(output, at, CrLf);
        }

        private static int Append(Span<byte> output, int at, ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(output[at..]);
            return at + bytes.Length;
        }

        /// <summary>Forwards one request and its answer; false when the client connection is to be closed after it.</summary>
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        private async ValueTask<bool> ForwardAsync(ReadOnlySequence<byte> buffer, int headLength, RequestFacts request, Plan plan)
        {
            // The part of the body that came with the head goes in the same write as the head.
            var bodyHere = (int)Math.Min(request.ContentLength, Math.Min(buffer.Length - headLength, 64 * 1024));
            var sendLength = request.Length;
            if (bodyHere > 0)
            {
                if (_send.Length < sendLength + bodyHere) Array.Resize(ref _send, sendLength + bodyHere);
                buffer.Slice(headLength, bodyHere).CopyTo(_send.AsSpan(sendLength));
                sendLength += bodyHere;
            }
            _input.AdvanceTo(buffer.GetPosition(headLength + bodyHere));
            var bodyLeft = request.ContentLength - bodyHere;

            var started = _owner.Time.GetTimestamp();
            plan.Target.Started();
            _active = plan;
            int status;
            bool keepOpen;
            try
            {
                _phase = Phase.Backend;
                _timer.CancelAfter(BackendTimeout);
                (status, keepOpen) = await ExchangeAsync(plan, sendLength, bodyLeft, request);
            }
            finally
            {
                _active.Target.Finished();
                _backend = null;
            }
            _owner.Metrics.Record(_active.Route.App, _active.Endpoint.Version, status, _owner.Time.GetElapsedTime(started));
            return keepOpen && !_closing;
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        private async ValueTask<(int Status, bool KeepOpen)> ExchangeAsync(Plan plan, int sendLength, long bodyLeft, RequestFacts request)
        {
            var backend = _connections.Take(plan.Target, plan.Endpoint.Address);
            var redispatches = 0;
            int filled;
            while (true)
            {
                try
                {
                    backend ??= await ConnectAsync(plan.Endpoint.Address);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
                {
                    _owner.Log.LogDebug("direct: cannot connect to {Address}: {Error}", plan.Endpoint.Address, e.Message);
                    // Nothing of the request reached the destination: any request may go to another one.
                    if (!_timedOut && !_closing && redispatches++ < MaxRedispatches
                        && Redispatch(ref plan, ref sendLength, request.RequestLineLength, takeOut: true))
                    {
                        backend = _connections.Take(plan.Target, plan.Endpoint.Address);
                        continue;
                    }
                    return await FailAsync(bodyLeft == 0);
                }
                _backend = backend;
                try
                {
                    await backend.Socket.SendAsync(_send.AsMemory(0, sendLength), SocketFlags.None);
                    if (bodyLeft > 0 && !await SendBodyAsync(backend, bodyLeft))
                    {
                        backend.Dispose();
                        // The client left mid-body, or sent it too slowly.
                        if (_timedOut) await AnswerRequestTimeoutAsync();
                        return (_timedOut ? 408 : 400, false);
                    }
                    filled = await backend.Socket.ReceiveAsync(backend.Buffer, SocketFlags.None);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    filled = 0;
                }
                if (filled > 0) break;
                backend.Dispose();
                // The connection closed before any answer: send the request again, only an idempotent one (the backend may have
                // acted on it before closing). A kept-alive connection the backend closed meanwhile: once, on a new one to the
                // same destination; a new connection: once, to another destination, as the backend is likely going away (its
                // task stopped). That destination is not taken out: a client's request could be what makes backends close.
                if (bodyLeft == 0 && request.Idempotent && !_timedOut && !_closing)
                {
                    var again = backend.Reused;
                    backend = null;
                    if (again) continue;
                    if (redispatches++ == 0 && Redispatch(ref plan, ref sendLength, request.RequestLineLength, takeOut: false))
                    {
                        backend = _connections.Take(plan.Target, plan.Endpoint.Address);
                        continue;
                    }
                }
                return await FailAsync(bodyLeft == 0);
            }
            return await RelayResponseAsync(plan, backend, filled, request);
        }

        /// <summary>A new connection to a destination, given up after <see cref="ConnectTimeout"/> (or the backend timeout, if sooner).</summary>
        private async ValueTask<BackendConnection> ConnectAsync(IPEndPoint address)
        {
            using var limit = new CancellationTokenSource(ConnectTimeout, _owner.Time);
            using var either = CancellationTokenSource.CreateLinkedTokenSource(_timer.Token, limit.Token);
            return await BackendConnection.ConnectAsync(address, either.Token);
        }

        /// <summary>
        /// Moves the request to another healthy destination of the route: the Host line the request was written with is replaced
        /// by the new destination's. False when there is none.
        /// </summary>
        /// <param name="takeOut">The destination refused the connection: it is marked unhealthy until its next probe.</param>
        private bool Redispatch(ref Plan plan, ref int sendLength, int requestLineLength, bool takeOut)
        {
            var failed = plan;
            var interval = failed.Cluster.Model.Config.HealthCheck?.Active?.Interval ?? TimeSpan.FromSeconds(5);
            if (takeOut) _owner.Health.SetPassive(failed.Cluster, failed.Destination, DestinationHealth.Unhealthy, interval);
            var available = failed.Cluster.DestinationsState.AvailableDestinations;
            DestinationState? next = null;
            for (var i = 0; i < available.Count && next is null; i++)
            {
                var candidate = available[failed.Route.NextIndex(available.Count)];
                if (!ReferenceEquals(candidate, failed.Destination)) next = candidate;
            }
            if (next is null || _owner.Targets.For(next) is not { } target) return false;
            var endpoint = target.Current;
            var (oldHost, newHost) = (failed.Endpoint.HostLine, endpoint.HostLine);
            var needed = sendLength - oldHost.Length + newHost.Length;
            if (_send.Length < needed) Array.Resize(ref _send, needed);
            var tail = sendLength - requestLineLength - oldHost.Length;
            _send.AsSpan(requestLineLength + oldHost.Length, tail).CopyTo(_send.AsSpan(requestLineLength + newHost.Length)); // overlapping: a memmove
            newHost.CopyTo(_send.AsSpan(requestLineLength));
            sendLength = needed;
            failed.Target.Finished();
            target.Started();
            plan = _active = new Plan(failed.Route, target, endpoint, failed.Cluster, next);
            _owner.Log.LogInformation("direct: {Failed} did not take the request; it went to {Next}", failed.Endpoint.Address, endpoint.Address);
            return true;
        }

        /// <summary>Passes the rest of the body on as it comes; false when the client left, or was too slow (then the session has timed out).</summary>
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        private async ValueTask<bool> SendBodyAsync(BackendConnection backend, long left)
        {
            _phase = Phase.Body;
            var started = _owner.Time.GetTimestamp();
            long received = 0;
            while (left > 0)
            {
                var allowed = BodyGrace + TimeSpan.FromSeconds((double)received / MinBodyRate) - _owner.Time.GetElapsedTime(started);
                _timer.CancelAfter(allowed > TimeSpan.Zero ? allowed : TimeSpan.Zero);
                var result = await _input.ReadAsync();
                var buffer = result.Buffer;
                if (_timedOut) return false;
                if (buffer.IsEmpty)
                {
                    if (result.IsCompleted) return false;
                    continue;
                }
                var take = buffer.Slice(0, Math.Min(buffer.Length, left));
                foreach (var segment in take) await backend.Socket.SendAsync(segment, SocketFlags.None);
                left -= take.Length;
                received += take.Length;
                _input.AdvanceTo(take.End);
            }
            _phase = Phase.Backend;
            _timer.CancelAfter(BackendTimeout);
            return true;
        }

        /// <summary>Reads the backend's answer and passes it on; the connection goes back to the pool when its message ended cleanly.</summary>
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        private async ValueTask<(int Status, bool KeepOpen)> RelayResponseAsync(Plan plan, BackendConnection backend, int filled, RequestFacts request)
        {
            var bytes = backend.Buffer;
            int headLength;
            Http1ResponseHead response;
            ChunkedBodyScanner? scanner = null;
            var scanned = 0;
            try
            {
                while (true)
                {
                    headLength = ResponseHeadLength(bytes.AsSpan(0, filled));
                    if (headLength < 0)
                    {
                        if (filled == bytes.Length)
                        {
                            if (bytes.Length >= BackendConnection.MaxHead) return await BadGatewayAsync(backend, "its response head is over 64 KiB");
                            bytes = backend.GrowBuffer();
                        }
                        var read = await backend.Socket.ReceiveAsync(bytes.AsMemory(filled), SocketFlags.None);
                        if (read == 0) return await BadGatewayAsync(backend, "it closed the connection mid-head");
                        filled += read;
                        continue;
                    }
                    if (!Http1ResponseHead.TryParse(bytes.AsSpan(0, headLength), request.IsHead, out response) || response.Status == 101)
                        return await BadGatewayAsync(backend, "its response head is malformed");
                    if (response.Status >= 200) break;
                    // An interim answer (100, 103): YARP does not pass these on either.
                    Buffer.BlockCopy(bytes, headLength, bytes, 0, filled - headLength);
                    filled -= headLength;
                }
                if (response.Framing == BodyFraming.Chunked)
                {
                    // HttpClient reads the first chunk's size line before YARP begins the answer, so a body that is not chunked
                    // after all is a 502 there; here too, rather than an answer cut short.
                    scanner = new ChunkedBodyScanner();
                    scanned = headLength;
                    while (true)
                    {
                        var used = scanner.Scan(bytes.AsSpan(scanned, filled - scanned));
                        if (used < 0) return await BadGatewayAsync(backend, "its chunked body is malformed");
                        scanned += used;
                        if (scanner.FirstLineRead || scanner.IsDone) break;
                        if (filled == bytes.Length)
                        {
                            if (bytes.Length >= BackendConnection.MaxBuffer) return await BadGatewayAsync(backend, "its first chunk line is too long");
                            bytes = backend.GrowBuffer();
                        }
                        var read = await backend.Socket.ReceiveAsync(bytes.AsMemory(filled), SocketFlags.None);
                        if (read == 0) return await BadGatewayAsync(backend, "it closed the connection before its first chunk");
                        filled += read;
                    }
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                backend.Dispose();
                return await FailAsync(true);
            }

            var keepOpen = !request.Close && response.Framing != BodyFraming.UntilClose && !_closing;
            WriteHead(bytes.AsSpan(0, headLength), keepOpen, plan.Endpoint.VersionLine);
            _phase = Phase.Streaming;
            var reusable = response.KeepAlive;
            var here = filled - headLength;
            try
            {
                switch (response.Framing)
                {
                    case BodyFraming.None:
                        reusable &= here == 0;
                        if (!await FlushAsync()) reusable = keepOpen = false;
                        break;
                    case BodyFraming.ContentLength:
                    {
                        var left = response.ContentLength;
                        var take = (int)Math.Min(here, left);
                        _output.Write(bytes.AsSpan(headLength, take));
                        left -= take;
                        reusable &= here == take;
                        if (!await FlushAsync()) { reusable = keepOpen = false; break; }
                        while (left > 0)
                        {
                            _timer.CancelAfter(BackendTimeout);
                            var read = await backend.Socket.ReceiveAsync(bytes, SocketFlags.None);
                            if (read == 0) throw new IOException("the backend closed the connection mid-body");
                            take = (int)Math.Min(read, left);
                            _output.Write(bytes.AsSpan(0, take));
                            left -= take;
                            reusable &= read == take;
                            if (!await FlushAsync()) { reusable = keepOpen = false; break; }
                        }
                        break;
                    }
                    case BodyFraming.Chunked:
                    {
                        // What came with the head was scanned already; the rest is scanned as it comes.
                        _output.Write(bytes.AsSpan(headLength, scanned - headLength));
                        var (at, end) = (scanned, filled);
                        while (true)
                        {
                            if (!await FlushAsync()) { reusable = keepOpen = false; break; }
                            if (scanner!.IsDone)
                            {
                                reusable &= at == end;
                                break;
                            }
                            _timer.CancelAfter(BackendTimeout);
                            end = await backend.Socket.ReceiveAsync(bytes, SocketFlags.None);
                            if (end == 0) throw new IOException("the backend closed the connection mid-body");
                            at = scanner.Scan(bytes.AsSpan(0, end));
                            if (at < 0) throw new IOException("the backend's chunked body is malformed");
                            _output.Write(bytes.AsSpan(0, at));
                        }
                        break;
                    }
                    case BodyFraming.UntilClose:
                    {
                        _output.Write(bytes.AsSpan(headLength, here));
                        while (await FlushAsync())
                        {
                            _timer.CancelAfter(BackendTimeout);
                            var read = await backend.Socket.ReceiveAsync(bytes, SocketFlags.None);
                            if (read == 0) break;
                            _output.Write(bytes.AsSpan(0, read));
                        }
                        reusable = keepOpen = false;
                        break;
                    }
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
            {
                // The answer had begun: the client can only see it cut short, as YARP does by aborting.
                _owner.Log.LogDebug("direct: the response from {Address} broke off: {Error}", backend.Address, e.Message);
                backend.Dispose();
                _connection.Abort();
                return (response.Status, false);
            }
            if (reusable && !_timedOut)
            {
                _backend = null;
                _connections.Keep(plan.Target, backend);
            }
            else
            {
                backend.Dispose();
            }
            return (response.Status, keepOpen);
        }

        /// <summary>The backend's head as the client gets it: HTTP/1.1, without connection-level fields, named by the release that answered.</summary>
        private void WriteHead(ReadOnlySpan<byte> head, bool keepOpen, byte[]? versionLine)
        {
            // Every line goes out ending with CRLF, also one that came with a LF alone: room for a CR per line.
            var output = _output.GetSpan(2 * head.Length + (versionLine?.Length ?? 0) + ConnectionClose.Length);
            var next = ResponseLine(head, out var statusLine);
            var at = Append(output, 0, "HTTP/1.1"u8);
            at = Append(output, Append(output, at, statusLine[8..]), CrLf);
            var lines = new FieldLines(head[next..], lineFeedEnds: true);
            while (lines.MoveNext())
            {
                var name = FieldLines.NameOf(lines.Current);
                if (!Http1ResponseHead.IsCopied(name) || Http1ResponseHead.IsDropped(lines.Current)) continue;
                // Whitespace before the colon is removed before the field is passed on, as RFC 9112 (5.1) requires of a proxy.
                at = Append(output, at, name);
                at = Append(output, Append(output, at, lines.Current[lines.Current.IndexOf((byte)':')..]), CrLf);
            }
            if (versionLine is not null) at = Append(output, at, versionLine);
            if (!keepOpen) at = Append(output, at, ConnectionClose);
            at = Append(output, at, CrLf);
            _output.Advance(at);
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        private async ValueTask<bool> FlushAsync()
        {
            var result = await _output.FlushAsync();
            return !result.IsCompleted && !result.IsCanceled;
        }

        /// <summary>No answer came: 504 when the backend stayed silent past the timeout, else 502, as YARP answers.</summary>
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        private async ValueTask<(int Status, bool KeepOpen)> FailAsync(bool requestWasRead)
        {
            var status = _timedOut ? 504 : 502;
            var keepOpen = requestWasRead && !_timedOut && !_closing;
            _output.Write(status == 504 ? "HTTP/1.1 504 Gateway Timeout\r\n"u8 : "HTTP/1.1 502 Bad Gateway\r\n"u8);
            _output.Write("Content-Length: 0\r\n"u8);
            if (!keepOpen) _output.Write(ConnectionClose);
            _output.Write(CrLf);
            await FlushAsync();
            return (status, keepOpen);
        }

        private ValueTask<(int Status, bool KeepOpen)> BadGatewayAsync(BackendConnection backend, string why)
        {
            _owner.Log.LogWarning("the backend at {Address} broke HTTP/1.1: {Why}; the client got a 502", backend.Address, why);
            backend.Dispose();
            return FailAsync(true);
        }

        /// <summary>A client too slow with its head or body gets a 408, as from Kestrel; its read is woken to write it.</summary>
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        private async ValueTask<bool> AnswerRequestTimeoutAsync()
        {
            _output.Write(RequestTimeout);
            return await FlushAsync();
        }

        private void OnTimeout()
        {
            _timedOut = true;
            if (_phase is Phase.Waiting or Phase.Body) _input.CancelPendingRead();
            else if (_phase == Phase.Streaming) _connection.Abort();
            _backend?.Dispose();
        }

        /// <summary>The server is stopping or the port closing: an idle connection ends now, a busy one after its answer.</summary>
        private void OnClosing()
        {
            _closing = true;
            if (_phase == Phase.Waiting) _input.CancelPendingRead();
        }

        public void Dispose()
        {
            _connections.Dispose();
            _onClosing.Dispose();
            _onTimeout.Dispose();
            _timer.Dispose();
        }
    }
}
