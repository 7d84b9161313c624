using Slipway.Platforms.Aws;
using Slipway.Configuration;
using Slipway.Cli.Copilot;
using Slipway.Tests.Support;

namespace Slipway.Tests.Cli.Copilot;

/// <summary>
/// <c>slipway import copilot</c> against golden files (Import/Golden/&lt;case&gt;/manifest.yml, expected slipway.yaml and
/// the list of what was not mapped; SLIPWAY_UPDATE_GOLDEN=1 rewrites them); every result loads on the aws platform.
/// </summary>
[Trait("Tier", "unit")]
public sealed class ImportTests
{
    private static string Golden(string name) => Path.Combine(RepositoryRoot.Path, "tests", "Slipway.Tests", "Cli", "Copilot", "Golden", name);

    [Theory]
    [InlineData("frontend", "Z0123456789ABC")]
    [InlineData("api", null)]
    public void A_copilot_manifest_maps_to_a_slipway_manifest_and_lists_what_it_cannot_map(string name, string? hostedZone)
    {
        var result = CopilotImport.Map(File.ReadAllText(Path.Combine(Golden(name), "manifest.yml")), $"copilot/{name}/manifest.yml", hostedZone);
        var unmapped = string.Join('\n', result.Unmapped) + (result.Unmapped.Count == 0 ? "" : "\n");
        GoldenFile.Matches(Path.Combine(Golden(name), "slipway.yaml"), result.Manifest);
        GoldenFile.Matches(Path.Combine(Golden(name), "not-mapped.txt"), unmapped);
        var app = Support.Manifests.Parse(result.Manifest, Path.Combine(Golden(name), "slipway.yaml"), "aws");
        Assert.Equal(name, app.App);
    }

    [Fact]
    public void The_rich_manifest_keeps_its_meaning_on_aws_and_per_environment()
    {
        var yaml = CopilotImport.Map(File.ReadAllText(Path.Combine(Golden("frontend"), "manifest.yml")), "m.yml", "Z0123456789ABC").Manifest;
        var path = Path.Combine(Golden("frontend"), "slipway.yaml");

        var aws = Support.Manifests.Parse(yaml, path, "aws");
        Assert.Equal((8080, "/_healthz", 3, TimeSpan.FromSeconds(60)), (aws.Port, aws.HealthCheck.Path, aws.HealthCheck.HealthyThreshold, aws.HealthCheck.StartPeriod));
        Assert.Equal(new AutoscalingSpec(2, 8, 60, null), aws.Aws().Autoscaling);
        Assert.Equal((512, 1024, CpuArchitecture.Arm64, true), (aws.Aws().Cpu, aws.Aws().Memory, aws.Aws().Architecture, aws.Aws().PrivateSubnets));
        Assert.Equal("shop.example.com", aws.Aws().Dns!.Name);
        Assert.Equal("/copilot/shop/prod/secrets/DB_PASSWORD", aws.Secrets["DB_PASSWORD"].FromSsm);
        Assert.Equal("info", aws.Env["LOG_LEVEL"]);
        var test = Support.Manifests.Parse(yaml, path, "test");
        Assert.Equal(("aws", "debug"), (test.Environment.Platform, test.Env["LOG_LEVEL"]));
    }

    [Theory]
    [InlineData("image:\n  build: \"Dockerfile\\nhooks:\\n  preBuild: touch ~/pwned\"\n  port: 80\n")]
    [InlineData("image:\n  build: Dockerfile\n  port: 80\nvariables:\n  \"A: 1\\nhooks:\\n  preBuild: touch ~/pwned\\nB\": x\n")]
    [InlineData("image:\n  build: Dockerfile\n  port: 80\nvariables:\n  A: \"1\\\"\\nhooks:\\n  preBuild: touch ~/pwned\\nB: \\\"\"\n")]
    public void No_value_or_key_of_the_copilot_manifest_becomes_a_key_of_its_own_in_the_written_manifest(string body)
    {
        var yaml = CopilotImport.Map($"name: web\ntype: Load Balanced Web Service\n{body}", "m.yml", null).Manifest;

        var written = new YamlDotNet.RepresentationModel.YamlStream();
        written.Load(new StringReader(yaml));
        var root = (YamlDotNet.RepresentationModel.YamlMappingNode)written.Documents[0].RootNode;
        Assert.DoesNotContain(root.Children.Keys, key => key.ToString() == "hooks");
        Assert.DoesNotContain("\nhooks:", yaml);
    }

    [Theory]
    [InlineData("count:\n  range: 1-99999999999\n")]
    [InlineData("count:\n  range:\n    min: 1\n    max: 99999999999\n")]
    public void A_count_too_large_to_be_one_is_refused_with_its_key(string count)
    {
        var error = Assert.Throws<Slipway.Foundation.SlipwayException>(() =>
            CopilotImport.Map($"name: web\ntype: Load Balanced Web Service\nimage:\n  build: Dockerfile\n  port: 80\n{count}", "m.yml", null));

        Assert.Contains("99999999999 is not a task count", error.Message);
        Assert.StartsWith("m.yml: count.", error.Message);
    }

    [Fact]
    public void Only_a_load_balanced_web_service_is_imported()
    {
        var error = Assert.Throws<Slipway.Foundation.SlipwayException>(() => CopilotImport.Map("name: jobs\ntype: Scheduled Job\n", "copilot/jobs/manifest.yml", null));
        Assert.Equal("copilot/jobs/manifest.yml: type: \"Scheduled Job\" is not a Load Balanced Web Service", error.Message);
        Assert.Equal(2, error.ExitCode);
    }
}
