using Slipway.Platforms.Aws;
using Slipway.Foundation;
using Slipway.Configuration;
using Slipway.Tests.Support;

namespace Slipway.Tests.Configuration;

[Trait("Tier", "unit")]
public sealed class EnvironmentsTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private string ManifestPath => Path.Combine(_dir.Path, "slipway.yaml");

    private const string Yaml = """
        app: shop
        source:
          git: https://example.invalid/shop.git
        replicas: 2
        env:
          MODE: dev
          COLOR: blue
        edge:
          port: 8080
        environments:
          staging:
            replicas: 1
            env:
              MODE: staging
            edge:
              host: staging.localhost
          production:
            platform: aws
            replicas: 4
            aws:
              region: eu-west-1
          demo:
            protected: true
        """;

    public EnvironmentsTests() => _dir.Write("Dockerfile", "FROM scratch\n");

    private AppManifest Load(string environment, string yaml = Yaml) => Support.Manifests.Parse(yaml, ManifestPath, environment);

    [Fact]
    public void Without_an_environment_the_top_level_settings_apply_on_the_local_platform()
    {
        var app = Load("local");
        Assert.Equal("shop", app.App);
        Assert.Equal(2, app.Replicas);
        Assert.Equal(new EnvironmentSpec { Name = "local", Platform = "local", Protected = false }, app.Environment);
    }

    [Fact]
    public void An_environment_overrides_keys_and_merges_mappings()
    {
        var app = Load("staging");

        Assert.Equal("shop-staging", app.App); // a deployment of its own
        Assert.Equal(1, app.Replicas);
        Assert.Equal("staging", app.Env["MODE"]);
        Assert.Equal("blue", app.Env["COLOR"]);
        Assert.Equal(8080, app.Edge.Port);
        Assert.Equal("staging.localhost", app.Edge.Host);
        Assert.Equal("local", app.Environment.Platform);
        Assert.False(app.Environment.Protected);
    }

    [Fact]
    public void Production_runs_where_it_says_and_is_protected_by_default()
    {
        var production = Load("production");
        Assert.Equal("aws", production.Environment.Platform);
        Assert.True(production.Environment.Protected);
        Assert.Equal("eu-west-1", production.Aws().Region);
        Assert.Equal(4, production.Replicas);
        Assert.True(Load("demo").Environment.Protected);
    }

    [Fact]
    public void The_built_in_aws_environment_needs_no_declaration()
    {
        var app = Load("aws");
        Assert.Equal("shop", app.App);
        Assert.Equal("aws", app.Environment.Platform);
    }

    [Fact]
    public void An_unknown_environment_lists_the_known_ones()
    {
        var error = Assert.Throws<SlipwayException>(() => Load("qa"));
        Assert.Equal(2, error.ExitCode);
        Assert.Contains("unknown environment \"qa\"", error.Message);
        Assert.Contains("staging, production, demo", error.Hint);
    }

    [Theory]
    [InlineData("environments:\n  staging:\n    platform: heroku\n", "environments.staging.platform: \"heroku\" is not a platform")]
    [InlineData("environments:\n  staging:\n    app: other\n", "environments.staging.app: cannot be overridden per environment")]
    [InlineData("environments:\n  staging:\n    replicas: lots\n", "replicas: \"lots\" is not a whole number")]
    [InlineData("environments:\n  staging:\n    replica: 3\n", "replica: unknown key")]
    public void Bad_environment_settings_are_named(string environments, string expected)
    {
        var yaml = "app: shop\nsource:\n  git: x\n" + environments;
        var error = Assert.Throws<SlipwayException>(() => Load("staging", yaml));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Hooks_are_read()
    {
        var app = Load("local", "app: shop\nsource:\n  git: x\nhooks:\n  preBuild: make test\n  postDeploy: ./notify.sh\n");
        Assert.Equal("make test", app.Hooks.PreBuild);
        Assert.Null(app.Hooks.PreCutover);
        Assert.Equal("./notify.sh", app.Hooks.PostDeploy);
    }

    public void Dispose() => _dir.Dispose();
}
