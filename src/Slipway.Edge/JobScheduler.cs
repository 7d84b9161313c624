using Slipway.Edge.Contract;
using Slipway.Engine;

namespace Slipway.Edge;

/// <summary>
/// Runs the scheduled jobs of every app on one engine (<c>slipway-edge schedule</c>, a container of its own with the engine's
/// socket, reaching out only to post a failure's notification; the proxy's container never gets the socket). Each tick it reads the job templates the CLI keeps
/// (<see cref="JobLabels"/>), decides each job (<see cref="JobPlanner"/>), starts a clone of the template for a run, stops a run past
/// its timeout, and keeps the last runs of each job for their logs and results. It holds nothing the engine does not: after a
/// restart it reads the last run's due time from its container, so a missed run is caught up or skipped as the job says.
/// </summary>
/// <param name="site">The scheduler's name: it runs the templates labelled with it only.</param>
public sealed class JobScheduler(DockerEngine engine, string site, TimeProvider time, Action<string> log)
{
    /// <summary>Finished runs kept per job (their logs and exit codes are the job's history).</summary>
    public const int KeptRuns = 5;

    private static readonly TimeSpan LongestSleep = TimeSpan.FromSeconds(15);
    private readonly Dictionary<(string App, string Job), DateTimeOffset> _considered = [];
    private readonly JobFailureNotifier _notifier = new(engine, time, log);

    /// <summary>Every failure notification started so far, finished.</summary>
    public Task NotificationsDeliveredAsync() => _notifier.DeliveredAsync();

    public async Task RunAsync(CancellationToken ct)
    {
        log($"scheduler {site} started");
        while (!ct.IsCancellationRequested)
        {
            var wake = LongestSleep;
            try
            {
                var next = await TickAsync(ct);
                if (next is { } at && at - time.GetUtcNow() < wake) wake = at - time.GetUtcNow();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log($"tick failed, trying again: {e.Message.Split('\n')[0]}"); // the engine restarting, say
            }
            if (wake > TimeSpan.Zero) await Task.Delay(wake, time, ct);
        }
    }

    /// <summary>One pass over every job, and expired previews removed; returns when the next job is due (null: none is).</summary>
    public async Task<DateTimeOffset?> TickAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await RemoveExpiredPreviewsAsync(now, ct);
        DateTimeOffset? nextWake = null;
        var templates = await engine.ListContainersAsync(JobLabels.TemplatesOfSite(site), ct);
        foreach (var template in templates)
        {
            if (JobDefinition.FromLabels(template.Labels) is not { } job) continue;
            var runs = await engine.ListContainersAsync(JobLabels.RunsOf(job.App, job.Name), ct);
            var key = (job.App, job.Name);
            if (!_considered.TryGetValue(key, out var considered))
                considered = runs.Select(r => JobLabels.ParseTime(r.Labels.GetValueOrDefault(JobLabels.Due))).OfType<DateTimeOffset>()
                    .DefaultIfEmpty(job.Since).Max();
            var running = runs.Where(r => r.State == "running").ToList();
            foreach (var late in running.Where(r => JobLabels.ParseTime(r.Labels.GetValueOrDefault(JobLabels.Started)) is { } started && now - started > job.Timeout))
            {
                log($"{job.App}/{job.Name}: run {late.Name} passed its timeout ({job.Timeout}): stopping it");
                await engine.StopContainerAsync(late.Id, TimeSpan.FromSeconds(10), ct);
            }
            var decision = JobPlanner.Decide(job, considered, now, running.Count > 0);
            _considered[key] = decision.ConsideredUpTo;
            switch (decision.Action)
            {
                case JobAction.Run:
                    if (job.Concurrency == JobConcurrencies.Replace)
                        foreach (var previous in running) await engine.StopContainerAsync(previous.Id, TimeSpan.FromSeconds(10), ct);
                    var name = await StartRunAsync(template.Name, template.Labels, decision.Due!.Value, decision.Trigger!, ct);
                    log($"{job.App}/{job.Name}: started {name} ({decision.Trigger}, due {JobLabels.Format(decision.Due.Value)})");
                    break;
                case JobAction.Skip:
                    log($"{job.App}/{job.Name}: skipped the run due {JobLabels.Format(decision.Due!.Value)}: {decision.Why}");
                    break;
            }
            await _notifier.CheckAsync(job, template, runs, ct);
            await PruneAsync(runs, ct);
            if (JobPlanner.NextWake(job, decision.ConsideredUpTo) is { } wake && (nextWake is null || wake < nextWake)) nextWake = wake;
        }
        return nextWake;
    }

    /// <summary>
    /// Every preview environment whose time is up (its TTL counted from its last deploy): its containers (replicas, accessories,
    /// jobs, one-offs), images, network and volumes, as <c>destroy --preview</c> removes them. The edge drops its route itself.
    /// Returns the apps removed.
    /// </summary>
    public async Task<IReadOnlyList<string>> RemoveExpiredPreviewsAsync(DateTimeOffset now, CancellationToken ct)
    {
        var previews = await engine.ListContainersAsync(new Dictionary<string, string> { [AppObjects.PreviewExpires] = "" }, ct);
        var expired = previews.Where(c => c.Labels.ContainsKey(AppObjects.App))
            .GroupBy(c => c.Labels[AppObjects.App])
            .Where(g => g.Select(c => JobLabels.ParseTime(c.Labels.GetValueOrDefault(AppObjects.PreviewExpires))).All(at => at is { } t && t <= now))
            .Select(g => g.Key).ToList();
        foreach (var app in expired)
        {
            log($"preview {app} expired: removing it");
            foreach (var label in AppObjects.ContainerLabels)
                foreach (var container in await engine.ListContainersAsync(new Dictionary<string, string> { [label] = app }, ct))
                    await engine.RemoveContainerAsync(container.Id, ct);
            foreach (var label in new[] { AppObjects.App, AppObjects.Accessory })
                foreach (var image in await engine.ListImagesAsync(new Dictionary<string, string> { [label] = app }, ct))
                    await engine.RemoveImageAsync(image.Id, ct);
            await engine.RemoveNetworkAsync(AppObjects.NetworkOf(app), ct);
            foreach (var volume in await engine.ListVolumesAsync(new Dictionary<string, string> { [AppObjects.App] = app }, ct))
                await engine.RemoveVolumeAsync(volume.Name, ct);
        }
        return expired;
    }

    /// <summary>Starts a run of a template: a clone labelled with the time it is for (<c>slipway jobs run</c> starts one the same way).</summary>
    public async Task<string> StartRunAsync(string template, IReadOnlyDictionary<string, string> labels, DateTimeOffset due, string trigger,
        CancellationToken ct)
    {
        var name = JobLabels.RunName(labels[JobLabels.App], labels[JobLabels.Job], due);
        await engine.StartCloneAsync(template, name, JobLabels.ForRun(labels, due, trigger, time.GetUtcNow()),
            labels.GetValueOrDefault(JobLabels.CarriedFile), ct);
        return name;
    }

    private async Task PruneAsync(IReadOnlyList<ContainerSummary> runs, CancellationToken ct)
    {
        var finished = runs.Where(r => r.State != "running")
            .OrderByDescending(r => JobLabels.ParseTime(r.Labels.GetValueOrDefault(JobLabels.Due))).Skip(KeptRuns);
        foreach (var old in finished) await engine.RemoveContainerAsync(old.Id, ct);
    }
}
