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
[Collection(Slipway.Tests.EndToEnd.AwsCollection.Name)]
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

    [Fact]
    public async Task A_jobs_failure_is_posted_by_eventbridge_to_the_notify_webhook_kept_out_of_the_template_and_an_http_one_is_refused_before_anything()
    {
        const string Webhook = "https://hooks.example.com/services/T0KEN-3f9a";
        App.WriteManifest(extra: "notify: { webhookFromEnv: JOBS_TEST_HOOK }\njobs:\n  report:\n    schedule: \"0 3 * * *\"\n    command: python report.py\n");
        Task<CliResult> Run(string hook, params string[] args) =>
            App.Cli.RunAsync([.. args, "-e", "aws", "-f", App.ManifestPath], new Dictionary<string, string>(Moto.Environment) { ["JOBS_TEST_HOOK"] = hook }, Ct);

        var plain = await Run("http://hooks.example.com/x", "up", "--no-check");
        Assert.Equal(2, plain.ExitCode);
        Assert.Contains("error: notify: on aws a job's failure is posted by an EventBridge API destination, which takes an https:// webhook only", plain.Stderr);
        Assert.Null(await CloudFormation.DescribeStackAsync(StackName, Ct));

        // moto has no API destination to make, so the stack is read as package renders it, which is what CloudFormation is sent.
        var package = await Run(Webhook, "package");
        package.Succeeded();
        Assert.DoesNotContain("T0KEN", package.All); // the URL is a NoEcho parameter's value, given with each change set
        var template = System.Text.Json.Nodes.JsonNode.Parse(package.Stdout)!;
        Assert.Equal(true, (bool?)template["Parameters"]!["NotifyWebhook"]!["NoEcho"]);
        var resources = template["Resources"]!;
        Assert.Equal("NotifyWebhook", (string?)resources["JobNotifyDestination"]!["Properties"]!["InvocationEndpoint"]!["Ref"]);
        Assert.Equal("job:", (string?)resources["JobFailedRule"]!["Properties"]!["EventPattern"]!["detail"]!["group"]![0]!["prefix"]);
    }
}
