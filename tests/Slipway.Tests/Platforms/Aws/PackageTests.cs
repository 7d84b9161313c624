using System.Text.Json.Nodes;
using Slipway.Platforms.Aws;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Aws;

/// <summary><c>slipway package</c>: the template a deploy applies, written without calling AWS (the endpoint is a closed port).</summary>
[Trait("Tier", "engine")]
[Collection(Slipway.Tests.EndToEnd.BadInputCollection.Name)]
public sealed class PackageTests
{
    /// <summary>No credentials at all (a CI lint job's), and an endpoint that is a closed port: package must need neither.</summary>
    private static readonly Dictionary<string, string> DeadEndpoint = new()
    {
        ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9", ["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent", ["AWS_CONFIG_FILE"] = "/nonexistent",
        ["AWS_REGION"] = "us-east-1", ["AWS_EC2_METADATA_DISABLED"] = "true",
    };

    [Fact]
    public async Task Package_writes_the_template_of_the_sources_version_to_a_file_or_standard_output()
    {
        await using var app = new LocalApp("pkg");
        var file = Path.Combine(Path.GetDirectoryName(app.ManifestPath)!, "stack.json");

        var written = await app.Cli.RunAsync(["package", "-e", "aws", "-o", file, "-f", app.ManifestPath], DeadEndpoint, TestContext.Current.CancellationToken);
        var printed = await app.Cli.RunAsync(["package", "-e", "aws", "--version", "v9", "-f", app.ManifestPath], DeadEndpoint, TestContext.Current.CancellationToken);

        written.Succeeded();
        Assert.Contains($"wrote {file}", written.Stderr);
        var template = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        Assert.Equal(app.FirstVersion, StackTemplate.ReleaseOf(template["Resources"]!["TaskDefinition"]!.AsObject())!.Version);
        Assert.NotNull(template["Resources"]!["Service"]);
        printed.Succeeded();
        Assert.Equal("v9", JsonNode.Parse(printed.Stdout)!["Outputs"]!["Version"]!["Value"]!.GetValue<string>());
    }

    [Fact]
    public async Task Package_policy_writes_the_deploy_policy_narrowed_to_the_apps_own_stack_whatever_its_name()
    {
        await using var app = new LocalApp("pkg");
        app.WriteManifest(extra: "aws:\n  stackName: Team-Shop\n  region: eu-west-1\n");

        var result = await app.Cli.RunAsync(["package", "-e", "aws", "--policy", "-f", app.ManifestPath], DeadEndpoint, TestContext.Current.CancellationToken);

        result.Succeeded();
        var policy = IamPolicy.Parse(result.Stdout);
        Assert.Equal(IamDecision.Allowed, policy.Evaluate(new("cloudformation:CreateChangeSet", "arn:aws:cloudformation:eu-west-1:123456789012:stack/Team-Shop/1")));
        Assert.Equal(IamDecision.ImplicitDeny, policy.Evaluate(new("cloudformation:CreateChangeSet", "arn:aws:cloudformation:eu-west-1:123456789012:stack/slipway-other/1")));
        Assert.Equal(IamDecision.ImplicitDeny, policy.Evaluate(new("cloudformation:DeleteStack", "arn:aws:cloudformation:us-east-1:123456789012:stack/Team-Shop/1")));
        Assert.Equal(IamDecision.Allowed, policy.Evaluate(new("dynamodb:PutItem", "arn:aws:dynamodb:eu-west-1:123456789012:table/slipway-state")));
        Assert.Equal(IamDecision.Allowed, policy.Evaluate(new("ec2:DeleteVpc", "arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-1",
            new Dictionary<string, string> { ["aws:ResourceTag/aws:cloudformation:stack-name"] = "Team-Shop" })));
        Assert.Equal(IamDecision.ImplicitDeny, policy.Evaluate(new("ec2:DeleteVpc", "arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-1",
            new Dictionary<string, string> { ["aws:ResourceTag/aws:cloudformation:stack-name"] = "slipway-other" })));
        // Only the statements naming the stack differ from the published policy.
        var published = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "deploy", "aws", "iam-policy.json")))!["Statement"]!.AsArray();
        var rendered = JsonNode.Parse(result.Stdout)!["Statement"]!.AsArray();
        Assert.Equal(IamDecision.Allowed, policy.Evaluate(new("ecs:RunTask", "arn:aws:ecs:eu-west-1:123456789012:task-definition/Team-Shop-run:3")));
        Assert.Equal(IamDecision.ImplicitDeny, policy.Evaluate(new("ecs:RunTask", "arn:aws:ecs:eu-west-1:123456789012:task-definition/slipway-other-run:3")));
        Assert.Equal(IamDecision.Allowed, policy.Evaluate(new("ecs:ExecuteCommand", "arn:aws:ecs:eu-west-1:123456789012:task/Team-Shop/0f1e")));
        Assert.Equal(IamDecision.ImplicitDeny, policy.Evaluate(new("ecs:StopTask", "arn:aws:ecs:eu-west-1:123456789012:task/slipway-other/0f1e")));
        Assert.Equal(IamDecision.Allowed, policy.Evaluate(new("scheduler:UpdateSchedule", "arn:aws:scheduler:eu-west-1:123456789012:schedule/default/Team-Shop-nightly")));
        Assert.Equal(IamDecision.ImplicitDeny, policy.Evaluate(new("scheduler:DeleteSchedule", "arn:aws:scheduler:eu-west-1:123456789012:schedule/default/slipway-other-nightly")));
        // The volumes' file system: its own stack, and deletes only of what is named after the app.
        Assert.Equal(IamDecision.Allowed, policy.Evaluate(new("cloudformation:DeleteStack", "arn:aws:cloudformation:eu-west-1:123456789012:stack/Team-Shop-data/1")));
        Assert.Equal(IamDecision.Allowed, policy.Evaluate(new("elasticfilesystem:DeleteFileSystem", "arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/fs-1",
            new Dictionary<string, string> { ["aws:ResourceTag/Name"] = $"slipway-{app.Name}-data" })));
        Assert.Equal(IamDecision.ImplicitDeny, policy.Evaluate(new("elasticfilesystem:DeleteFileSystem", "arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/fs-2",
            new Dictionary<string, string> { ["aws:ResourceTag/Name"] = "slipway-other-data" })));
        Assert.Equal(["StackLifecycle", "ResourcesTheStackManages", "DeleteOnlyTheAppsFileSystem", "DeleteOrChangeOnlyTheAppsOwn", "ChangeOnlyTheNetworkTheStackMade",
            "OneOffTasksOfSlipwaysClusters", "SchedulesOfTheAppsJobs", "PostTheAppsJobFailures", "StopAndExecIntoSlipwaysTasks", "PushImages", "AppSecrets"], published.Zip(rendered).Where(p => !JsonNode.DeepEquals(p.First, p.Second)).Select(p => (string)p.First!["Sid"]!));
    }

    [Fact]
    public async Task Package_of_a_local_environment_is_one_clear_error()
    {
        await using var app = new LocalApp("pkg");

        var result = await app.RunAsync("package");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error: the local platform has no template to package", result.Stderr);
        Assert.Contains("hint: run it with -e aws", result.Stderr);
    }
}
