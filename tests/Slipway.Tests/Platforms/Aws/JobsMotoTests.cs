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
public sealed class JobsMotoTests(MotoFixture moto) : IClassFixture<MotoFixture>, IAsyncLifetime
{
    private LocalApp _app = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await moto.ResetAsync();
        _app = new LocalApp("awsj");
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private Task<CliResult> RunAsync(params string[] args) =>
        _app.Cli.RunAsync([.. args, "-e", "aws", "-f", _app.ManifestPath], moto.Environment, Ct);

    private AwsSettings Settings => new(new Amazon.Runtime.BasicAWSCredentials("testing", "testing"), Amazon.RegionEndpoint.USEast1,
        name => moto.Environment.GetValueOrDefault(name));

    private EcsClient Ecs => EcsClient.Create(Settings, TimeProvider.System);

    private CloudFormationClient CloudFormation => CloudFormationClient.Create(Settings, TimeProvider.System);

    [Fact]
    public async Task A_jobs_task_definition_follows_the_serving_release_and_jobs_lists_it_with_its_next_time()
    {
        _app.WriteManifest(extra: "jobs:\n  report:\n    schedule: \"0 3 * * *\"\n    timeZone: Europe/Paris\n    command: python report.py\n");

        (await RunAsync("up", "--no-check")).Succeeded();

        var family = $"slipway-{_app.Name}-job-report";
        var definition = await Ecs.DescribeTaskDefinitionAsync(family, Ct);
        Assert.Equal(["sh", "-c", "python report.py"], definition["containerDefinitions"]![0]!["command"]!.AsArray().Select(c => (string)c!));
        Assert.EndsWith($":{_app.FirstVersion}", (string?)definition["containerDefinitions"]![0]!["image"]);
        var jobs = await RunAsync("jobs", "--json");
        jobs.Succeeded();
        var report = Assert.Single(JsonDocument.Parse(jobs.Stdout).RootElement.EnumerateArray());
        Assert.Equal(("report", "Europe/Paris", _app.FirstVersion), (report.GetProperty("name").GetString(), report.GetProperty("timeZone").GetString(),
            report.GetProperty("version").GetString()));
        Assert.NotEqual(JsonValueKind.Null, report.GetProperty("next").ValueKind);
        var status = JsonDocument.Parse((await RunAsync("status", "--json")).Stdout).RootElement;
        Assert.Equal("report", Assert.Single(status.GetProperty("jobs").EnumerateArray()).GetProperty("name").GetString());

        _app.Repo.Write("app/app.py", TestEngine.FlaskApp.Replace("version {VERSION}", "v2 {VERSION}", StringComparison.Ordinal));
        var second = _app.Repo.Commit("v2");
        (await RunAsync("up", "--no-check")).Succeeded();
        // The task definition the schedule targets runs the new release's image (moto registers an updated one in CloudFormation's
        // own casing, so the template CloudFormation was given says it).
        var template = System.Text.Json.Nodes.JsonNode.Parse((await CloudFormation.GetTemplateAsync($"slipway-{_app.Name}", Ct))!)!;
        Assert.EndsWith($":{second}\"", template["Resources"]!["JobReportTaskDefinition"]!["Properties"]!["ContainerDefinitions"]![0]!["Image"]!.ToJsonString());
        Assert.Equal(second, JsonDocument.Parse((await RunAsync("jobs", "--json")).Stdout).RootElement[0].GetProperty("version").GetString());

        (await RunAsync("destroy", "--yes")).Succeeded();
    }

    [Fact]
    public async Task A_schedule_eventbridge_cannot_say_is_refused_naming_the_job_before_anything_is_made()
    {
        _app.WriteManifest(extra: "jobs:\n  monthly:\n    schedule: \"0 0 1 * 1\"\n    command: python monthly.py\n");

        var up = await RunAsync("up", "--no-check");

        Assert.Equal(2, up.ExitCode);
        Assert.Contains("error: jobs.monthly.schedule: \"0 0 1 * 1\" restricts both the day of month and the day of week", up.Stderr);
        Assert.Contains("hint: ", up.Stderr);
    }
}
