using Slipway.Configuration;
using Slipway.Foundation;
using Slipway.Foundation.Output;

namespace Slipway.Platforms.Aws;

/// <summary>
/// Scheduled jobs on aws: EventBridge Scheduler starts each as an ECS task of the serving release (<see cref="StackTemplate.Jobs"/>);
/// a run's history is ECS's (the job's task definition family), its output the log group's (<c>APP/JOB/</c> streams).
/// </summary>
public sealed partial class AwsPlatform : IScheduledJobs
{
    public async Task<IReadOnlyList<JobStatus>> JobsAsync(AppManifest app, CancellationToken ct)
    {
        var release = await DeployedReleaseAsync(app, ct);
        var deployed = StackTemplate.JobsOf(release);
        var version = StackTemplate.ReleaseOf(release)?.Version;
        var now = time.GetUtcNow();
        var statuses = new List<JobStatus>();
        foreach (var job in app.Jobs)
        {
            var isDeployed = deployed.Contains(job.Name);
            JobRunStatus? last = null;
            if (isDeployed && (await ecs.LatestTasksOfFamilyAsync(StackTemplate.ClusterName(app), StackTemplate.JobFamily(app, job.Name), ct)).FirstOrDefault() is { } task)
            {
                var exit = task.Containers?.FirstOrDefault()?.ExitCode;
                var result = task.LastStatus != "STOPPED" ? "running"
                    : exit is { } code ? (code == 0 ? "succeeded" : $"failed (exit {code})")
                    : $"failed ({task.StoppedReason ?? "stopped without an exit code"})";
                last = new JobRunStatus(task.TaskArn?.Split('/').Last() ?? "?", task.Group == $"job:{job.Name}" ? "schedule" : "manual",
                    task.StartedAt, task.StoppedAt, result, exit);
            }
            statuses.Add(new JobStatus(job.Name, job.Schedule.Expression, job.Schedule.TimeZone.Id, isDeployed ? job.Schedule.Next(now) : null,
                isDeployed ? version : null, last));
        }
        return statuses;
    }

    /// <summary>A run now: the job's command as a one-off task of the serving release, as <c>run</c> starts one.</summary>
    public async Task<int> RunJobAsync(AppManifest app, string name, Action<string> onLine, CancellationToken ct)
    {
        var job = app.Jobs.FirstOrDefault(j => j.Name == name)
            ?? throw new SlipwayException(ErrorCode.InvalidSetting, $"job: {app.App} has no job \"{name}\"",
                app.Jobs.Count == 0 ? "declare one under jobs: in the manifest" : $"its jobs: {string.Join(", ", app.Jobs.Select(j => j.Name))}");
        var release = await DeployedReleaseAsync(app, ct);
        if (!StackTemplate.JobsOf(release).Contains(name))
            throw new SlipwayException(ErrorCode.VersionNotAvailable, $"job {name} of {app.App} is not deployed on aws", "slipway up deploys it with the app");
        return await _tasks.RunAsync(app, release!, await _images.RepositoryAsync(app, ct), job.Command, onLine, ct);
    }

    public Task StreamJobLogsAsync(AppManifest app, string name, LogQuery query, Action<LogLine> onLine, CancellationToken ct) =>
        StreamLogsAsync(app, query with { Process = name }, onLine, ct);

    /// <summary>
    /// The schedules EventBridge Scheduler cannot say, and a notify webhook EventBridge cannot post to (an API destination takes
    /// https:// only), refused before anything changes.
    /// </summary>
    private void CheckJobs(AppManifest app)
    {
        if (app.Jobs.Count > 0 && app.Notify is { } notify
            && !(Uri.TryCreate(notifyWebhook, UriKind.Absolute, out var webhook) && webhook.Scheme == Uri.UriSchemeHttps))
            throw new SlipwayException(ErrorCode.InvalidSetting,
                notifyWebhook is null ? $"notify.webhookFromEnv: {notify.WebhookFromEnv} is not set, and on aws a job's failure is posted by EventBridge from it"
                    : "notify: on aws a job's failure is posted by an EventBridge API destination, which takes an https:// webhook only",
                notifyWebhook is null ? $"set {notify.WebhookFromEnv} for this run" : "give an https:// webhook, or remove notify: for this environment");
        foreach (var job in app.Jobs)
            if (AwsCron.From(job.Schedule, out var problem) is null)
                throw new SlipwayException(ErrorCode.InvalidSetting, $"jobs.{job.Name}.schedule: \"{job.Schedule.Expression}\" {problem}",
                    "restrict only one of them on aws (e.g. two jobs, one per field)");
    }
}
