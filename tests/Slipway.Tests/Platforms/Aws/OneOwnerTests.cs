using System.Text.Json;
using System.Text.Json.Nodes;
using Slipway.Platforms.Aws;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Aws;

/// <summary>
/// CloudFormation is the service's one owner, checked from the requests Slipway actually sends (moto records
/// them): moto's own state would hide the difference, since its change sets ignore what it does not model.
/// </summary>
[Trait("Tier", "aws")]
[Collection(Slipway.Tests.EndToEnd.AwsCollection.Name)]
public sealed class OneOwnerTests(MotoFixture moto) : IClassFixture<MotoFixture>, IAsyncLifetime
{
    private const string Autoscaled = """
        aws:
          autoscaling:
            min: 2
            max: 4
            targetCpu: 60
        """;

    /// <summary>The calls that change a service's definition or count, outside or through the stack.</summary>
    private static readonly string[] ServiceWrites = ["RegisterTaskDefinition", "UpdateService", "CreateService", "UpdateStack", "PutParameter"];

    private LocalApp _app = null!;

    public async ValueTask InitializeAsync()
    {
        await moto.ResetAsync();
        _app = new LocalApp("owner");
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private Task<CliResult> UpAsync() =>
        _app.Cli.RunAsync(["up", "-e", "aws", "--no-check", "-f", _app.ManifestPath], moto.Environment, TestContext.Current.CancellationToken);

    private async Task<JsonObject> DeployedReleaseAsync()
    {
        var template = JsonDocument.Parse(await moto.AwsCliAsync("cloudformation", "get-template", "--stack-name", $"slipway-{_app.Name}"))
            .RootElement.GetProperty("TemplateBody");
        var text = template.ValueKind == JsonValueKind.String ? template.GetString()! : template.GetRawText();
        return StackTemplate.ReleaseIn(text)!;
    }

    [Theory]
    [InlineData("fixed replicas", "")]
    [InlineData("autoscaled", Autoscaled)]
    public async Task A_no_op_up_only_reads_the_infrastructure(string variant, string aws)
    {
        _app.WriteManifest(extra: aws);
        var first = await UpAsync();
        first.Succeeded();

        CliResult again = null!;
        var calls = await moto.RecordAsync(async () => again = await UpAsync());

        again.Succeeded();
        Assert.Contains("nothing to do", again.Stderr);
        Assert.NotEmpty(calls);
        var infrastructure = calls.Where(c => !c.IsSharedState).ToList();
        Assert.True(infrastructure.All(c => c.IsRead), $"{variant}: {string.Join(", ", infrastructure.Where(c => !c.IsRead).Select(c => c.Action))}");
        Assert.Single(infrastructure, c => c.Action == "GetTemplate"); // the deployed template is read once in a run
        // Beside the reads, only the run's coordination: the stack listed for the dashboard, the run numbered and recorded,
        // the lock taken and given back, the run completed.
        Assert.Equal(["PutItem", "UpdateItem", "PutItem", "PutItem", "DeleteItem", "UpdateItem"], calls.Where(c => c.IsSharedState && !c.IsRead).Select(c => c.Action));
    }

    [Theory]
    [InlineData("log retention", "", "aws:\n  logRetentionDays: 30\n")]
    [InlineData("listener port", "", "aws:\n  listenerPort: 8080\n")]
    [InlineData("autoscaling limits", Autoscaled, "aws:\n  autoscaling:\n    min: 2\n    max: 8\n    targetCpu: 60\n")]
    public async Task An_infrastructure_change_keeps_the_serving_release_and_starts_no_rollout(string change, string before, string after)
    {
        _app.WriteManifest(extra: before);
        (await UpAsync()).Succeeded();
        var serving = await DeployedReleaseAsync();
        _app.WriteManifest(extra: after);

        CliResult up = null!;
        var calls = await moto.RecordAsync(async () => up = await UpAsync());

        up.Succeeded();
        Assert.Single(calls, c => c.Action == "ExecuteChangeSet");
        Assert.DoesNotContain(calls, c => ServiceWrites.Contains(c.Action));
        // The applied template carries the serving release unchanged, so CloudFormation keeps it whether the
        // update completes or rolls back; and no change set is left to parameters.
        var changeSet = Assert.Single(calls, c => c.Action == "CreateChangeSet");
        Assert.DoesNotContain(changeSet.Form.Keys, k => k.StartsWith("Parameters.", StringComparison.Ordinal));
        var template = JsonNode.Parse(changeSet.Form["TemplateBody"])!;
        Assert.True(JsonNode.DeepEquals(serving, template["Resources"]!["TaskDefinition"]), $"{change}: the release changed");
        if (before.Length > 0) Assert.Null(template["Resources"]!["Service"]!["Properties"]!["DesiredCount"]); // the scaler's count stays
        Assert.Contains("nothing to do", up.Stderr);
    }

    [Fact]
    public async Task A_new_release_is_one_stack_update_with_the_secrets_named_and_no_direct_service_call()
    {
        _app.WriteManifest(extra: "secrets:\n  API_TOKEN:\n    fromEnv: OWNER_TEST_TOKEN\n");
        var env = new Dictionary<string, string>(moto.Environment) { ["OWNER_TEST_TOKEN"] = "first-" + Guid.NewGuid().ToString("N") };
        (await _app.Cli.RunAsync(["up", "-e", "aws", "--no-check", "-f", _app.ManifestPath], env, TestContext.Current.CancellationToken)).Succeeded();
        _app.Repo.Write("app/app.py", TestEngine.FlaskApp.Replace("version {VERSION}", "v2 {VERSION}"));
        var second = _app.Repo.Commit("v2");

        CliResult up = null!;
        var calls = await moto.RecordAsync(async () =>
            up = await _app.Cli.RunAsync(["up", "-e", "aws", "--no-check", "-f", _app.ManifestPath], env, TestContext.Current.CancellationToken));

        up.Succeeded();
        Assert.Single(calls, c => c.Action == "ExecuteChangeSet");
        Assert.DoesNotContain(calls, c => c.Action is "RegisterTaskDefinition" or "UpdateService" or "CreateService" or "UpdateStack");
        Assert.Single(calls, c => c.Action == "GetTemplate"); // read once; the rollout and the check know the template they applied
        var release = await DeployedReleaseAsync();
        Assert.Equal(second, StackTemplate.ReleaseOf(release)!.Version);
        Assert.Equal("/slipway/" + _app.Name + "/API_TOKEN", (string?)release["Properties"]!["ContainerDefinitions"]![0]!["Secrets"]![0]!["ValueFrom"]);
        Assert.DoesNotContain(env["OWNER_TEST_TOKEN"], string.Join("\n", calls.Where(c => c.Action == "CreateChangeSet").Select(c => c.Body)));
    }

    [Fact]
    public async Task Deploys_keep_three_images_here_and_destroy_removes_the_stack_then_the_secrets_then_the_images()
    {
        _app.WriteManifest(extra: "secrets:\n  API_TOKEN:\n    fromEnv: OWNER_TEST_TOKEN\n");
        var env = new Dictionary<string, string>(moto.Environment) { ["OWNER_TEST_TOKEN"] = "t-" + Guid.NewGuid().ToString("N") };
        var versions = new List<string> { _app.FirstVersion };
        (await _app.Cli.RunAsync(["up", "-e", "aws", "--no-check", "-f", _app.ManifestPath], env, TestContext.Current.CancellationToken)).Succeeded();
        for (var i = 2; i <= 4; i++)
        {
            _app.Repo.Write("app/app.py", TestEngine.FlaskApp.Replace("version {VERSION}", $"v{i} {{VERSION}}"));
            versions.Add(_app.Repo.Commit($"v{i}"));
            var up = await _app.Cli.RunAsync(["up", "-e", "aws", "--no-check", "-f", _app.ManifestPath], env, TestContext.Current.CancellationToken);
            up.Succeeded();
        }
        var kept = (await _app.ImagesAsync()).Select(i => i.Labels[Slipway.Platforms.ReleaseLabels.Version]).Distinct().Order().ToList();
        Assert.Equal(versions.TakeLast(3).Order(), kept); // the new one, the one it replaced, one more
        await LeaveAnInterruptedBuildAsync((await _app.ImagesAsync())[0].Labels[Slipway.Platforms.ReleaseLabels.Owner]);

        CliResult destroy = null!;
        var calls = await moto.RecordAsync(async () =>
            destroy = await _app.Cli.RunAsync(["destroy", "-e", "aws", "--yes", "-f", _app.ManifestPath], env, TestContext.Current.CancellationToken));

        destroy.Succeeded();
        var order = calls.Select(c => c.Action).ToList();
        Assert.True(order.IndexOf("DeleteStack") >= 0 && order.IndexOf("DeleteStack") < order.IndexOf("DeleteParameters"), string.Join(", ", order));
        Assert.Empty(await _app.ImagesAsync());
        Assert.Contains("local image", destroy.Stderr);
    }

    /// <summary>
    /// What the classic builder leaves of a build stopped before its last label: an untagged image with the app's labels and no
    /// version (made here by building it under a tag, then moving the tag to another image).
    /// </summary>
    private async Task LeaveAnInterruptedBuildAsync(string owner)
    {
        using var engine = TestEngine.Create();
        using var dir = new TempDirectory();
        var tag = $"slipway-test-leftover-{_app.Name}:1";
        foreach (var labels in new[] { new Dictionary<string, string> { [Slipway.Platforms.ReleaseLabels.App] = _app.Name, [Slipway.Platforms.ReleaseLabels.Owner] = owner }, [] })
        {
            var dockerfile = dir.Write("Dockerfile", $"FROM {TestEngine.BaseImage}\nLABEL leftover={labels.Count}\n");
            await using var context = await Slipway.Platforms.Images.BuildContext.CreateAsync(dir.Path, dockerfile, TestContext.Current.CancellationToken);
            await engine.BuildImageAsync(context, new Slipway.Engine.ImageBuildRequest { Tag = tag, DockerfilePath = Slipway.Platforms.Images.BuildContext.DockerfileEntry, Labels = labels },
                _ => { }, TestContext.Current.CancellationToken);
        }
        await engine.RemoveImageAsync(tag, TestContext.Current.CancellationToken);
        Assert.Contains(await _app.ImagesAsync(), i => i.Tags.Count == 0 && !i.Labels.ContainsKey(Slipway.Platforms.ReleaseLabels.Version));
    }
}
