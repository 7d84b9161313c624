using System.Text.Json.Nodes;
using Slipway.Platforms.Aws;
using Slipway.Tests.Support;

namespace Slipway.Tests.Aws;

/// <summary><c>slipway package</c>: the template a deploy applies, written without calling AWS (the endpoint is a closed port).</summary>
[Collection(Slipway.Tests.EndToEnd.BadInputCollection.Name)]
public sealed class PackageTests
{
    private static readonly Dictionary<string, string> DeadEndpoint = new()
    {
        ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9", ["AWS_ACCESS_KEY_ID"] = "testing", ["AWS_SECRET_ACCESS_KEY"] = "testing",
        ["AWS_REGION"] = "us-east-1", ["AWS_EC2_METADATA_DISABLED"] = "true",
    };

    [Fact]
    public async Task Package_writes_the_template_of_the_sources_version_to_a_file_or_standard_output()
    {
        await using var app = new LocalApp("pkg");
        var file = Path.Combine(Path.GetDirectoryName(app.ManifestPath)!, "stack.json");

        var written = await app.Cli.RunAsync(["package", "-e", "aws", "-o", file, "-f", app.ManifestPath], DeadEndpoint, TestContext.Current.CancellationToken);
        var printed = await app.Cli.RunAsync(["package", "-e", "aws", "--version", "v9", "-f", app.ManifestPath], DeadEndpoint, TestContext.Current.CancellationToken);

        Assert.True(written.ExitCode == 0, written.All);
        Assert.Contains($"wrote {file}", written.Stderr);
        var template = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        Assert.Equal(app.FirstVersion, StackTemplate.ReleaseOf(template["Resources"]!["TaskDefinition"]!.AsObject())!.Version);
        Assert.NotNull(template["Resources"]!["Service"]);
        Assert.True(printed.ExitCode == 0, printed.All);
        Assert.Equal("v9", JsonNode.Parse(printed.Stdout)!["Outputs"]!["Version"]!["Value"]!.GetValue<string>());
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
