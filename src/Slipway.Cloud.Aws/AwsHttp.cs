using System.Net;
using Amazon.Runtime.Signing;

namespace Slipway.Cloud.Aws;

/// <summary>
/// Sends signed requests to one AWS service: SigV4 signing from AWSSDK.Core, and retries with exponential
/// backoff and jitter on throttling, 5xx answers, dropped connections and timeouts.
/// </summary>
public sealed class AwsHttp : IDisposable
{
    internal const int MaxAttempts = 5;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;

    /// <param name="attemptTimeout">How long one attempt may wait for its answer before it is retried (default 60 s).</param>
    public AwsHttp(AwsSettings settings, string signingName, Uri endpoint, TimeProvider time, TimeSpan? attemptTimeout = null)
    {
        _time = time;
        Endpoint = endpoint;
        SigningName = signingName;
        var transport = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        _http = new HttpClient(new SigV4SigningHandler(settings.Credentials, settings.Region, signingName, transport))
        {
            BaseAddress = endpoint,
            Timeout = attemptTimeout ?? TimeSpan.FromSeconds(60),
        };
    }

    public Uri Endpoint { get; }

    /// <summary>The service's name in signatures, which is also its prefix in IAM actions (ecs, logs, dynamodb...).</summary>
    public string SigningName { get; }

    /// <summary>Sends the request built by <paramref name="build"/>, retrying transient failures; returns status and body.</summary>
    public async Task<(HttpStatusCode Status, string Body)> SendAsync(Func<HttpRequestMessage> build,
        Func<HttpStatusCode, string, AwsServiceException?> parseError, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var request = build();
                using var response = await _http.SendAsync(request, ct);
                var body = await response.Content.ReadAsStringAsync(ct);
                if (response.IsSuccessStatusCode) return (response.StatusCode, body);
                var error = parseError(response.StatusCode, body)
                            ?? new AwsServiceException(Endpoint.Host, "Http" + (int)response.StatusCode, body, (int)response.StatusCode);
                if (attempt < MaxAttempts && (error.IsThrottling || error.Status >= 500))
                {
                    await BackoffAsync(attempt, ct);
                    continue;
                }
                throw error;
            }
            catch (HttpRequestException) when (attempt < MaxAttempts)
            {
                await BackoffAsync(attempt, ct);
            }
            catch (HttpRequestException e)
            {
                throw new AwsUnreachableException(Endpoint, e);
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested && attempt < MaxAttempts)
            {
                // The attempt timed out, not the caller: every call Slipway makes is safe to repeat (reads,
                // overwrites, or calls carrying a client token that AWS runs once).
                await BackoffAsync(attempt, ct);
            }
            catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
            {
                throw new AwsUnreachableException(Endpoint, e);
            }
        }
    }

    private Task BackoffAsync(int attempt, CancellationToken ct)
    {
        var ceiling = Math.Min(20_000, 200 * Math.Pow(2, attempt));
        return Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling), _time, ct);
    }

    public void Dispose() => _http.Dispose();
}
