using System.Net.Http.Headers;
using System.Text;

namespace Slipway.Foundation.Networking;

/// <summary>
/// Posts a JSON event to a webhook: up to <see cref="Attempts"/> attempts, each bounded by <c>timeout</c>, with a short backoff
/// between them; a 4xx other than 408 and 429 ends it at once, since asking again will not help. Used by the CLI (deploy events)
/// and the scheduler (a job's failure).
/// </summary>
public static class WebhookDelivery
{
    public const int Attempts = 3;

    /// <summary>Returns null once delivered, else why the last attempt failed (never the URL: its path often carries a token).</summary>
    public static async Task<string?> PostAsync(Uri url, string json, TimeSpan timeout, TimeProvider time, CancellationToken ct)
    {
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan };
        string? problem = null;
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            using var timer = new CancellationTokenSource(timeout, time);
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct, timer.Token);
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
                // Credentials in the URL (https://user:token@hooks.example.com/...) are sent as curl sends them: Basic auth.
                if (url.UserInfo is { Length: > 0 } userInfo)
                    request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                        Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(userInfo))));
                using var response = await http.SendAsync(request, limit.Token);
                if (response.IsSuccessStatusCode) return null;
                problem = $"it answered {(int)response.StatusCode}";
                if ((int)response.StatusCode is >= 400 and < 500 and not 408 and not 429) break;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                problem = $"no answer within {Timing.Duration.Format(timeout)}";
            }
            catch (Exception e) when (e is HttpRequestException or InvalidOperationException or IOException)
            {
                problem = e.Message;
            }
            if (attempt < Attempts) await Task.Delay(TimeSpan.FromMilliseconds(250 * attempt), time, ct);
        }
        return problem;
    }
}
