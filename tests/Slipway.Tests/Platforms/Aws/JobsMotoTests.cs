using System.Text.Json;
using Slipway.Cloud.Aws;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Aws;

/// <summary>
/// Scheduled jobs on aws through the real CLI against moto's wire protocol: each job's task definition of the serving release is
/// registered by the stack, listed by <c>jobs</c> and <c>status</c>, and moved to the next release's image by its deploy. moto
/// makes no EventBridge schedule from a template (it skips the type), so the schedule itself is proven by cfn-lint and
/// <c>StackTemplateTests</c>; that a schedule starts a task at its time only real AWS can show.
/// </summary>
[Trait("Tier", "aws")]
[Collection(Slipway.Tests.EndToEnd.EngineCollection.Name)]
public sealed class JobsMotoTests(MotoFixture moto) : MotoAppTest(moto, "awsj"), IClassFixture<MotoFixture>
{
    [Fact]
    public async Task A_jobs_task_definition_follows_the_serving_release_and_jobs_lists_it_with_its_next_time()
    {
        App.WriteManifest(extra: "jobs:\n  report:\n    schedule: \"0 3 * * *\"\n    timeZone: Europe/Paris\n    command: python report.py\n");

        (await RunAsync("up", "--no-check")).Succeeded();

        var family = $"slipway-{App.Name}-job-report";
        var definition = await Ecs.DescribeTaskDefinitionAsync(family, Ct);
        Assert.Equal(["sh", "-c", "python report.py"], definition["containerDefinitions"]![0]!["command"]!.AsArray().Select(c => (string)c!));
        Assert.EndsWith($":{App.FirstVersion}", (string?)definition["containerDefinitions"]![0]!["image"]);
        var jobs = await RunAsync("jobs", "--json");
        jobs.Succeeded();
        var report = Assert.Single(JsonDocument.Parse(jobs.Stdout).RootElement.EnumerateArray());
        Assert.Equal(("report", "Europe/Paris", App.FirstVersion), (report.GetProperty("name").GetString(), report.GetProperty("timeZone").GetString(),
            report.GetProperty("version").GetString()));
        Assert.NotEqual(JsonValueKind.Null, report.GetProperty("next").ValueKind);
        var status = JsonDocument.Parse((await RunAsync("status", "--json")).Stdout).RootElement;
        Assert.Equal("report", Assert.Single(status.GetProperty("jobs").EnumerateArray()).GetProperty("name").GetString());

        App.Repo.Write("app/app.py", TestEngine.FlaskApp.Replace("version {VERSION}", "v2 {VERSION}", StringComparison.Ordinal));
        var second = App.Repo.Commit("v2");
        (await RunAsync("up", "--no-check")).Succeeded();
        // The task definition the schedule targets runs the new release's image (moto registers an updated one in CloudFormation's
        // own casing, so the template CloudFormation was given says it).
        var template = System.Text.Json.Nodes.JsonNode.Parse((await CloudFormation.GetTemplateAsync(StackName, Ct))!)!;
        Assert.EndsWith($":{second}\"", template["Resources"]!["JobReportTaskDefinition"]!["Properties"]!["ContainerDefinitions"]![0]!["Image"]!.ToJsonString());
        Assert.Equal(second, JsonDocument.Parse((await RunAsync("jobs", "--json")).Stdout).RootElement[0].GetProperty("version").GetString());

        (await RunAsync("destroy", "--yes")).Succeeded();
    }

    [Fact]
    public async Task A_schedule_eventbridge_cannot_say_is_refused_naming_the_job_before_anything_is_made()
    {
        App.WriteManifest(extra: "jobs:\n  monthly:\n    schedule: \"0 0 1 * 1\"\n    command: python monthly.py\n");

        var up = await RunAsync("up", "--no-check");

        Assert.Equal(2, up.ExitCode);
        Assert.Contains("error: jobs.monthly.schedule: \"0 0 1 * 1\" restricts both the day of month and the day of week", up.Stderr);
        Assert.Contains("hint: ", up.Stderr);
    }
}
