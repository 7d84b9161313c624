using Slipway.Edge;
using Slipway.Edge.Contract;
using Slipway.Foundation.Timing;

namespace Slipway.Tests.Edge;

/// <summary>When a scheduled job runs, as pure logic over its schedule and times: no clock, no engine.</summary>
[Trait("Tier", "unit")]
public sealed class JobPlannerTests
{
    private static readonly DateTimeOffset Deployed = new(2026, 12, 7, 0, 0, 0, TimeSpan.Zero);

    private static JobDefinition Nightly(string concurrency = JobConcurrencies.Forbid, TimeSpan? deadline = null) =>
        new("shop", "report", CronSchedule.TryParse("0 3 * * *", TimeZoneInfo.Utc, out _)!, TimeSpan.FromMinutes(10), concurrency, deadline, Deployed);

    private static DateTimeOffset At(int day, int hour, int minute = 0) => new(2026, 12, day, hour, minute, 0, TimeSpan.Zero);

    [Fact]
    public void Before_its_time_it_waits_and_names_when_to_wake()
    {
        var decision = JobPlanner.Decide(Nightly(), Deployed, At(7, 2, 59), running: false);

        Assert.Equal(JobAction.Wait, decision.Action);
        Assert.Equal(At(7, 3), JobPlanner.NextWake(Nightly(), decision.ConsideredUpTo));
    }

    [Fact]
    public void At_its_time_it_runs_once_and_not_again_for_the_same_time()
    {
        var run = JobPlanner.Decide(Nightly(), Deployed, At(7, 3, 0).AddSeconds(1), running: false);
        Assert.Equal((JobAction.Run, At(7, 3), "schedule"), (run.Action, run.Due, run.Trigger));

        var again = JobPlanner.Decide(Nightly(), run.ConsideredUpTo, At(7, 3, 1), running: false);
        Assert.Equal(JobAction.Wait, again.Action);
        Assert.Equal(At(8, 3), JobPlanner.NextWake(Nightly(), again.ConsideredUpTo));
    }

    [Fact]
    public void A_run_missed_while_the_machine_was_off_runs_once_within_its_deadline_and_is_skipped_without_one()
    {
        // Off from 02:00 on the 7th to 05:00 on the 9th: two nightly runs missed.
        var withDeadline = JobPlanner.Decide(Nightly(deadline: TimeSpan.FromHours(6)), At(7, 2), At(9, 5), running: false);
        Assert.Equal((JobAction.Run, At(9, 3), "catch-up"), (withDeadline.Action, withDeadline.Due, withDeadline.Trigger)); // the latest only

        var tooLate = JobPlanner.Decide(Nightly(deadline: TimeSpan.FromHours(1)), At(7, 2), At(9, 5), running: false);
        Assert.Equal(JobAction.Skip, tooLate.Action);
        Assert.Contains("startingDeadline", tooLate.Why);

        var none = JobPlanner.Decide(Nightly(), At(7, 2), At(9, 5), running: false);
        Assert.Equal(JobAction.Skip, none.Action);
        Assert.Contains("it has no startingDeadline", none.Why);
        Assert.Equal(At(9, 5), none.ConsideredUpTo); // decided: not looked at again
    }

    [Fact]
    public void Nothing_is_due_before_the_job_was_first_deployed() =>
        Assert.Equal(JobAction.Wait, JobPlanner.Decide(Nightly(deadline: TimeSpan.FromDays(7)) with { Since = At(7, 4) }, DateTimeOffset.UnixEpoch, At(7, 5), running: false).Action);

    [Theory]
    [InlineData(JobConcurrencies.Forbid, JobAction.Skip)]
    [InlineData(JobConcurrencies.Allow, JobAction.Run)]
    [InlineData(JobConcurrencies.Replace, JobAction.Run)]
    public void A_run_still_going_at_the_next_time_follows_the_jobs_concurrency(string concurrency, JobAction expected) =>
        Assert.Equal(expected, JobPlanner.Decide(Nightly(concurrency), Deployed, At(7, 3, 1), running: true).Action);

    [Fact]
    public void A_definition_round_trips_through_its_labels_and_foreign_labels_are_none()
    {
        var job = Nightly(JobConcurrencies.Replace, TimeSpan.FromHours(2));
        var read = JobDefinition.FromLabels(job.ToLabels())!;

        Assert.Equal((job.App, job.Name, job.Timeout, job.Concurrency, job.StartingDeadline, job.Since),
            (read.App, read.Name, read.Timeout, read.Concurrency, read.StartingDeadline, read.Since));
        Assert.Equal(job.Schedule.Expression, read.Schedule.Expression);
        Assert.Null(JobDefinition.FromLabels(new Dictionary<string, string> { [JobLabels.App] = "shop" }));
    }
}
