using System.Text.Json;
using Slipway.Cloud.Aws;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Aws;

/// <summary>
/// Worker processes and one-off tasks on aws, through the real CLI against moto's wire protocol. moto places a
/// Fargate task and moves it a state on at each look; here it is held RUNNING and the test plays ECS stopping it (moto
/// then reports exit code 0). A task's whole life, a failing exit code and a task stopped without one are in OneOffTasksTests.
/// </summary>
[Trait("Tier", "aws")]
[Collection(Slipway.Tests.EndToEnd.AwsCollection.Name)]
public sealed class WorkersAndTasksMotoTests(MotoFixture moto) : IClassFixture<MotoFixture>, IAsyncLifetime
{
    private LocalApp _app = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await moto.ResetAsync();
        await moto.HoldTasksRunningAsync();
        _app = new LocalApp("awsw");
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private Task<CliResult> RunAsync(params string[] args) =>
        _app.Cli.RunAsync([.. args, "-e", "aws", "-f", _app.ManifestPath], moto.Environment, Ct);

    private AwsSettings Settings => new(new Amazon.Runtime.BasicAWSCredentials("testing", "testing"),
        Amazon.RegionEndpoint.USEast1, name => moto.Environment.GetValueOrDefault(name));

    [Fact]
    public async Task Each_worker_is_an_ecs_service_of_its_own_listed_by_status_and_removed_by_destroy()
    {
        _app.WriteManifest(extra: "processes:\n  worker:\n    command: python worker.py\n    replicas: 2\n");

        var up = await RunAsync("up", "--no-check");

        up.Succeeded();
        var ecs = EcsClient.Create(Settings, TimeProvider.System);
        var worker = await ecs.DescribeServiceAsync($"slipway-{_app.Name}", $"{_app.Name}-worker", Ct);
        Assert.Equal(2, worker!.DesiredCount);
        var definition = await ecs.DescribeTaskDefinitionAsync(worker.TaskDefinition!, Ct);
        Assert.Equal(["sh", "-c", "python worker.py"], definition["containerDefinitions"]![0]!["command"]!.AsArray().Select(c => (string)c!));
        Assert.EndsWith($":{_app.FirstVersion}", (string?)definition["containerDefinitions"]![0]!["image"]);

        var status = JsonDocument.Parse((await RunAsync("status", "--json")).Stdout).RootElement;
        Assert.Equal(2, status.GetProperty("processes").GetProperty("worker").GetArrayLength());
        var logs = await _app.Cli.RunAsync(["logs", "--process", "worker", "-e", "aws", "-m", _app.ManifestPath], moto.Environment, Ct);
        logs.Succeeded();

        var destroy = await RunAsync("destroy", "--yes");
        destroy.Succeeded();
        Assert.Null(await CloudFormationClient.Create(Settings, TimeProvider.System).DescribeStackAsync($"slipway-{_app.Name}", Ct));
    }

    [Fact]
    public async Task Run_starts_a_task_of_the_serving_release_with_the_command_and_passes_its_exit_code_through_once_it_stops()
    {
        (await RunAsync("up", "--no-check")).Succeeded();
        var cluster = $"slipway-{_app.Name}";
        await EnableDnsHostnamesAsync(cluster);
        using var run = _app.Cli.Start(["run", "-e", "aws", "-f", _app.ManifestPath, "--", "flask", "db", "upgrade"], moto.Environment);
        var described = await RunningTaskOfAsync(run, cluster, ["flask", "db", "upgrade"]);
        await StopAsync(run, cluster, described);
        var result = await run.WaitAsync(Ct);

        result.Succeeded(); // moto reports exit code 0 for every container of a stopped task
        var definition = JsonDocument.Parse(await moto.AwsCliAsync("ecs", "describe-task-definition", "--task-definition", described.GetProperty("taskDefinitionArn").GetString()!))
            .RootElement.GetProperty("taskDefinition");
        Assert.Equal($"slipway-{_app.Name}-run", definition.GetProperty("family").GetString());
        Assert.Equal("INACTIVE", definition.GetProperty("status").GetString());
    }

    /// <summary>The template asks for DNS hostnames (EnableDnsHostnames), which moto's CloudFormation does not apply; its RunTask needs them.</summary>
    private async Task EnableDnsHostnamesAsync(string stack)
    {
        var vpc = JsonDocument.Parse(await moto.AwsCliAsync("cloudformation", "describe-stack-resource", "--stack-name", stack, "--logical-resource-id", "Vpc"))
            .RootElement.GetProperty("StackResourceDetail").GetProperty("PhysicalResourceId").GetString()!;
        await moto.AwsCliAsync("ec2", "modify-vpc-attribute", "--vpc-id", vpc, "--enable-dns-hostnames", "{\"Value\":true}");
    }

    /// <summary>The one-off task a running command started, once ECS has it (held RUNNING: <see cref="MotoFixture.HoldTasksRunningAsync"/>).</summary>
    private async Task<JsonElement> RunningTaskOfAsync(RunningCli cli, string cluster, string[] command)
    {
        string? task = null;
        await Eventually.WaitUntilAsync(async () =>
        {
            Assert.False(cli.HasExited, cli.StderrSoFar + "\nmoto:\n" + moto.LogTail());
            task = JsonDocument.Parse(await moto.AwsCliAsync("ecs", "list-tasks", "--cluster", cluster)).RootElement
                .GetProperty("taskArns").EnumerateArray().Select(t => t.GetString()).FirstOrDefault();
            return task is not null;
        }, TimeSpan.FromSeconds(60), "a one-off task started");
        var described = JsonDocument.Parse(await moto.AwsCliAsync("ecs", "describe-tasks", "--cluster", cluster, "--tasks", task!)).RootElement
            .GetProperty("tasks")[0].Clone();
        Assert.Equal(command, described.GetProperty("overrides").GetProperty("containerOverrides")[0].GetProperty("command")
            .EnumerateArray().Select(c => c.GetString()));
        return described;
    }

    /// <summary>Plays ECS ending the task: the command waited for it until then.</summary>
    private async Task StopAsync(RunningCli cli, string cluster, JsonElement task)
    {
        Assert.False(cli.HasExited);
        await moto.AwsCliAsync("ecs", "stop-task", "--cluster", cluster, "--task", task.GetProperty("taskArn").GetString()!, "--reason", "Essential container in task exited");
    }

    [Fact]
    public async Task The_release_command_runs_as_a_task_of_the_new_release_before_the_stack_moves_to_it_and_the_policy_allows_it()
    {
        (await RunAsync("up", "--no-check")).Succeeded();
        var cluster = $"slipway-{_app.Name}";
        await EnableDnsHostnamesAsync(cluster);
        _app.WriteManifest(extra: "release:\n  command: flask db upgrade\n");
        _app.Repo.Write("app/app.py", TestEngine.FlaskApp.Replace("version {VERSION}", "v2 {VERSION}"));
        var second = _app.Repo.Commit("v2");

        CliResult? up = null;
        var calls = await moto.RecordAsync(async () =>
        {
            using var running = _app.Cli.Start(["up", "--no-check", "-e", "aws", "-f", _app.ManifestPath], moto.Environment);
            var task = await RunningTaskOfAsync(running, cluster, ["sh", "-c", "flask db upgrade"]);
            var definition = JsonDocument.Parse(await moto.AwsCliAsync("ecs", "describe-task-definition", "--task-definition", task.GetProperty("taskDefinitionArn").GetString()!))
                .RootElement.GetProperty("taskDefinition").GetProperty("containerDefinitions")[0];
            Assert.EndsWith($":{second}", definition.GetProperty("image").GetString()); // the new release's image...
            var template = await CloudFormationClient.Create(Settings, TimeProvider.System).GetTemplateAsync(cluster, Ct);
            Assert.Equal(_app.FirstVersion, Slipway.Platforms.Aws.StackTemplate.ReleaseOf(Slipway.Platforms.Aws.StackTemplate.ReleaseIn(template!))!.Version); // ...while the old one serves
            await StopAsync(running, cluster, task);
            up = await running.WaitAsync(Ct);
        });

        Assert.True(up!.ExitCode == 0, up.All);
        Assert.Contains("release", up.Stderr);
        Assert.Contains($"{second} serving on 2 replica(s) (was {_app.FirstVersion})", up.Stderr);
        var policy = IamPolicy.Load(Path.Combine(RepositoryRoot.Path, "deploy", "aws", "iam-policy.json"));
        var requests = calls.Where(c => c.Service is not null || c.Form.ContainsKey("StackName")).Select(IamPolicyWireTests.RequestOf).Distinct().ToList();
        Assert.Contains(requests, r => r.Action == "ecs:RunTask");
        var denied = requests.Where(r => policy.Evaluate(r) != IamDecision.Allowed).Select(r => $"{r.Action} on {r.Resource}").ToList();
        Assert.True(denied.Count == 0, "denied by deploy/aws/iam-policy.json: " + string.Join(", ", denied));
    }
}
