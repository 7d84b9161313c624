using Slipway.Edge.Contract;
using Slipway.Engine;
using Slipway.Foundation.Networking;

namespace Slipway.Edge;

/// <summary>
/// Posts each failed or timed-out scheduled run of a job whose template carries a notification (<see cref="JobNotification"/>) to its
/// webhook, once: the post runs beside the scheduler's ticks (a slow webhook never delays a job), and a file put in the run
/// afterwards tells a restarted scheduler it was posted. A webhook that fails three times is logged, never retried again.
/// </summary>
public sealed class JobFailureNotifier(DockerEngine engine, TimeProvider time, Action<string> log)
{
    /// <summary>Each job's runs already looked at (kept only while the run exists: a scheduler runs for months).</summary>
    private readonly Dictionary<(string App, string Job), HashSet<string>> _settled = [];
    private readonly Dictionary<string, JobNotification?> _notifications = [];
    private readonly List<Task> _deliveries = [];

    /// <summary>Looks at the job's finished runs not yet settled, and starts a post for each new failure.</summary>
    public async Task CheckAsync(JobDefinition job, ContainerSummary template, IReadOnlyList<ContainerSummary> runs, CancellationToken ct)
    {
        if (!template.Labels.ContainsKey(JobNotification.Label)) return;
        if (!_settled.TryGetValue((job.App, job.Name), out var settled)) _settled[(job.App, job.Name)] = settled = [];
        settled.IntersectWith(runs.Select(r => r.Id));
        foreach (var run in runs.Where(r => r.State is "exited" or "dead" && !settled.Contains(r.Id)))
        {
            var started = JobLabels.ParseTime(run.Labels.GetValueOrDefault(JobLabels.Started));
            // A run by hand (slipway jobs run) showed its result to whoever ran it.
            if (run.Labels.GetValueOrDefault(JobLabels.Trigger) == "manual"
                || await NotificationAsync(template.Id, ct) is not { } notification || started is null || started < notification.Since
                || await engine.InspectContainerAsync(run.Id, ct) is not { FinishedAt: { } finished } details || details.ExitCode == 0
                || await HasFileAsync(run.Id, JobNotification.NotifiedFileName, ct))
            {
                settled.Add(run.Id);
                continue;
            }
            settled.Add(run.Id);
            var failed = new JobFailedEvent("job failed", job.App, job.Name, run.Name, run.Labels.GetValueOrDefault(JobLabels.Trigger, "schedule"),
                run.Labels.GetValueOrDefault("slipway.version"), JobResults.Of(details.ExitCode, started, finished, job.Timeout), details.ExitCode,
                started, finished, time.GetUtcNow());
            lock (_deliveries)
            {
                _deliveries.RemoveAll(d => d.IsCompleted);
                _deliveries.Add(DeliverAsync(notification, failed, run.Id, ct));
            }
        }
    }

    /// <summary>Every post started so far, finished (tests, and a scheduler stopping).</summary>
    public Task DeliveredAsync()
    {
        lock (_deliveries) return Task.WhenAll(_deliveries.ToList());
    }

    private async Task DeliverAsync(JobNotification notification, JobFailedEvent failed, string runId, CancellationToken ct)
    {
        await Task.Yield();
        var target = $"{notification.Webhook.Scheme}://{notification.Webhook.Host}";
        var problem = await WebhookDelivery.PostAsync(notification.Webhook, failed.ToJson(), TimeSpan.FromSeconds(notification.TimeoutSeconds), time, ct);
        log(problem is null
            ? $"{failed.App}/{failed.Job}: run {failed.Run} {failed.Result}: notified {target}"
            : $"{failed.App}/{failed.Job}: run {failed.Run} {failed.Result}: the notification to {target} was not delivered after {WebhookDelivery.Attempts} attempt(s): {problem}");
        try
        {
            await engine.PutPrivateFileAsync(runId, JobNotification.Folder, JobNotification.NotifiedFileName, JobLabels.Format(time.GetUtcNow()), ct);
        }
        catch (Exception e) when (e is EngineApiException or HttpRequestException or IOException)
        {
            // The run was removed meanwhile (pruned): nothing left to mark.
        }
    }

    private async Task<JobNotification?> NotificationAsync(string templateId, CancellationToken ct)
    {
        if (_notifications.TryGetValue(templateId, out var known)) return known;
        var text = await engine.ReadFileAsync(templateId, JobNotification.Folder + JobNotification.FileName, ct);
        var notification = text is null ? null : JobNotification.FromJson(text);
        if (text is not null && notification is null) log($"template {templateId[..12]}: its notification file is not readable: failures are not posted");
        return _notifications[templateId] = notification;
    }

    private async Task<bool> HasFileAsync(string id, string name, CancellationToken ct) =>
        await engine.ReadFileAsync(id, JobNotification.Folder + name, ct) is not null;
}
