using System.Text.Json;
using System.Text.Json.Serialization;
using Slipway.Foundation;
using Slipway.Foundation.Networking;
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
        var problem = await WebhookDelivery.PostAsync(url, JsonSerializer.Serialize(deployEvent, CliLineJson.Default.DeployEvent), spec.Timeout, time, CancellationToken.None);
        if (problem is null) return;
        warn(redactor.Redact($"the notification to {Configuration.Webhooks.Display(url)} was not delivered after {WebhookDelivery.Attempts} attempt(s): {problem}"));
    }
}
