using System.Text.Json;
using System.Text.Json.Nodes;
using Slipway.Cloud.Aws;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Aws;

/// <summary>
/// An app's volumes on aws, through the real CLI against moto's wire protocol: the file system in a stack of its own, made
/// before the app's stack, which is given its ID as a parameter; kept by destroy and found again by the next up; deleted only by destroy --volumes.
/// moto keeps no EFS settings of a task definition, so what ECS is asked for is read from the template CloudFormation got.
/// </summary>
[Trait("Tier", "aws")]
[Collection(Slipway.Tests.EndToEnd.AwsCollection.Name)]
public sealed class VolumesMotoTests(MotoFixture moto) : MotoAppTest(moto, "awsv"), IClassFixture<MotoFixture>
{
    private string DataStackName => $"slipway-{App.Name}-data";

    [Fact]
    public async Task Volumes_live_on_a_file_system_in_a_stack_of_their_own_that_destroy_keeps_up_finds_again_and_destroy_volumes_deletes()
    {
        App.WriteManifest(extra: "volumes:\n  data: /var/lib/app\n");
        File.WriteAllText(App.ManifestPath, File.ReadAllText(App.ManifestPath).Replace("replicas: 2", "replicas: 1", StringComparison.Ordinal));

        (await RunAsync("up", "--no-check")).Succeeded();

        var fileSystem = (await CloudFormation.DescribeStackAsync(DataStackName, Ct))!.Output("FileSystemId");
        Assert.StartsWith("fs-", fileSystem);
        var resources = await CloudFormation.DescribeStackResourcesAsync(StackName, Ct);
        Assert.StartsWith("fsmt-", resources["FileSystemMountTarget1"]);
        Assert.StartsWith("fsmt-", resources["FileSystemMountTarget2"]);
        var template = JsonNode.Parse((await CloudFormation.GetTemplateAsync(StackName, Ct))!)!["Resources"]!;
        var efs = template["TaskDefinition"]!["Properties"]!["Volumes"]![0]!["EFSVolumeConfiguration"]!;
        Assert.Equal("FileSystemId", (string?)efs["FilesystemId"]!["Ref"]); // the stack's parameter, given the data stack's output
        Assert.Equal(("ENABLED", "ENABLED"), ((string?)efs["TransitEncryption"], (string?)efs["AuthorizationConfig"]!["IAM"]));
        Assert.Equal("/var/lib/app", (string?)template["TaskDefinition"]!["Properties"]!["ContainerDefinitions"]![0]!["MountPoints"]![0]!["ContainerPath"]);
        var volume = Assert.Single(JsonDocument.Parse((await RunAsync("status", "--json")).Stdout).RootElement.GetProperty("volumes").EnumerateArray());
        Assert.Equal($"{fileSystem}:/data", volume.GetProperty("volume").GetString());

        var destroy = await RunAsync("destroy", "--yes");
        destroy.Succeeded();
        Assert.Contains($"kept stack {DataStackName} with file system {fileSystem}", destroy.All);
        Assert.Null(await CloudFormation.DescribeStackAsync(StackName, Ct));

        (await RunAsync("up", "--no-check")).Succeeded();
        Assert.Equal(fileSystem, (await CloudFormation.DescribeStackAsync(DataStackName, Ct))!.Output("FileSystemId"));

        var removed = await RunAsync("destroy", "--volumes", "--yes");
        removed.Succeeded();
        Assert.Contains($"removed stack {DataStackName} with file system {fileSystem}", removed.All);
        Assert.Null(await CloudFormation.DescribeStackAsync(DataStackName, Ct));
        Assert.Null(await CloudFormation.DescribeStackAsync(StackName, Ct));
    }

    [Fact]
    public async Task An_accessory_holding_data_is_refused_with_the_services_aws_runs_for_it_before_anything_is_made()
    {
        App.WriteManifest(extra: "accessories:\n  db:\n    image: postgres:16\n    volumes:\n      data: /var/lib/postgresql/data\n");

        var up = await RunAsync("up", "--no-check");

        Assert.Equal(2, up.ExitCode);
        Assert.Contains("error: accessories.db: on aws an accessory cannot keep data (volumes: data)", up.Stderr);
        Assert.Contains("RDS", up.Stderr);
        Assert.Null(await CloudFormation.DescribeStackAsync(StackName, Ct));
    }
}
