using System.Net;
using System.Net.Sockets;

namespace Slipway.Pipeline;

/// <summary>The public URL answered 200; the version is the one the edge says served the answer.</summary>
public sealed record CheckResult(int Attempts, string? ServingVersion);

/// <summary>
/// A deploy's last stage: GET the public URL until it answers 200. For the local platform the
/// connection goes to loopback whatever the URL's host name, so a routed host name needs no DNS entry.
/// </summary>
/// <param name="versionHeader">The response header naming the release that answered (the platform's proxy adds it); null: none.</param>
public sealed class HttpCheck(TimeProvider time, string? versionHeader = null)
{
    public async Task<CheckResult?> RunAsync(Uri url, IPAddress? connectTo, int tries, TimeSpan interval, CancellationToken ct)
    {
        using var handler = new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.Zero };
        if (connectTo is not null)
        {
            // Our own edge on this machine, whose certificate the deploy checked itself: it may be one no CA signed.
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
            handler.ConnectCallback = async (context, token) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(connectTo, context.DnsEndPoint.Port), token);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        for (var attempt = 1; attempt <= tries; attempt++)
        {
            try
            {
                using var response = await http.GetAsync(url, ct);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    var version = versionHeader is not null && response.Headers.TryGetValues(versionHeader, out var values) ? values.FirstOrDefault() : null;
                    return new CheckResult(attempt, version);
                }
            }
            catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !ct.IsCancellationRequested))
            {
                // not up yet: try again
            }
            if (attempt < tries) await Task.Delay(interval, time, ct);
        }
        return null;
    }
}
