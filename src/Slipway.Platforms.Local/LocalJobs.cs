using Slipway.Backups;
using Slipway.Configuration;
using Slipway.Edge.Contract;
using Slipway.Engine;
using Slipway.Foundation;
using Slipway.Foundation.Timing;
using Slipway.Platforms.EdgeControl;

namespace Slipway.Platforms.Local;

/// <summary>
/// An app's scheduled jobs on this engine: after each release serves, one template container per job is made of it (the
/// serving release's image, env, secrets, network and volumes, never started) and labelled with the job's schedule; the
/// scheduler (the edge's image run as <c>slipway-edge schedule</c>, with the engine's socket, on the default bridge only to post a failure's notification) starts a copy of it
/// at each due time. A job started during a deploy uses the release serving when it starts.
/// </summary>
internal sealed class LocalJobs(DockerEngine engine, EdgeSite edgeSite, Func<string, string?> environment)
{
    public const string SchedulerLabel = "slipway.scheduler";
    /// <summary>The scheduler container's own shape; a scheduler of another shape (one with no network, made before notifications) is replaced.</summary>
    private const string SchedulerSpecLabel = "slipway.scheduler.spec";
    private const string SchedulerSpec = "2";
    public const string SocketInside = "/var/run/docker.sock";

    public string SchedulerName => edgeSite.ContainerName.Replace("slipway-edge", "slipway-scheduler", StringComparison.Ordinal);

    /// <summary>The engine's socket on its own machine, which the scheduler mounts; null when the engine is reached over TCP.</summary>
    public string? SocketOnEngineMachine => engine.Endpoint.Dialer switch
    {
        UnixSocketDialer unix => unix.Path,
        SshDialer => SocketInside, // what docker system dial-stdio reaches on the server
        _ => null,
    };

    /// <summary>Refuses jobs where the scheduler could not reach the engine, before anything changes.</summary>
    public void CheckInputs(AppManifest app)
    {
        var key = app.Jobs.Count > 0 ? "jobs" : app.Backups.Schedule is not null ? "backups.schedule" : null;
        if (key is not null && SocketOnEngineMachine is null)
            throw new SlipwayException(ErrorCode.PlatformNotAvailable, $"{key}: the scheduler runs beside the engine and needs its socket, which {engine.Endpoint.Display} does not offer",
                $"reach the engine over ssh:// (or on this machine) to use {key}:");
    }

    /// <summary>Makes the app's job templates of <paramref name="version"/> (replacing the previous release's) and starts the scheduler if any app has jobs.</summary>
    public async Task SyncAsync(AppManifest app, string version, IReadOnlyDictionary<string, string> environmentValues, DateTimeOffset now,
        Action<string> onOutput, CancellationToken ct)
    {
        var existing = await engine.ListContainersAsync(JobLabels.TemplatesOf(app.App), ct);
        var notification = app.Jobs.Count > 0 ? Notification(app, now, onOutput) : null;
        foreach (var job in app.Jobs)
        {
            var name = JobLabels.TemplateName(app.App, job.Name);
            var previous = existing.FirstOrDefault(t => t.Name == name);
            // The first deploy of a job is when it begins: no run is due before it, through every later deploy.
            var since = JobLabels.ParseTime(previous?.Labels.GetValueOrDefault(JobLabels.Since)) ?? now;
            var definition = new JobDefinition(app.App, job.Name, job.Schedule, job.Timeout, job.Concurrency.ToString().ToLowerInvariant(),
                job.StartingDeadline, since);
            var labels = new Dictionary<string, string>(definition.ToLabels())
            {
                [ReleaseLabels.Version] = version, [ReleaseLabels.Owner] = app.Owner, [JobLabels.Site] = SchedulerName,
            };
            if (notification is not null) labels[JobNotification.Label] = "1";
            if (previous is not null) await engine.RemoveContainerAsync(previous.Id, ct);
            var id = await engine.CreateContainerAsync(ReleaseContainers.Spec(app, version, name, labels, environmentValues) with
            {
                PublishPort = false, Command = job.Command, RestartPolicy = "no",
            }, ct);
            if (notification is not null)
                await engine.PutPrivateFileAsync(id, JobNotification.Folder, JobNotification.FileName, notification.ToJson(), ct);
        }
        foreach (var gone in existing.Where(t => !IsScheduledBackup(t) && app.Jobs.All(j => JobLabels.TemplateName(app.App, j.Name) != t.Name)))
            await engine.RemoveContainerAsync(gone.Id, ct);
        await EnsureSchedulerAsync(onOutput, ct);
    }

    /// <summary>
    /// Where the scheduler posts a failed run: the app's <c>notify:</c> webhook, resolved now (a <c>webhookFromEnv</c> is read from
    /// this run's environment, as a deploy's own notification is). Runs started from now on are notified.
    /// </summary>
    public JobNotification? Notification(AppManifest app, DateTimeOffset now, Action<string> onOutput)
    {
        if (app.Notify is not { } notify) return null;
        var url = notify.Webhook;
        if (url is null && !Webhooks.TryParse(environment(notify.WebhookFromEnv!) ?? "", out url))
        {
            onOutput($"notify.webhookFromEnv: {notify.WebhookFromEnv} does not hold an http:// or https:// URL: a failed job will not be notified");
            return null;
        }
        return new JobNotification(url, (int)Math.Ceiling(notify.Timeout.TotalSeconds), now);
    }

    /// <summary>What the scheduler runs for the app: the manifest's jobs, and its scheduled backup as the job <c>backup</c>.</summary>
    private static IReadOnlyList<(string Name, CronSchedule Schedule, TimeSpan Timeout)> Scheduled(AppManifest app) =>
        app.Jobs.Select(j => (j.Name, j.Schedule, j.Timeout))
            .Concat(app.Backups.Schedule is { } backups ? [(BackupsSpec.JobName, backups, LocalScheduledBackups.Timeout)] : []).ToList();

    /// <summary>The template of the app's scheduled backup, kept by <see cref="LocalScheduledBackups"/> beside the manifest's jobs.</summary>
    public static bool IsScheduledBackup(ContainerSummary template) => template.Labels.ContainsKey(ScheduledBackupPlan.Label);

    /// <summary>Whether the scheduler has work: a job of its site, or a preview (whose expiry it enforces) on the engine.</summary>
    private async Task<bool> IsNeededAsync(CancellationToken ct) =>
        (await engine.ListContainersAsync(JobLabels.TemplatesOfSite(SchedulerName), ct)).Count > 0
        || (await engine.ListContainersAsync(new Dictionary<string, string> { [AppObjects.PreviewExpires] = "" }, ct)).Count > 0;

    /// <summary>After a destroy: the scheduler stops with the last job and the last preview.</summary>
    public async Task StopSchedulerIfIdleAsync(CancellationToken ct)
    {
        if (!await IsNeededAsync(ct)) await engine.RemoveContainerAsync(SchedulerName, ct);
    }

    /// <summary>The scheduler runs while any app on the engine has a job or a preview, and stops with the last.</summary>
    public async Task EnsureSchedulerAsync(Action<string> onOutput, CancellationToken ct)
    {
        var current = await engine.InspectContainerAsync(SchedulerName, ct);
        if (!await IsNeededAsync(ct))
        {
            if (current is not null) await engine.RemoveContainerAsync(SchedulerName, ct);
            return;
        }
        var image = await new EdgeImage(engine).EnsureAsync(environment, onOutput, ct);
        if (current is not null && (await engine.ListContainersAsync(new Dictionary<string, string> { [SchedulerLabel] = SchedulerName }, ct))
                .FirstOrDefault() is { } summary && summary.Image == image && summary.Labels.GetValueOrDefault(SchedulerSpecLabel) == SchedulerSpec)
        {
            if (!current.Running) await engine.StartContainerAsync(SchedulerName, ct);
            return;
        }
        if (current is not null) await engine.RemoveContainerAsync(SchedulerName, ct); // another Slipway's: this one's replaces it
        try
        {
            await engine.CreateContainerAsync(new ContainerSpec
            {
                Name = SchedulerName, Image = image, ContainerPort = 0, PublishPort = false, RestartPolicy = "unless-stopped",
                Command = ["schedule"], User = "0", OnlyCapabilities = [],
                Binds = [$"{SocketOnEngineMachine}:{SocketInside}"],
                Environment = new Dictionary<string, string> { ["DOCKER_HOST"] = $"unix://{SocketInside}", [JobLabels.SiteVariable] = SchedulerName },
                Labels = new Dictionary<string, string> { [SchedulerLabel] = SchedulerName, [SchedulerSpecLabel] = SchedulerSpec },
            }, ct);
        }
        catch (EngineApiException e) when (e.Status == 409)
        {
            // another run made it meanwhile
        }
        await engine.StartContainerAsync(SchedulerName, ct);
    }

    /// <summary>The app's templates and runs removed (destroy), and the scheduler with the last app's.</summary>
    public async Task<IReadOnlyList<string>> RemoveAsync(AppManifest app, CancellationToken ct)
    {
        var removed = new List<string>();
        foreach (var container in await engine.ListContainersAsync(new Dictionary<string, string> { [JobLabels.App] = app.App }, ct))
        {
            await engine.RemoveContainerAsync(container.Id, ct);
            if (container.Labels.ContainsKey(JobLabels.Template)) removed.Add($"job {container.Labels.GetValueOrDefault(JobLabels.Job)} ({container.Name})");
        }
        return removed;
    }

    /// <summary>Each job the manifest names (and the scheduled backup): its schedule, next time, and last run (result and duration), newest runs first.</summary>
    public async Task<IReadOnlyList<JobStatus>> StatusAsync(AppManifest app, DateTimeOffset now, CancellationToken ct)
    {
        var statuses = new List<JobStatus>();
        var templates = await engine.ListContainersAsync(JobLabels.TemplatesOf(app.App), ct);
        foreach (var job in Scheduled(app))
        {
            var runs = (await engine.ListContainersAsync(JobLabels.RunsOf(app.App, job.Name), ct))
                .OrderByDescending(r => JobLabels.ParseTime(r.Labels.GetValueOrDefault(JobLabels.Started))).ToList();
            JobRunStatus? last = null;
            if (runs.FirstOrDefault() is { } latest && await engine.InspectContainerAsync(latest.Id, ct) is { } details)
            {
                var started = JobLabels.ParseTime(latest.Labels.GetValueOrDefault(JobLabels.Started));
                var result = details.Running ? "running" : JobResults.Of(details.ExitCode, started, details.FinishedAt ?? now, job.Timeout);
                last = new JobRunStatus(latest.Name, latest.Labels.GetValueOrDefault(JobLabels.Trigger, "?"), started, details.Running ? null : details.FinishedAt,
                    result, details.Running ? null : details.ExitCode);
            }
            var deployed = templates.FirstOrDefault(t => t.Name == JobLabels.TemplateName(app.App, job.Name));
            statuses.Add(new JobStatus(job.Name, job.Schedule.Expression, job.Schedule.TimeZone.Id, deployed is null ? null : job.Schedule.Next(now),
                deployed?.Labels.GetValueOrDefault(ReleaseLabels.Version), last));
        }
        return statuses;
    }

    /// <summary>A run now (<c>slipway jobs run</c>): a copy of the template, followed to its end; returns its exit code.</summary>
    public async Task<int> RunNowAsync(AppManifest app, string name, DateTimeOffset now, Action<string> onLine, CancellationToken ct)
    {
        var template = await TemplateAsync(app, name, ct);
        var run = JobLabels.RunName(app.App, name, now);
        var id = await engine.StartCloneAsync(template.Name, run, JobLabels.ForRun(template.Labels, now, "manual", now),
            template.Labels.GetValueOrDefault(JobLabels.CarriedFile), ct);
        var exit = engine.WaitForExitAsync(id, ct);
        await engine.StreamLogsAsync(id, since: null, tail: null, follow: true, (_, line) => onLine(line), ct);
        return await exit;
    }

    public async Task<IReadOnlyList<ContainerSummary>> RunsAsync(AppManifest app, string name, CancellationToken ct)
    {
        await TemplateAsync(app, name, ct);
        return (await engine.ListContainersAsync(JobLabels.RunsOf(app.App, name), ct))
            .OrderBy(r => JobLabels.ParseTime(r.Labels.GetValueOrDefault(JobLabels.Started))).ToList();
    }

    private async Task<ContainerSummary> TemplateAsync(AppManifest app, string name, CancellationToken ct)
    {
        var scheduled = Scheduled(app);
        if (scheduled.All(j => j.Name != name))
            throw new SlipwayException(ErrorCode.InvalidSetting, $"job: {app.App} has no job \"{name}\"",
                scheduled.Count == 0 ? "declare one under jobs: in the manifest" : $"its jobs: {string.Join(", ", scheduled.Select(j => j.Name))}");
        return (await engine.ListContainersAsync(JobLabels.TemplatesOf(app.App), ct)).FirstOrDefault(t => t.Name == JobLabels.TemplateName(app.App, name))
            ?? throw new SlipwayException(ErrorCode.VersionNotAvailable, $"job {name} of {app.App} is not deployed here", "slipway up deploys it with the app");
    }
}
