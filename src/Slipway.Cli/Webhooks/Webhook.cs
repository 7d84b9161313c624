using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Slipway.Foundation;
using Slipway.Foundation.Redaction;
using Slipway.Foundation.Timing;
using Slipway.Configuration;

namespace Slipway.Cli.Webhooks;

/// <summary>What a webhook receives: one run of a command that changes what serves. Never a secret: only names, versions and a redacted reason.</summary>
public sealed record DeployEvent(
    string Event, string App, string Environment, string Platform, string? Version, string? PreviousVersion,
    string User, string Host, double DurationSeconds, string? Reason, DateTimeOffset At);

/// <summary>
/// Posts a <see cref="DeployEvent"/> as JSON: up to three attempts, each bounded by the manifest's timeout,
/// with a short backoff between them. A delivery that fails is a warning, never the command's failure.
/// </summary>
public sealed class Webhook(TimeProvider time)
{
    public const int Attempts = 3;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>The event's name for a run's result: deployed, rejected, rolled back, destroyed, or "&lt;action&gt; failed".</summary>
    public static string EventFor(string action, string result, ErrorCode? error) => (action, result) switch
    {
        ("deploy", "succeeded") => "deployed",
        ("deploy", _) when error == ErrorCode.ReleaseUnhealthy => "rejected",
        ("rollback", "succeeded") => "rolled back",
        ("destroy", "succeeded") => "destroyed",
        (_, "cancelled") => $"{action} cancelled",
        _ => $"{action} failed",
    };

    public async Task SendAsync(NotifySpec spec, DeployEvent deployEvent, Action<string> warn, Redactor redactor, Func<string, string?> environment)
    {
        var url = spec.Webhook;
        if (url is null && !Configuration.Webhooks.TryParse(environment(spec.WebhookFromEnv!) ?? "", out url))
        {
            warn($"notify.webhookFromEnv: {spec.WebhookFromEnv} does not hold an http:// or https:// URL: no notification was sent");
            return;
        }
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan };
        string? problem = null;
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            using var limit = new CancellationTokenSource(spec.Timeout, time);
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(deployEvent, options: Json) };
                // Credentials in the URL (https://user:token@hooks.example.com/...) are sent as curl sends them: Basic auth.
                if (url.UserInfo is { Length: > 0 } userInfo)
                    request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
                        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Uri.UnescapeDataString(userInfo))));
                using var response = await http.SendAsync(request, limit.Token);
                if (response.IsSuccessStatusCode) return;
                problem = $"it answered {(int)response.StatusCode}";
                if ((int)response.StatusCode is >= 400 and < 500 and not 408 and not 429) break; // asking again will not help
            }
            catch (OperationCanceledException)
            {
                problem = $"no answer within {Duration.Format(spec.Timeout)}";
            }
            catch (Exception e) when (e is HttpRequestException or InvalidOperationException or IOException)
            {
                problem = e.Message;
            }
            if (attempt < Attempts) await Task.Delay(TimeSpan.FromMilliseconds(250 * attempt), time);
        }
        warn(redactor.Redact($"the notification to {Configuration.Webhooks.Display(url)} was not delivered after {Attempts} attempt(s): {problem}"));
    }
}
