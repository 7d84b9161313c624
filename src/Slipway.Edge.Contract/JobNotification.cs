using System.Text.Json;
using System.Text.Json.Serialization;

namespace Slipway.Edge.Contract;

/// <summary>
/// Where the scheduler posts a job's failure: the app's <c>notify:</c> webhook, resolved by the CLI at deploy. It is kept as a
/// file (mode 0600) in the job's template container, read by the scheduler through the engine: never a label or a variable, since
/// a webhook's URL often carries a token, and never in a run (a run is made from the template's configuration, not its files).
/// </summary>
/// <param name="Since">Runs started before it are not notified (they failed before there was anyone to tell).</param>
public sealed record JobNotification(Uri Webhook, int TimeoutSeconds, DateTimeOffset Since)
{
    /// <summary>The template's label saying it carries a notification (the scheduler reads the file only then).</summary>
    public const string Label = "slipway.job.notify";
    public const string Folder = "/";
    public const string FileName = ".slipway-notify.json";
    /// <summary>A file put in a run once its failure was posted, so a restarted scheduler never posts it twice.</summary>
    public const string NotifiedFileName = ".slipway-notified";

    public string ToJson() => JsonSerializer.Serialize(this, EdgeContractJson.Default.JobNotification);

    public static JobNotification? FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, EdgeContractJson.Default.JobNotification);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>What a webhook receives when a run of a scheduled job fails or times out. Never a secret: names, times and the exit code.</summary>
public sealed record JobFailedEvent(
    string Event, string App, string Job, string Run, string Trigger, string? Version, string Result, int ExitCode,
    DateTimeOffset? StartedAt, DateTimeOffset FinishedAt, DateTimeOffset At)
{
    public string ToJson() => JsonSerializer.Serialize(this, EdgeContractJson.Default.JobFailedEvent);
}

/// <summary>A finished run's result as <c>slipway jobs</c> and a notification name it.</summary>
public static class JobResults
{
    public static string Of(int exitCode, DateTimeOffset? started, DateTimeOffset finished, TimeSpan timeout) =>
        exitCode == 0 ? "succeeded"
        : exitCode == 137 && started is { } at && finished - at >= timeout ? "timed out"
        : $"failed (exit {exitCode})";
}
