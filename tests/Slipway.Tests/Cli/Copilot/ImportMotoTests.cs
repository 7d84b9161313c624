using Slipway.Cloud.Aws;
using Slipway.Platforms.Aws;
using Slipway.Tests.Support;

namespace Slipway.Tests.Cli.Copilot;

/// <summary>A Copilot service imported with the real CLI and deployed with <c>up -e aws</c> on moto; destroy leaves the user's own parameters alone.</summary>
[Trait("Tier", "aws")]
[Collection(Slipway.Tests.EndToEnd.AwsCollection.Name)]
public sealed class ImportMotoTests(MotoFixture moto) : IClassFixture<MotoFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_imported_copilot_service_deploys_on_aws_reading_its_secret_from_the_users_parameter()
    {
        await moto.ResetAsync();
        using var dir = new TempDirectory("slipway-import");
        var name = $"imp{Guid.NewGuid():N}"[..9];
        var repo = GitRepo.Init(Path.Combine(dir.Path, "workspace"));
        repo.Write("app.py", TestEngine.FlaskApp).Write("Dockerfile", TestEngine.Dockerfile);
        repo.Write($"copilot/{name}/manifest.yml", $"""
            name: {name}
            type: Load Balanced Web Service
            http:
              path: '/'
              healthcheck: '/'
            image:
              build: Dockerfile
              port: 8000
            count: 2
            secrets:
              DB_PASSWORD: /copilot/{name}/test/secrets/DB_PASSWORD
            sidecars:
              nginx:
                port: 80
            """);
        var cli = new SlipwayCli(Path.Combine(dir.Path, "state"));
        await moto.AwsCliAsync("ssm", "put-parameter", "--name", $"/copilot/{name}/test/secrets/DB_PASSWORD", "--value", "s3cr3t", "--type", "SecureString");

        var import = await cli.RunAsync(["import", "copilot", Path.Combine(repo.Path, "copilot", name, "manifest.yml")], null, Ct);
        import.Succeeded();
        Assert.Contains($"not mapped: copilot/{name}/manifest.yml:12: sidecars: sidecar containers are not supported", import.Stderr);
        repo.Commit("imported from copilot");
        var manifest = Path.Combine(repo.Path, "slipway.yaml");
        var up = await cli.RunAsync(["up", "-e", "aws", "--no-check", "-f", manifest], moto.Environment, Ct);
        up.Succeeded();

        var settings = new AwsSettings(new Amazon.Runtime.BasicAWSCredentials("testing", "testing"), Amazon.RegionEndpoint.USEast1,
            variable => moto.Environment.GetValueOrDefault(variable));
        var template = await CloudFormationClient.Create(settings, TimeProvider.System).GetTemplateAsync($"slipway-{name}", Ct);
        var secret = StackTemplate.ReleaseIn(template!)!["Properties"]!["ContainerDefinitions"]![0]!["Secrets"]![0]!;
        Assert.Equal($"/copilot/{name}/test/secrets/DB_PASSWORD", (string?)secret["ValueFrom"]);
        Assert.DoesNotContain("s3cr3t", up.All); // never read, never shown

        var destroy = await cli.RunAsync(["destroy", "-e", "aws", "--yes", "-f", manifest], moto.Environment, Ct);
        destroy.Succeeded();
        Assert.Contains($"/copilot/{name}/test/secrets/DB_PASSWORD", await moto.AwsCliAsync("ssm", "get-parameter", "--name", $"/copilot/{name}/test/secrets/DB_PASSWORD"));
    }
}
