using Slipway.Configuration;
using Slipway.Foundation;
using Slipway.Tests.Support;

namespace Slipway.Tests.Configuration;

/// <summary>A preview environment's manifest, derived from its base: its name, host or port, secrets and expiry.</summary>
[Trait("Tier", "unit")]
public sealed class PreviewManifestTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    public PreviewManifestTests() => _dir.Write("Dockerfile", "FROM scratch\n");

    public void Dispose() => _dir.Dispose();

    private AppManifest Preview(string previews, string name = "pr-123", string extra = "")
    {
        var path = _dir.Write("slipway.yaml", $"""
            app: shop
            source: {"{"} git: https://example.invalid/shop.git {"}"}
            secrets:
              API_TOKEN: {"{"} fromEnv: API_TOKEN {"}"}
              SENTRY_DSN: {"{"} fromEnv: SENTRY_DSN {"}"}
            environments:
              staging: {"{"} edge: {"{"} port: 8443 {"}"} {"}"}
            {extra}
            previews:
            {previews}
            """);
        return ManifestLoader.LoadPreview(path, name, Now, Slipway.Cli.BuiltInPlatforms.Catalog.Manifests);
    }

    [Fact]
    public void A_preview_is_its_base_environment_as_an_app_of_its_own_at_its_own_host_with_only_the_secrets_listed()
    {
        var app = Preview("  from: staging\n  host: \"{name}.preview.example.com\"\n  ttl: 48h\n  secrets: [SENTRY_DSN]\n");

        Assert.Equal(("shop-pr-123", "pr-123", "shop@pr-123"), (app.App, app.Environment.Name, app.Owner));
        Assert.Equal(("pr-123.preview.example.com", 8443), (app.Edge.Host, app.Edge.Port));
        Assert.Equal(["SENTRY_DSN"], app.Secrets.Keys);
        Assert.Equal(new PreviewInfo("pr-123", "shop@staging", Now.AddHours(48)), app.Preview);
        Assert.Null(app.Previews);
    }

    [Fact]
    public void A_preview_keeps_the_backup_store_and_count_but_not_the_schedule()
    {
        var app = Preview("  from: staging\n", extra: "replicas: 1\nvolumes: { data: /srv/data }\nbackups: { schedule: \"0 3 * * *\", keep: 3 }\n");

        Assert.Equal((null, 3), (app.Backups.Schedule, app.Backups.Keep)); // its data lives as long as it does
    }

    [Fact]
    public void Without_a_host_each_preview_has_a_port_its_name_always_gives()
    {
        var first = Preview("  from: staging\n", "pr-1");
        var again = Preview("  from: staging\n", "pr-1");
        var other = Preview("  from: staging\n", "pr-2");

        Assert.Null(first.Edge.Host);
        Assert.Equal(first.Edge.Port, again.Edge.Port);
        Assert.InRange(first.Edge.Port, 8444, 8443 + 899);
        Assert.NotEqual(first.Edge.Port, other.Edge.Port);
    }

    [Theory]
    [InlineData("  from: staging\n", "PR_1", "--preview: \"PR_1\" is not a DNS label")]
    [InlineData("  from: staging\n", "a-very-long-preview-name-for-this", "is longer than 32 characters")]
    [InlineData("  from: staging\n  host: preview.example.com\n", "pr-1", "previews.host: \"preview.example.com\" is not a host name template with {name} in it")]
    [InlineData("  from: staging\n  whenFull: wait\n", "pr-1", "previews.whenFull: \"wait\" is not refuse or evict")]
    [InlineData("  from: staging\n  secrets: [DB_PASSWORD]\n", "pr-1", "previews.secrets: DB_PASSWORD is not a secret of the staging environment")]
    [InlineData("  from: nowhere\n", "pr-1", "unknown environment \"nowhere\"")]
    public void A_bad_preview_is_one_line(string previews, string name, string message) =>
        Assert.Contains(message, Assert.Throws<SlipwayException>(() => Preview(previews, name)).Message);

    [Fact]
    public void An_env_value_composing_a_withheld_secret_is_refused_naming_it() =>
        Assert.Contains("env.URL: composes the secret API_TOKEN, which previews do not get",
            Assert.Throws<SlipwayException>(() => Preview("  from: staging\n", extra: "env:\n  URL: \"https://x:${API_TOKEN}@api\"\n")).Message);

    [Fact]
    public void Each_platform_derives_its_own_settings_for_a_preview_an_aws_one_a_stack_and_a_record_of_its_own()
    {
        var app = Preview("  from: prod\n  host: \"{name}.preview.example.com\"\n", "pr-9",
            extra: "  prod:\n    platform: aws\naws:\n  stackName: Team-Shop\n  dns: { hostedZoneId: Z123, name: shop.example.com }\n");

        var aws = app.SettingsOf<Slipway.Platforms.Aws.AwsSpec>("aws");
        Assert.Equal(("Team-Shop-pr-9", "pr-9.preview.example.com"), (aws.StackName, aws.Dns!.Name));
    }

    [Fact]
    public void A_seed_names_an_accessory_or_a_volume_of_the_base_or_is_refused_naming_the_key()
    {
        var seeded = Preview("  from: staging\n  seed: { data: latest }\n", extra: "volumes:\n  data: /data\nreplicas: 1\n");
        Assert.NotNull(seeded.Preview);

        var refused = Assert.Throws<Slipway.Foundation.SlipwayException>(() => Preview("  from: staging\n  seed: { db: latest }\n"));
        Assert.Contains("previews.seed.db: is not an accessory or a volume of the staging environment", refused.Message);
    }
}
