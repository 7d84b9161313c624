using System.Text.Json;
using System.Text.Json.Nodes;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Aws;

/// <summary>
/// A stateless accessory on aws through the real CLI against moto's wire protocol: an ECS service of its own made before the
/// app's, its secret put where its task reads it, listed by <c>accessory status</c> and <c>status</c>, untouched by a deploy, and
/// removed with its secret by destroy. moto makes no Service Connect namespace and keeps no Service Connect settings, so the names
/// the app reaches it by are read from the template CloudFormation got; that a task resolves them only real AWS can show.
/// </summary>
[Trait("Tier", "aws")]
[Collection(Slipway.Tests.EndToEnd.AwsCollection.Name)]
public sealed class AccessoriesMotoTests(MotoFixture moto) : MotoAppTest(moto, "awsa"), IClassFixture<MotoFixture>
{
    private const string Password = "cache-secret-7c1e";

    [Fact]
    public async Task A_stateless_accessory_is_an_ecs_service_of_its_own_reached_by_its_name_and_a_deploy_leaves_it_alone()
    {
        App.WriteManifest(extra: "accessories:\n  cache:\n    image: redis:7\n    port: 6379\n    healthCheck: { command: redis-cli ping }\n"
                                 + "    secrets: { REDIS_PASSWORD: { fromEnv: ACC_TEST_REDIS } }\n");
        var environment = new Dictionary<string, string>(Moto.Environment) { ["ACC_TEST_REDIS"] = Password };
        Task<CliResult> Run(params string[] args) => App.Cli.RunAsync([.. args, "-e", "aws", "-f", App.ManifestPath], environment, Ct);

        var up = await Run("up", "--no-check");
        up.Succeeded();
        Assert.DoesNotContain(Password, up.All);

        var service = await Ecs.DescribeServiceAsync(StackName, $"{App.Name}-accessory-cache", Ct);
        Assert.Equal(1, service!.DesiredCount);
        var template = JsonNode.Parse((await CloudFormation.GetTemplateAsync(StackName, Ct))!)!["Resources"]!;
        var connect = template["AccessoryCacheService"]!["Properties"]!["ServiceConnectConfiguration"]!["Services"]![0]!;
        Assert.Equal(("cache", 6379), ((string?)connect["ClientAliases"]![0]!["DnsName"], (int)connect["ClientAliases"]![0]!["Port"]!));
        Assert.Equal(true, (bool?)template["Service"]!["Properties"]!["ServiceConnectConfiguration"]!["Enabled"]);
        Assert.Contains("AccessoryCacheService", template["Service"]!["DependsOn"]!.AsArray().Select(d => (string?)d));
        Assert.Equal($"/slipway/{App.Name}/accessories/cache/REDIS_PASSWORD",
            (string?)template["AccessoryCacheTaskDefinition"]!["Properties"]!["ContainerDefinitions"]![0]!["Secrets"]![0]!["ValueFrom"]);
        Assert.Contains(Password, await Moto.AwsCliAsync("ssm", "get-parameter", "--name", $"/slipway/{App.Name}/accessories/cache/REDIS_PASSWORD", "--with-decryption"));

        var status = await Run("accessory", "status", "--json");
        status.Succeeded();
        var listed = Assert.Single(JsonDocument.Parse(status.Stdout).RootElement.GetProperty("accessories").EnumerateArray());
        Assert.Equal(("cache", "cache:6379"), (listed.GetProperty("name").GetString(), listed.GetProperty("address").GetString()));

        App.Repo.Write("app/app.py", TestEngine.FlaskApp.Replace("version {VERSION}", "v2 {VERSION}", StringComparison.Ordinal));
        App.Repo.Commit("v2");
        (await Run("up", "--no-check")).Succeeded();
        var after = JsonNode.Parse((await CloudFormation.GetTemplateAsync(StackName, Ct))!)!["Resources"]!;
        Assert.True(JsonNode.DeepEquals(template["AccessoryCacheTaskDefinition"], after["AccessoryCacheTaskDefinition"])); // a deploy leaves it as it was

        var destroy = await Run("destroy", "--yes");
        destroy.Succeeded();
        var gone = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Moto.AwsCliAsync("ssm", "get-parameter", "--name", $"/slipway/{App.Name}/accessories/cache/REDIS_PASSWORD"));
        Assert.Contains("ParameterNotFound", gone.Message);
    }
}
