using Slipway.Cloud.Aws;
using Slipway.Configuration;

namespace Slipway.Platforms.Aws;

/// <summary>The app's CloudWatch Logs, as <c>slipway logs</c> shows them.</summary>
internal sealed class AwsLogs(LogsClient logs, TimeProvider time)
{
    /// <summary>
    /// CloudWatch Logs of the app's group; the replica is the task's log stream (<c>app/container/task</c>, the container
    /// named after the app for the web process and after the process for a worker). Following polls every 2 s.
    /// </summary>
    public async Task StreamAsync(AppManifest app, LogQuery query, Action<LogLine> onLine, CancellationToken ct)
    {
        var group = StackTemplate.LogGroupName(app);
        long? start = query.Since is { } window ? (time.GetUtcNow() - window).ToUnixTimeMilliseconds() : null;
        while (true)
        {
            var events = await logs.FilterAsync(group, start, query.Process is { } process ? $"{app.App}/{process}/" : null, ct);
            var shown = query.Tail is { } tail && start is null ? events.TakeLast(tail) : events;
            foreach (var e in shown.OrderBy(e => e.Timestamp))
            {
                var stream = e.LogStreamName ?? "?";
                onLine(new LogLine(DateTimeOffset.FromUnixTimeMilliseconds(e.Timestamp), Replica(app, stream), e.Message?.TrimEnd() ?? ""));
            }
            if (!query.Follow) return;
            if (events.Count > 0) start = events.Max(e => e.Timestamp) + 1;
            await Task.Delay(StackOperations.PollInterval, time, ct);
        }
    }

    /// <summary>The web process's task by its ID; a worker's as process/task.</summary>
    private static string Replica(AppManifest app, string stream) =>
        stream.Split('/') is [_, var container, .., var task] && container != StackTemplate.ContainerName(app) ? $"{container}/{task}" : stream[(stream.LastIndexOf('/') + 1)..];
}
