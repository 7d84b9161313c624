using Microsoft.Extensions.Time.Testing;
using Slipway.Edge;
using Slipway.Edge.Contract;
using Slipway.Engine;
using Slipway.Foundation.Timing;
using Slipway.Tests.EndToEnd;
using Slipway.Tests.Support;

namespace Slipway.Tests.Edge;

/// <summary>
/// The scheduler against the real engine, its clock a fake one: a template container is run at its time, once, caught up after a
/// restart within its deadline, and stopped past its timeout. No test waits for a real minute.
/// </summary>
[Trait("Tier", "engine")]
[Collection(EngineCollection.Name)]
public sealed class JobSchedulerTests : IAsyncLifetime
{
    private readonly string _app = $"sched-{Guid.NewGuid():N}"[..14];
    private readonly DockerEngine _engine = TestEngine.Create();
    private static readonly DateTimeOffset Deployed = new(2026, 12, 7, 2, 58, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var container in await _engine.ListContainersAsync(new Dictionary<string, string> { [JobLabels.App] = _app }, CancellationToken.None))
            await _engine.RemoveContainerAsync(container.Id, CancellationToken.None);
        _engine.Dispose();
    }

    private async Task<string> TemplateAsync(string job, IReadOnlyList<string> command, TimeSpan timeout, TimeSpan? deadline, JobNotification? notify = null)
    {
        var definition = new JobDefinition(_app, job, CronSchedule.TryParse("0 3 * * *", TimeZoneInfo.Utc, out _)!, timeout, JobConcurrencies.Forbid, deadline, Deployed);
        var labels = new Dictionary<string, string>(definition.ToLabels()) { [JobLabels.Site] = _app };
        if (notify is not null) labels[JobNotification.Label] = "1";
        var id = await _engine.CreateContainerAsync(new ContainerSpec
        {
            Name = JobLabels.TemplateName(_app, job), Image = TestEngine.BaseImage, ContainerPort = 0, PublishPort = false, RestartPolicy = "no",
            Command = command, Environment = new Dictionary<string, string> { ["GREETING"] = "from the template" },
            Labels = labels,
        }, Ct);
        if (notify is not null) await _engine.PutPrivateFileAsync(id, JobNotification.Folder, JobNotification.FileName, notify.ToJson(), Ct);
        return id;
    }

    private Task<IReadOnlyList<ContainerSummary>> RunsAsync(string job) => _engine.ListContainersAsync(JobLabels.RunsOf(_app, job), Ct);

    private async Task<string> FinishedOutputAsync(ContainerSummary run)
    {
        await Eventually.WaitUntilAsync(async () => (await _engine.InspectContainerAsync(run.Id, Ct))?.Running == false, TimeSpan.FromSeconds(30), "the run ends");
        return string.Join('\n', await _engine.LogTailAsync(run.Id, 10, Ct));
    }

    [Fact]
    public async Task A_job_runs_at_its_time_once_and_a_restarted_scheduler_catches_up_the_missed_run_within_its_deadline()
    {
        await TemplateAsync("report", ["sh", "-c", "echo ran $GREETING"], TimeSpan.FromMinutes(10), deadline: TimeSpan.FromHours(6));
        var time = new FakeTimeProvider(Deployed.AddMinutes(1));
        var scheduler = new JobScheduler(_engine, _app, time, _ => { });

        Assert.Equal(new DateTimeOffset(2026, 12, 7, 3, 0, 0, TimeSpan.Zero), await scheduler.TickAsync(Ct));
        Assert.Empty(await RunsAsync("report"));

        time.SetUtcNow(new DateTimeOffset(2026, 12, 7, 3, 0, 1, TimeSpan.Zero));
        await scheduler.TickAsync(Ct);
        var run = Assert.Single(await RunsAsync("report"));
        Assert.Equal(("2026-12-07T03:00:00Z", "schedule"), (run.Labels[JobLabels.Due], run.Labels[JobLabels.Trigger]));
        Assert.Equal("ran from the template", await FinishedOutputAsync(run));
        time.Advance(TimeSpan.FromSeconds(30));
        await scheduler.TickAsync(Ct);
        Assert.Single(await RunsAsync("report")); // once per time

        // Off for two days: a new scheduler reads the last run's time from the engine and runs the latest missed one, once.
        time.SetUtcNow(new DateTimeOffset(2026, 12, 9, 5, 0, 0, TimeSpan.Zero));
        var restarted = new JobScheduler(_engine, _app, time, _ => { });
        await restarted.TickAsync(Ct);
        await restarted.TickAsync(Ct);
        var caughtUp = Assert.Single(await RunsAsync("report"), r => r.Id != run.Id);
        Assert.Equal(("2026-12-09T03:00:00Z", "catch-up"), (caughtUp.Labels[JobLabels.Due], caughtUp.Labels[JobLabels.Trigger]));
    }

    [Fact]
    public async Task A_run_missed_beyond_its_deadline_is_skipped_and_a_run_past_its_timeout_is_stopped()
    {
        await TemplateAsync("late", ["sh", "-c", "echo late"], TimeSpan.FromMinutes(10), deadline: TimeSpan.FromMinutes(30));
        await TemplateAsync("slow", ["sh", "-c", "trap 'exit 143' TERM; sleep 300 & wait"], TimeSpan.FromSeconds(5), deadline: null);
        var lines = new List<string>();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 4, 0, 0, TimeSpan.Zero)); // an hour after 03:00
        var scheduler = new JobScheduler(_engine, _app, time, lines.Add);

        await scheduler.TickAsync(Ct);
        Assert.Empty(await RunsAsync("late"));
        Assert.Contains(lines, l => l.Contains($"{_app}/late: skipped the run due 2026-12-07T03:00:00Z", StringComparison.Ordinal));

        time.SetUtcNow(new DateTimeOffset(2026, 12, 8, 3, 0, 1, TimeSpan.Zero));
        await scheduler.TickAsync(Ct);
        var slow = Assert.Single(await RunsAsync("slow"));
        Assert.True((await _engine.InspectContainerAsync(slow.Id, Ct))!.Running);
        time.Advance(TimeSpan.FromSeconds(6));
        await scheduler.TickAsync(Ct);
        Assert.Contains(lines, l => l.Contains("passed its timeout", StringComparison.Ordinal));
        Assert.False((await _engine.InspectContainerAsync(slow.Id, Ct))!.Running);
    }

    [Fact]
    public async Task An_expired_preview_is_removed_whole_and_one_whose_time_is_not_up_is_kept()
    {
        var expired = $"{_app}-pr-1";
        var current = $"{_app}-pr-2";
        var now = new DateTimeOffset(2099, 12, 10, 12, 0, 0, TimeSpan.Zero); // far ahead: a real scheduler on this engine never takes these for its own to expire
        foreach (var (app, expires) in new[] { (expired, now.AddMinutes(-1)), (current, now.AddHours(1)) })
        {
            var labels = new Dictionary<string, string> { [AppObjects.App] = app, [AppObjects.PreviewExpires] = JobLabels.Format(expires), [JobLabels.App] = _app };
            await _engine.EnsureNetworkAsync(AppObjects.NetworkOf(app), new Dictionary<string, string> { [AppObjects.App] = app }, Ct);
            await _engine.EnsureVolumeAsync($"{app}.data", new Dictionary<string, string> { [AppObjects.App] = app }, Ct);
            await _engine.CreateContainerAsync(new ContainerSpec
            {
                Name = $"{app}-v1-1", Image = TestEngine.BaseImage, ContainerPort = 0, PublishPort = false, Command = ["sleep", "1"], Labels = labels,
                Network = AppObjects.NetworkOf(app), Binds = [$"{app}.data:/data"],
            }, Ct);
        }
        var scheduler = new JobScheduler(_engine, _app, new FakeTimeProvider(now), _ => { });

        Assert.Equal([expired], await scheduler.RemoveExpiredPreviewsAsync(now, Ct));

        Assert.Empty(await _engine.ListContainersAsync(new Dictionary<string, string> { [AppObjects.App] = expired }, Ct));
        Assert.Empty(await _engine.ListVolumesAsync(new Dictionary<string, string> { [AppObjects.App] = expired }, Ct));
        Assert.False(await _engine.RemoveNetworkAsync(AppObjects.NetworkOf(expired), Ct)); // already gone
        Assert.Single(await _engine.ListContainersAsync(new Dictionary<string, string> { [AppObjects.App] = current }, Ct));
        Assert.Empty(await scheduler.RemoveExpiredPreviewsAsync(now, Ct));
        foreach (var container in await _engine.ListContainersAsync(new Dictionary<string, string> { [AppObjects.App] = current }, Ct))
            await _engine.RemoveContainerAsync(container.Id, Ct);
        await _engine.RemoveVolumeAsync($"{current}.data", Ct);
        await _engine.RemoveNetworkAsync(AppObjects.NetworkOf(current), Ct);
    }

    [Fact]
    public async Task A_failed_run_is_posted_to_the_webhook_once_across_a_restarted_scheduler_and_a_succeeded_run_is_not()
    {
        await using var hook = await WebhookListener.StartAsync();
        var notify = new JobNotification(new Uri(hook.Url), 5, Deployed);
        await TemplateAsync("broken", ["sh", "-c", "echo failing; exit 3"], TimeSpan.FromMinutes(10), deadline: null, notify);
        await TemplateAsync("fine", ["sh", "-c", "echo fine"], TimeSpan.FromMinutes(10), deadline: null, notify);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 3, 0, 1, TimeSpan.Zero));
        var scheduler = new JobScheduler(_engine, _app, time, _ => { });

        await scheduler.TickAsync(Ct);
        var broken = Assert.Single(await RunsAsync("broken"));
        await FinishedOutputAsync(broken);
        await FinishedOutputAsync(Assert.Single(await RunsAsync("fine")));
        time.Advance(TimeSpan.FromSeconds(30));
        await scheduler.TickAsync(Ct);
        await scheduler.NotificationsDeliveredAsync();

        var posted = Assert.Single(hook.Events);
        Assert.Equal(("job failed", _app, "broken", broken.Name, "failed (exit 3)", 3),
            ((string?)posted["event"], (string?)posted["app"], (string?)posted["job"], (string?)posted["run"], (string?)posted["result"], (int?)posted["exitCode"]));
        time.Advance(TimeSpan.FromSeconds(30));
        await scheduler.TickAsync(Ct);
        var restarted = new JobScheduler(_engine, _app, time, _ => { });
        await restarted.TickAsync(Ct);
        await scheduler.NotificationsDeliveredAsync();
        await restarted.NotificationsDeliveredAsync();
        Assert.Equal(1, hook.Requests);
        // The webhook (its path stands for a token) is in no label and no variable of the template, and not in the run at all.
        var template = (await _engine.ListContainersAsync(JobLabels.TemplatesOf(_app), Ct)).Single(t => t.Labels[JobLabels.Job] == "broken");
        Assert.DoesNotContain(template.Labels.Values, v => v.Contains("T0KEN", StringComparison.Ordinal));
        Assert.Null(await _engine.ReadFileAsync(broken.Id, JobNotification.Folder + JobNotification.FileName, Ct));
    }
}
