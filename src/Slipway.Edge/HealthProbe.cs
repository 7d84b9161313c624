using System.Net.Sockets;

using Slipway.Edge.Contract;

namespace Slipway.Edge;

/// <summary>How one probe went: healthy, an HTTP answer that is not, no answer in time, or no connection.</summary>
public enum ProbeKind { Healthy, HttpStatus, TimedOut, NoConnection }

public sealed record ProbeResult(ProbeKind Kind, int? Status, string Description)
{
    public bool Healthy => Kind == ProbeKind.Healthy;
}

/// <summary>One HTTP GET of a target's health path: healthy on 2xx or 3xx within the timeout, as a load balancer judges it.</summary>
internal sealed class HealthProbe(HttpClient http)
{
    public static HttpClient CreateClient() => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        PooledConnectionLifetime = TimeSpan.Zero, // a fresh connection per probe, as an ALB probes
        ConnectTimeout = TimeSpan.FromSeconds(5),
    }) { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>
    /// The URL probed: the path is appended to the target's own address, never resolved against it, so a path
    /// such as <c>//elsewhere/</c> cannot send the probe to another host.
    /// </summary>
    public static Uri ProbeUri(string address, string path) => new(address.TrimEnd('/') + "/" + path.TrimStart('/'));

    public async Task<ProbeResult> CheckAsync(string address, string path, TimeSpan timeout, CancellationToken ct)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
        attempt.CancelAfter(timeout);
        try
        {
            using var response = await http.GetAsync(ProbeUri(address, path), HttpCompletionOption.ResponseHeadersRead, attempt.Token);
            var status = (int)response.StatusCode;
            return status is >= 200 and < 400
                ? new ProbeResult(ProbeKind.Healthy, status, $"{path} answered HTTP {status}")
                : new ProbeResult(ProbeKind.HttpStatus, status, $"{path} answered HTTP {status}");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new ProbeResult(ProbeKind.TimedOut, null, $"{path} did not answer within {Slipway.Foundation.Timing.Duration.Format(timeout)}");
        }
        catch (HttpRequestException e)
        {
            return new ProbeResult(ProbeKind.NoConnection, null,
                e.InnerException is SocketException socket ? $"connection failed: {socket.SocketErrorCode}" : $"request failed: {e.Message}");
        }
    }
}
