using Slipway.Cloud.Aws;
using Slipway.Foundation;
using Slipway.Tests.Support;

namespace Slipway.Tests.Cloud.Aws;

[Trait("Tier", "unit")]
public sealed class AwsSettingsTests : IDisposable
{
    private readonly TempDirectory _dir = new("slw-awscfg");

    public void Dispose() => _dir.Dispose();

    private Func<string, string?> Env(params (string, string)[] values)
    {
        var map = values.ToDictionary(v => v.Item1, v => v.Item2);
        map.TryAdd("HOME", _dir.Path);
        map.TryAdd("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent");
        return name => map.GetValueOrDefault(name);
    }

    [Fact]
    public void The_region_of_the_profile_in_the_aws_config_file_is_used_when_nothing_else_names_one()
    {
        var config = _dir.Write("config", "[default]\nregion = us-east-2\n\n[profile   dev]\n# a comment\noutput = json\nregion = eu-west-1\n");

        Assert.Equal("eu-west-1", AwsSettings.Resolve(null, Env(("AWS_PROFILE", "dev"), ("AWS_CONFIG_FILE", config))).Region.SystemName);
        Assert.Equal("us-east-2", AwsSettings.Resolve(null, Env(("AWS_CONFIG_FILE", config))).Region.SystemName);
        Assert.Equal("ap-south-1", AwsSettings.Resolve(null, Env(("AWS_PROFILE", "dev"), ("AWS_CONFIG_FILE", config), ("AWS_REGION", "ap-south-1"))).Region.SystemName);
        Assert.Equal("sa-east-1", AwsSettings.Resolve("sa-east-1", Env(("AWS_PROFILE", "dev"), ("AWS_CONFIG_FILE", config))).Region.SystemName);
    }

    /// <summary>package calls nothing, so it must work in a CI lint job without keys; a missing key fails the first request (AwsPlatformMotoTests).</summary>
    [Fact]
    public void Credentials_are_looked_for_only_when_a_request_needs_them()
    {
        var none = AwsSettings.Resolve("eu-west-1", Env(("AWS_PROFILE", "nobody"), ("AWS_CONFIG_FILE", "/nonexistent")));
        var keys = AwsSettings.Resolve("eu-west-1", Env(("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"), ("AWS_SECRET_ACCESS_KEY", "secret")));

        Assert.Equal("eu-west-1", none.Region.SystemName);
        Assert.Equal("BasicAWSCredentials", keys.CredentialsKind());
    }
}
