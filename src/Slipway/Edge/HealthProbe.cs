using System.Net.Sockets;

namespace Slipway.Edge;

/// <summary>One HTTP GET of a target's health path: healthy on 2xx or 3xx within the timeout, as a load balancer judges it.</summary>
public sealed class HealthProbe(HttpClient http)
{
    public static HttpClient CreateClient() => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        PooledConnectionLifetime = TimeSpan.Zero, // a fresh connection per probe, as an ALB probes
        ConnectTimeout = TimeSpan.FromSeconds(5),
    }) { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>Null when healthy, else why not.</summary>
    public async Task<string?> CheckAsync(string address, string path, TimeSpan timeout, CancellationToken ct)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
        attempt.CancelAfter(timeout);
        try
        {
            using var response = await http.GetAsync(new Uri(new Uri(address), path), HttpCompletionOption.ResponseHeadersRead, attempt.Token);
            var status = (int)response.StatusCode;
            return status is >= 200 and < 400 ? null : $"{path} answered HTTP {status}";
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return $"{path} did not answer within {Common.Duration.Format(timeout)}";
        }
        catch (HttpRequestException e)
        {
            return e.InnerException is SocketException socket ? $"connection failed: {socket.SocketErrorCode}" : $"request failed: {e.Message}";
        }
    }
}
